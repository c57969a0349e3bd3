//! Change reports: the detected changes as people and machines read them.
//!
//! A [`Change`] is one reported version of an article (not its first one) with the kinds
//! of change and a one-line summary. `stet changes`, the Atom feed of changes and the
//! notifications all use this one shape, so a change reads the same everywhere.
//!
//! Its URLs and summary are masked when it is built ([`crate::redact`]): credentials in a
//! feed or article URL reach no output (text, JSON, Atom, notifications).

use serde::Serialize;
use similar::{Algorithm, DiffOp, capture_diff_slices};

use crate::store::changes::{ChangeFilter, ChangeRow, EventRow};
use crate::store::{ChangeKind, Store, StoreError, Version};

/// One detected change. Field names are stable: they are the JSON of `stet changes
/// --json`, the webhook payload and the `command` notifier's stdin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Stable id within this archive: `version:ID` or `event:ID`.
    pub id: String,
    /// Globally stable id (a URN over the article URL, the time and the content hash):
    /// the same change has the same id in every run and every export.
    pub urn: String,
    /// RFC 3339 time the change was seen (the new version's fetch time).
    pub at: String,
    /// The article (null for a feed event).
    pub article_id: Option<i64>,
    /// The article's URL (null for a feed event), credentials masked.
    pub article_url: Option<String>,
    /// The URL of the feed that first listed it, credentials masked.
    pub feed_url: Option<String>,
    /// The article's title in the new version.
    pub title: Option<String>,
    /// The version before (null when there is none, and for events).
    pub old_version: Option<i64>,
    /// The new version (null for events).
    pub new_version: Option<i64>,
    /// Change kinds: `title`, `social_title`, `body`, `byline`, `published`,
    /// `comments_closed`, `comments_opened`; or one status event kind.
    pub kinds: Vec<String>,
    /// One line for people, e.g. `title: "A" -> "B"; body: +2 -1 sentences`.
    pub summary: String,
}

/// Counts the sentences (non-blank lines) inserted and deleted between two texts. Lines
/// are compared as the diffs compare them ([`crate::diff::line_key`]): a sentence whose
/// only difference is its quotes or spacing is not counted.
pub fn sentence_counts(old: &str, new: &str) -> (usize, usize) {
    let keys = |s: &str| -> Vec<String> {
        s.lines()
            .map(crate::diff::line_key)
            .filter(|k| !k.is_empty())
            .collect()
    };
    let (old, new) = (keys(old), keys(new));
    let (mut ins, mut del) = (0, 0);
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        if !matches!(op, DiffOp::Equal { .. }) {
            del += op.old_range().len();
            ins += op.new_range().len();
        }
    }
    (ins, del)
}

fn quoted(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("{s:?}"),
        None => "none".into(),
    }
}

/// The one-line summary of the change from `old` to `new` (texts are the body texts).
pub fn summary(old: Option<&Version>, new: &Version, old_text: &str, new_text: &str) -> String {
    let mut parts = Vec::new();
    for kind in &new.changes {
        match kind {
            ChangeKind::New => parts.push("new article".to_string()),
            ChangeKind::Title => parts.push(format!(
                "title: {} -> {}",
                quoted(old.and_then(|o| o.title.as_deref())),
                quoted(new.title.as_deref())
            )),
            ChangeKind::Byline => parts.push(format!(
                "byline: {} -> {}",
                quoted(old.and_then(|o| o.byline.as_deref())),
                quoted(new.byline.as_deref())
            )),
            ChangeKind::Published => parts.push(format!(
                "published: {} -> {}",
                old.and_then(|o| o.published.as_deref()).unwrap_or("none"),
                new.published.as_deref().unwrap_or("none")
            )),
            ChangeKind::Body => {
                let (ins, del) = sentence_counts(old_text, new_text);
                parts.push(format!("body: +{ins} -{del} sentences"));
            }
            ChangeKind::CommentsClosed => parts.push("comments closed".into()),
            ChangeKind::CommentsOpened => parts.push("comments opened".into()),
            ChangeKind::SocialTitle => {
                let pairs = [
                    (
                        "social title",
                        old.and_then(|o| o.social_title.as_deref()),
                        new.social_title.as_deref(),
                    ),
                    (
                        "document title",
                        old.and_then(|o| o.document_title.as_deref()),
                        new.document_title.as_deref(),
                    ),
                ];
                for (name, before, after) in pairs {
                    if before != after {
                        parts.push(format!("{name}: {} -> {}", quoted(before), quoted(after)));
                    }
                }
            }
        }
    }
    if parts.is_empty() {
        parts.push(format!("comments: {}", new.comments.as_str()));
    }
    parts.join("; ")
}

/// The globally stable id of a change.
pub fn urn(article_url: &str, fetched_at: &str, content_sha256: &str) -> String {
    let h = crate::store::blob::sha256(
        format!("{article_url}\n{fetched_at}\n{content_sha256}").as_bytes(),
    );
    format!("urn:stet:change:{}", &hex::encode(h)[..32])
}

fn masked(url: Option<&str>) -> Option<String> {
    url.map(crate::redact::string)
}

/// Builds the [`Change`] of a stored row, reading the two texts for the summary.
///
/// # Errors
/// When a blob cannot be read.
pub fn from_row(store: &Store, row: &ChangeRow) -> Result<Change, StoreError> {
    let v = &row.version;
    let new_text = store.blob_text(&v.text_sha256)?;
    let old_text = match &row.previous {
        Some(p) => store.blob_text(&p.text_sha256)?,
        None => String::new(),
    };
    Ok(Change {
        id: format!("version:{}", v.id),
        urn: urn(&row.article_url, &v.fetched_at, &v.content_sha256),
        at: v.fetched_at.clone(),
        article_id: Some(v.article_id),
        article_url: Some(crate::redact::string(&row.article_url)),
        feed_url: masked(row.feed_url.as_deref()),
        title: v.title.clone(),
        old_version: row.previous.as_ref().map(|p| p.id),
        new_version: Some(v.id),
        kinds: v.changes.iter().map(|k| k.as_str().to_string()).collect(),
        summary: summary(
            row.previous.as_ref(),
            v,
            row.previous
                .as_ref()
                .map_or("", |p| crate::snapshot::version_body(p, &old_text)),
            crate::snapshot::version_body(v, &new_text),
        ),
    })
}

/// Builds the [`Change`] of a status event.
pub fn from_event(row: &EventRow) -> Change {
    let e = &row.event;
    let subject = row
        .article_url
        .as_deref()
        .or(row.feed_url.as_deref())
        .unwrap_or("");
    let summary = match &e.detail {
        Some(d) => format!("{}: {d}", e.kind.replace('_', " ")),
        None => e.kind.replace('_', " "),
    };
    Change {
        id: format!("event:{}", e.id),
        urn: urn(
            subject,
            &e.at,
            &format!("{}:{}", e.kind, e.detail.as_deref().unwrap_or("")),
        ),
        at: e.at.clone(),
        article_id: e.article_id,
        article_url: masked(row.article_url.as_deref()),
        feed_url: masked(row.feed_url.as_deref()),
        title: row.title.clone(),
        old_version: None,
        new_version: None,
        kinds: vec![e.kind.clone()],
        summary: crate::redact::string(&summary),
    }
}

/// The reported changes matching `filter`, newest first.
///
/// # Errors
/// On a store error.
pub fn list(store: &Store, filter: &ChangeFilter) -> Result<Vec<Change>, StoreError> {
    let mut all: Vec<Change> = store
        .change_rows(filter)?
        .iter()
        .map(|row| from_row(store, row))
        .collect::<Result<_, _>>()?;
    all.extend(store.event_rows(filter)?.iter().map(from_event));
    // Newest first; within one second, the later row first, versions before events.
    let key = |c: &Change| {
        let (kind, n) = c.id.split_once(':').unwrap_or(("", "0"));
        (
            c.at.clone(),
            kind == "version",
            n.parse::<i64>().unwrap_or(0),
        )
    };
    all.sort_by_key(|c| std::cmp::Reverse(key(c)));
    all.truncate(filter.limit);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::CommentState;

    fn version(title: &str, changes: Vec<ChangeKind>) -> Version {
        Version {
            id: 2,
            article_id: 1,
            fetched_at: "2024-01-01T00:00:00Z".into(),
            content_sha256: "c".into(),
            body_sha256: "b".into(),
            raw_sha256: "r".into(),
            html_sha256: "h".into(),
            text_sha256: "t".into(),
            title: Some(title.into()),
            byline: None,
            published: None,
            canonical_url: None,
            lang: None,
            comments: CommentState::Closed,
            changes,
            extractor_version: 1,
            suppressed: None,
            encoding: None,
            headline: None,
            social_title: None,
            document_title: None,
        }
    }

    #[test]
    fn summaries_name_each_kind() {
        let old = version("A", vec![ChangeKind::New]);
        let new = version(
            "B",
            vec![
                ChangeKind::Title,
                ChangeKind::Body,
                ChangeKind::CommentsClosed,
            ],
        );
        assert_eq!(
            summary(
                Some(&old),
                &new,
                "One.\nTwo.\n\nThree.",
                "One.\nTwo, changed.\n\nThree.\nFour."
            ),
            "title: \"A\" -> \"B\"; body: +2 -1 sentences; comments closed"
        );
    }

    #[test]
    fn urns_are_stable_and_distinct() {
        let a = urn("https://x.test/a", "2024-01-01T00:00:00Z", "ab");
        assert_eq!(a, urn("https://x.test/a", "2024-01-01T00:00:00Z", "ab"));
        assert_ne!(a, urn("https://x.test/a", "2024-01-01T00:00:01Z", "ab"));
        assert!(a.starts_with("urn:stet:change:"));
    }
}
