//! One article per story: which URLs name an article, and when two articles are one.
//!
//! A story reached through two feeds, one linking it directly and one through a tracking
//! redirect that lands on the article URL with `utm_*` parameters added, is one article.
//! An article is known by every URL that leads to it ([`crate::store::identity`]):
//!
//! - the **feed links** of its entries (a new entry whose link is already known joins the
//!   article, and the article then belongs to that feed too);
//! - the **final URL** of its fetches, after redirects, without tracking parameters;
//! - the page's **canonical URL** (`<link rel=canonical>`, `og:url`), when it is on the
//!   same site, not a front page or a section above the page ([`keys::usable_canonical`]).
//!
//! URLs are compared as keys ([`keys::key`]: no scheme, no `www.`, no fragment, no
//! tracking parameter from the list in [`tracking`]).
//!
//! After each successful fetch and extraction, [`settle`] looks for another article
//! known by the fetch's final URL or by the page's canonical URL. The two become one
//! only when all of these hold, so that merging never joins two different stories:
//!
//! - the URL is usable: a final URL that is a front page or a section above the link (a
//!   dead story redirected to the home page) names nothing; so does such a canonical;
//! - a canonical URL is **stable**: the same as at the article's fetch before (or the
//!   first one it ever declared), on both sides; a canonical that differs from fetch to
//!   fetch never merges anything;
//! - the two pages **tell the same story** ([`same_story`]): the texts share most of
//!   their sentences (a short text must also have the same title). The only exception is
//!   an article never fetched yet whose feed link *is* the final URL: the same address.
//!
//! The article fetched now is merged into the one already known (which keeps its id and
//! URL, and every version in order), so no other article of the cycle in flight is ever
//! removed under it.

pub mod keys;
pub mod tracking;

use chrono::{DateTime, Utc};
use similar::TextDiff;
use url::Url;

use crate::store::identity::{UrlKind, UrlOwner};
use crate::store::{Store, StoreError};

/// What a fetch of an article showed about its identity.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// The URL fetched (the article's URL).
    pub requested: &'a str,
    /// The URL the fetch ended at, after redirects.
    pub final_url: &'a Url,
    /// The canonical URL the page declares, absolute, if any.
    pub canonical: Option<&'a str>,
    /// The extracted title.
    pub title: Option<&'a str>,
    /// The extracted plain text (one sentence a line).
    pub text: &'a str,
    /// When the fetch started.
    pub at: DateTime<Utc>,
}

/// Records the URLs a fetch of article `article_id` showed, and merges the article into
/// another one that is the same story (see the module documentation). Returns the id of
/// the article it was merged into, or None when it stays itself.
///
/// # Errors
/// On a store failure; what was merged before stays merged (each merge is one
/// transaction).
pub fn settle(
    store: &mut Store,
    article_id: i64,
    seen: &Seen<'_>,
) -> Result<Option<i64>, StoreError> {
    let requested = Url::parse(seen.requested).ok();
    let final_key = requested
        .as_ref()
        .is_none_or(|r| keys::usable_final(r, seen.final_url))
        .then(|| keys::key_of(seen.final_url));
    let canonical_key = seen
        .canonical
        .and_then(|c| keys::usable_canonical(seen.final_url, c))
        .map(|c| keys::key_of(&c));
    let stable = store.note_canonical(article_id, canonical_key.as_deref(), seen.at)?;

    let mut candidates: Vec<(UrlOwner, bool)> = Vec::new();
    if let Some(k) = &final_key {
        candidates.extend(store.url_owners(k)?.into_iter().map(|o| (o, false)));
    }
    if let Some(k) = canonical_key.as_ref().filter(|_| stable) {
        candidates.extend(store.url_owners(k)?.into_iter().map(|o| (o, true)));
    }
    for (owner, via_canonical) in candidates {
        if owner.article_id == article_id
            || (owner.kind == UrlKind::Canonical && !owner.canonical_stable)
        {
            continue;
        }
        let by_canonical = via_canonical || owner.kind == UrlKind::Canonical;
        let agree = match store.latest_version(owner.article_id)? {
            Some(v) => same_story(
                seen.title,
                seen.text,
                v.title.as_deref(),
                &store.blob_text(&v.text_sha256)?,
            ),
            None => !by_canonical && owner.kind == UrlKind::Link,
        };
        if agree {
            tracing::info!(
                article = article_id,
                into = owner.article_id,
                url = %seen.final_url,
                "one story under two URLs: articles merged"
            );
            store.merge_article(article_id, owner.article_id, seen.at)?;
            if let Some(k) = &final_key {
                store.add_article_url(owner.article_id, k, UrlKind::Final, seen.at)?;
            }
            return Ok(Some(owner.article_id));
        }
    }
    if let Some(k) = &final_key {
        store.add_article_url(article_id, k, UrlKind::Final, seen.at)?;
    }
    Ok(None)
}

/// At least this share of the two texts' sentences must be common for two pages to tell
/// the same story (the similarity ratio of their line diffs, 0 to 1): an edited story
/// stays well above it, two stories of one site (sharing at most some boilerplate) stay
/// well below.
pub const SAME_STORY_RATIO: f32 = 0.5;

/// Texts with fewer sentences than this are too short to tell a story apart by text
/// alone (a paywall notice, a stub): their titles must be equal too.
const SHORT_TEXT_LINES: usize = 3;

/// Whether two extracted pages tell the same story: both texts are non-empty and share
/// at least [`SAME_STORY_RATIO`] of their sentences (lines); when either is shorter than
/// three sentences, the titles must also be equal (whitespace collapsed).
pub fn same_story(
    title_a: Option<&str>,
    text_a: &str,
    title_b: Option<&str>,
    text_b: &str,
) -> bool {
    let lines = |t: &str| t.lines().filter(|l| !l.trim().is_empty()).count();
    let (a, b) = (text_a.trim(), text_b.trim());
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let titles_equal = match (title_a, title_b) {
        (Some(x), Some(y)) => {
            let (x, y) = (crate::text::collapse_ws(x), crate::text::collapse_ws(y));
            !x.is_empty() && x == y
        }
        _ => false,
    };
    if lines(a).min(lines(b)) < SHORT_TEXT_LINES && !titles_equal {
        return false;
    }
    if a == b {
        return true;
    }
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_millis(500))
        .diff_lines(a, b);
    diff.ratio() >= SAME_STORY_RATIO
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "The council voted on Tuesday.\nThe budget grows by 4%.\nSchools get most of it.\nThe mayor welcomed the vote.\nThe opposition abstained.\n";

    #[test]
    fn an_edited_story_is_the_same_story() {
        let edited = STORY.replace("4%", "5%");
        assert!(same_story(
            Some("Budget"),
            STORY,
            Some("Budget passes"),
            &edited
        ));
    }

    #[test]
    fn two_stories_of_one_site_are_not() {
        let other = "A storm hit the coast.\nRoads were closed.\nThousands lost power.\nThe mayor welcomed the vote.\nRepairs will take days.\n";
        assert!(!same_story(Some("Budget"), STORY, Some("Storm"), other));
    }

    #[test]
    fn short_texts_need_the_same_title() {
        let stub = "Subscribe to read this article.";
        assert!(!same_story(Some("Budget"), stub, Some("Storm"), stub));
        assert!(same_story(Some("Budget"), stub, Some(" Budget "), stub));
        assert!(!same_story(Some("Budget"), "", Some("Budget"), ""));
    }
}
