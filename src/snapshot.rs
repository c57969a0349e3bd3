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
    /// Author line (the page's, else the feed entry's).
    pub byline: Option<String>,
    /// Publication time (the page's, else the feed entry's).
    pub published: Option<DateTime<Utc>>,
    /// sha256 over the normalized title, byline, comment state and body text (ignored
    /// patterns removed): equal hashes mean no new version.
    pub content_sha256: Sha256,
    /// sha256 of the normalized body text alone (decides the `body` change kind).
    pub body_sha256: Sha256,
}

/// The content hash: sha256 over the normalized title, byline, comment state and body
/// text. Anything else in the page (scripts, nonces, ads, "updated 5 minutes ago"
/// labels outside the body) cannot change it.
pub fn content_hash(
    title: Option<&str>,
    byline: Option<&str>,
    comments: extract::CommentState,
    text: &str,
) -> Sha256 {
    let doc = format!(
        "title: {}\nbyline: {}\ncomments: {}\n{}",
        title.unwrap_or(""),
        byline.unwrap_or(""),
        comments.as_str(),
        text
    );
    store::blob::sha256(text::normalize_for_hash(&doc).as_bytes())
}

/// Builds the snapshot of `extracted`, with `entry` as the metadata fallback and the
/// noise controls' ignored patterns left out of the hashes.
pub fn build(extracted: Extracted, entry: &EntryMeta, noise: &Noise) -> Snapshot {
    let title = extracted.title.clone().or_else(|| entry.title.clone());
    let byline = extracted.byline.clone().or_else(|| entry.author.clone());
    let published = extracted.published.or(entry.published);
    let hashed = noise::hashed_text(noise, &extracted.text);
    let content_sha256 = content_hash(
        title.as_deref(),
        byline.as_deref(),
        extracted.comments,
        &hashed,
    );
    let body_sha256 = store::blob::sha256(text::normalize_for_hash(&hashed).as_bytes());
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
    let extracted = extract::extract_with(&decoded.text, &article.url, &noise.drop_selectors)?;
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
        }
    }
}
