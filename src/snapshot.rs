//! Snapshots: what a version records of an extracted page, and how it is derived.
//!
//! A [`Snapshot`] is the extracted article with the feed entry's metadata as fallback
//! (title, author, date, when the page lacks its own) and the two hashes that decide
//! whether the content changed. The derivation is shared by a fetch and by
//! [`reextract`], which rebuilds a stored version from its raw HTML with the current
//! extractor, so that an extractor upgrade compares like with like instead of
//! reporting every article as edited.

use chrono::{DateTime, Utc};

use crate::config::Noise;
use crate::extract::{self, EXTRACTOR_VERSION, ExtractError, Extracted};
use crate::noise;
use crate::store::{self, Article, EntryMeta, Sha256, Store, StoreError, Version};
use crate::text;

/// An extracted page as a version records it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The extractor's output.
    pub extracted: Extracted,
    /// Headline (the page's, else the feed entry's).
    pub title: Option<String>,
    /// Author line (the page's without a leading "By", else the feed entry's).
    pub byline: Option<String>,
    /// Publication time (the page's, else the feed entry's).
    pub published: Option<DateTime<Utc>>,
    /// sha256 over the normalized titles (title, visible headline, social and document
    /// titles), byline, comment state and body text (ignored patterns removed): equal
    /// hashes mean no new version.
    pub content_sha256: Sha256,
    /// sha256 of the normalized body text alone, without a first paragraph that is the
    /// headline (decides the `body` change kind, so that a rewritten headline is a
    /// `title` change only).
    pub body_sha256: Sha256,
}

/// The titles a version is watched on, besides its title: the visible headline, the
/// social title and the document title ([`Extracted`]'s fields of those names).
#[derive(Debug, Clone, Copy, Default)]
pub struct WatchedTitles<'a> {
    /// The visible `<h1>` headline.
    pub headline: Option<&'a str>,
    /// `og:title`, else `twitter:title`.
    pub social_title: Option<&'a str>,
    /// `<title>`.
    pub document_title: Option<&'a str>,
}

impl<'a> WatchedTitles<'a> {
    /// The watched titles of an extracted page.
    pub fn of(x: &'a Extracted) -> WatchedTitles<'a> {
        WatchedTitles {
            headline: x.headline.as_deref(),
            social_title: x.social_title.as_deref(),
            document_title: x.document_title.as_deref(),
        }
    }
}

/// The content hash: sha256 over the normalized title, watched titles, byline, comment
/// state and body text. Anything else in the page (scripts, nonces, ads, "updated 5
/// minutes ago" labels outside the body) cannot change it.
pub fn content_hash(
    title: Option<&str>,
    titles: WatchedTitles<'_>,
    byline: Option<&str>,
    comments: extract::CommentState,
    text: &str,
) -> Sha256 {
    let doc = format!(
        "title: {}\nheadline: {}\nsocial title: {}\ndocument title: {}\nbyline: {}\ncomments: {}\n{}",
        title.unwrap_or(""),
        titles.headline.unwrap_or(""),
        titles.social_title.unwrap_or(""),
        titles.document_title.unwrap_or(""),
        byline.unwrap_or(""),
        comments.as_str(),
        text
    );
    store::blob::sha256(text::normalize_for_hash(&doc).as_bytes())
}

/// A byline without its leading "By" label (`By Mara Castell` → `Mara Castell`): the
/// version records the names, so that a template that adds or drops the label changes
/// nothing. (The extractor keeps the label, as Readability does.)
pub fn byline_names(byline: &str) -> &str {
    let b = byline.trim();
    match b.get(..3) {
        Some(by) if by.eq_ignore_ascii_case("by ") => b[3..].trim_start(),
        _ => b,
    }
}

/// `text` without its first paragraph when that paragraph is one of `titles` (the same
/// words, [`extract::headline::words`]): the headline at the top of the body.
pub fn without_headline<'t>(text: &'t str, titles: &[Option<&str>]) -> &'t str {
    let (first, rest) = text.split_once("\n\n").unwrap_or((text, ""));
    let words = extract::headline::words(first);
    if !words.is_empty()
        && titles
            .iter()
            .flatten()
            .any(|t| extract::headline::words(t) == words)
    {
        rest
    } else {
        text
    }
}

/// The body of an article's text as every comparison sees it: `text` without the
/// headline at its top ([`without_headline`] over the version's `title` and visible
/// `headline`). The body hash ([`build`]) and the documents that diffs, the Atom feed
/// and notifications compare ([`crate::diff::document`]) and the change summaries all
/// read the body through this one function, so that the headline is never a body line
/// (it is the `Title:` line of a diff) and a diff shows a body change exactly when the
/// body hash changed. (Readability keeps an `<h1>` that differs from its metadata title
/// at the top of the text and drops one that matches, so the same body can come with
/// or without it.)
pub fn body<'t>(text: &'t str, title: Option<&str>, headline: Option<&str>) -> &'t str {
    without_headline(text, &[title, headline])
}

/// [`body`] of a stored version's text.
pub fn version_body<'t>(v: &Version, text: &'t str) -> &'t str {
    body(text, v.title.as_deref(), v.headline.as_deref())
}

/// Builds the snapshot of `extracted`, with `entry` as the metadata fallback and the
/// noise controls' ignored patterns left out of the hashes.
pub fn build(extracted: Extracted, entry: &EntryMeta, noise: &Noise) -> Snapshot {
    let title = extracted.title.clone().or_else(|| entry.title.clone());
    let byline = extracted
        .byline
        .as_deref()
        .map(byline_names)
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .or_else(|| entry.author.clone());
    let published = extracted
        .published
        .or(entry.published.filter(|t| extract::plausible(*t)));
    let hashed = noise::hashed_text(noise, &extracted.text);
    let content_sha256 = content_hash(
        title.as_deref(),
        WatchedTitles::of(&extracted),
        byline.as_deref(),
        extracted.comments,
        &hashed,
    );
    let body = body(&hashed, title.as_deref(), extracted.headline.as_deref());
    let body_sha256 = store::blob::sha256(text::normalize_for_hash(body).as_bytes());
    Snapshot {
        extracted,
        title,
        byline,
        published,
        content_sha256,
        body_sha256,
    }
}

/// Errors of a re-extraction.
#[derive(Debug, thiserror::Error)]
pub enum ReextractError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored page no longer extracts.
    #[error(transparent)]
    Extract(#[from] ExtractError),
}

/// Rebuilds `version`'s cleaned content and metadata from its stored raw HTML with the
/// current extractor, in place (the raw page is the source; cleaned content is derived
/// from it). Returns false when the version is already current and `force` is not set
/// (`force` rebuilds anyway, e.g. after changing the noise controls).
///
/// # Errors
/// A store failure, or the page no longer extracting (the version is then left as is).
pub fn reextract(
    store: &mut Store,
    article: &Article,
    version: &Version,
    noise: &Noise,
    force: bool,
) -> Result<bool, ReextractError> {
    if version.extractor_version == EXTRACTOR_VERSION && !force {
        return Ok(false);
    }
    let raw = store.blob(&version.raw_sha256)?;
    let label = version.encoding.as_deref();
    let decoded = crate::http::decode::decode_html(&raw, label);
    let pages = store.version_pages(version.id)?;
    let extracted = if pages.is_empty() {
        extract::extract_with(&decoded.text, &article.url, &noise.drop_selectors)?
    } else {
        let mut later = Vec::with_capacity(pages.len());
        for p in &pages {
            let raw = store.blob(&p.raw_sha256)?;
            let text = crate::http::decode::decode_html(&raw, p.encoding.as_deref()).text;
            later.push((text, p.url.clone()));
        }
        crate::multipage::extract_pages(
            (&decoded.text, &article.url),
            &later,
            &noise.drop_selectors,
        )?
    };
    let snap = build(extracted, &article.entry, noise);
    store.update_derived(version.id, &snap.as_new_version(&raw, &[], None, label))?;
    Ok(true)
}

impl Snapshot {
    /// The version row of this snapshot.
    pub fn as_new_version<'a>(
        &'a self,
        raw: &'a [u8],
        changes: &'a [store::ChangeKind],
        suppressed: Option<&'a str>,
        encoding: Option<&'a str>,
    ) -> store::NewVersion<'a> {
        store::NewVersion {
            raw,
            html: &self.extracted.html,
            text: &self.extracted.text,
            content_sha256: self.content_sha256,
            body_sha256: self.body_sha256,
            title: self.title.as_deref(),
            byline: self.byline.as_deref(),
            published: self.published,
            canonical_url: self.extracted.canonical_url.as_deref(),
            lang: self.extracted.lang.as_deref(),
            comments: self.extracted.comments,
            changes,
            extractor_version: EXTRACTOR_VERSION,
            suppressed,
            encoding,
            headline: self.extracted.headline.as_deref(),
            social_title: self.extracted.social_title.as_deref(),
            document_title: self.extracted.document_title.as_deref(),
            pages: &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_atop_the_body_is_no_body_text() {
        let text = "Ferry timetable approved\n\nThe board met.\nIt agreed.";
        assert_eq!(
            without_headline(text, &[None, Some("Ferry Timetable Approved")]),
            "The board met.\nIt agreed."
        );
        assert_eq!(without_headline(text, &[Some("Tram depot")]), text);
        assert_eq!(without_headline("Only one", &[Some("Only one")]), "");
    }

    #[test]
    fn a_byline_is_names_without_the_by_label() {
        assert_eq!(byline_names("By Mara Castell"), "Mara Castell");
        assert_eq!(byline_names("by  Ann Lee, Bo Chen"), "Ann Lee, Bo Chen");
        assert_eq!(byline_names("Byron Katie"), "Byron Katie");
        assert_eq!(byline_names("Staff Writer"), "Staff Writer");
    }
}
