//! Noise controls: what is not worth reporting as a change.
//!
//! Four rules, configured globally and per feed ([`crate::config::Noise`]):
//! - `ignore_patterns`: text matching these regexes is removed before hashing, so an edit
//!   confined to it makes no version at all (the stored text keeps it);
//! - `seen_before`: a version whose content equals one of the article's last K versions
//!   (a page flipping between two states) is stored but not reported. A change of the
//!   comment state is a state change, not noise: it is always reported, however often
//!   comments were opened and closed before;
//! - `min_change_chars`: a body edit under N characters (inserted plus deleted, counted
//!   over words) is stored but not reported;
//! - `report_social_title` (off by default): a version whose only change is the social
//!   or document title (`social_title`) is stored but not reported unless it is on.
//!
//! Every version is stored; why one is not reported is stored with it and shown by
//! `stet versions`.
//!
//! Page furniture left in the text (counters, relative times, bylines, credits: see
//! [`furniture_free`], the normalization `furniture-lines`) is neither hashed nor
//! diffed. Whitespace, NBSP and typographic quotes are folded before hashing by
//! [`crate::text::normalize_for_hash`]; relative-time labels outside the body never reach
//! the hash because only the title, byline, body text and comment state are hashed.

use crate::config::Noise;
use crate::store::{ChangeKind, Store, StoreError, Version};

/// Why a version is not reported.
pub const SEEN_BEFORE: &str = "seen_before";
/// Why a version is not reported.
pub const BELOW_MIN_SIZE: &str = "below_min_size";
/// Why a version is not reported: only its social or document title changed, and
/// `report_social_title` is off.
pub const SOCIAL_TITLE: &str = "social_title";

/// Name of the built-in normalization behind [`furniture_free`].
pub const FURNITURE_LINES: &str = "furniture-lines";

/// Normalization `furniture-lines`: `text` (one sentence a line, a blank line between
/// paragraphs, as [`crate::text`] writes it) without the lines and paragraphs that are
/// page furniture ([`crate::extract::furniture::is_furniture`]: counters, relative times,
/// bylines and datelines, credits, copyright and contact lines, prompts). The extractor
/// removes the furniture it can tell apart in the page; what is left (bare text between
/// paragraphs, a counter the sentence splitter cut off) stays in the stored text but is
/// neither hashed nor diffed.
pub fn furniture_free(text: &str) -> std::borrow::Cow<'_, str> {
    use crate::extract::furniture::is_furniture;
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    let mut changed = false;
    let mut kept: Vec<String> = Vec::with_capacity(paragraphs.len());
    for p in paragraphs {
        if is_furniture(&p.replace('\n', " ")) {
            changed = true;
            continue;
        }
        let lines: Vec<&str> = p.lines().filter(|l| !is_furniture(l)).collect();
        if lines.len() != p.lines().count() {
            changed = true;
        }
        if !lines.is_empty() {
            kept.push(lines.join("\n"));
        }
    }
    if changed {
        std::borrow::Cow::Owned(kept.join("\n\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The text as hashed: `text` without page furniture ([`furniture_free`]) and with every
/// ignored pattern removed.
pub fn hashed_text<'a>(noise: &Noise, text: &'a str) -> std::borrow::Cow<'a, str> {
    let mut out = furniture_free(text);
    for re in &noise.ignore_patterns {
        if re.is_match(&out) {
            out = std::borrow::Cow::Owned(re.replace_all(&out, "").into_owned());
        }
    }
    out
}

/// Characters inserted plus deleted between two texts, counted over Unicode words as the
/// word diff compares them ([`crate::diff::changed_chars`]: quotes and spacing alone
/// count nothing).
pub fn change_size(old: &str, new: &str) -> usize {
    crate::diff::changed_chars(old, new)
}

/// Decides whether a new version of `article_id` is reported. `content_hex` is its content
/// hash, `latest` the article's newest stored version, `kinds` its change kinds and
/// `new_text` its body text. Returns the reason it is not reported, or None.
///
/// # Errors
/// On a store error.
pub fn suppression(
    noise: &Noise,
    store: &Store,
    article_id: i64,
    content_hex: &str,
    latest: Option<&Version>,
    kinds: &[ChangeKind],
    new_text: &str,
) -> Result<Option<&'static str>, StoreError> {
    let Some(latest) = latest else {
        return Ok(None);
    };
    if kinds == [ChangeKind::SocialTitle] && !noise.report_social_title {
        return Ok(Some(SOCIAL_TITLE));
    }
    let comments_changed = kinds
        .iter()
        .any(|k| matches!(k, ChangeKind::CommentsClosed | ChangeKind::CommentsOpened));
    if noise.seen_before > 0
        && !comments_changed
        && store
            .recent_content_hashes(article_id, noise.seen_before)?
            .iter()
            .any(|h| h == content_hex)
    {
        return Ok(Some(SEEN_BEFORE));
    }
    if noise.min_change_chars > 0 && kinds == [ChangeKind::Body] {
        let old_text = store.blob_text(&latest.text_sha256)?;
        if change_size(&old_text, new_text) < noise.min_change_chars {
            return Ok(Some(BELOW_MIN_SIZE));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_patterns_vanish_from_the_hashed_text() {
        let noise = Noise {
            ignore_patterns: vec![regex::Regex::new(r"Live: \d+ readers").unwrap()],
            ..Noise::default()
        };
        assert_eq!(hashed_text(&noise, "Story. Live: 512 readers"), "Story. ");
        assert_eq!(hashed_text(&noise, "Story."), "Story.");
    }

    #[test]
    fn furniture_lines_are_neither_hashed_nor_diffed() {
        let text = "The council met on Monday.\nIt voted.\n\n1,204 shares\n\nIt closed the depot.\n5 minutes ago";
        assert_eq!(
            furniture_free(text),
            "The council met on Monday.\nIt voted.\n\nIt closed the depot."
        );
        let noise = Noise::default();
        assert_eq!(
            hashed_text(&noise, text),
            hashed_text(&noise, &text.replace("1,204", "1,305").replace('5', "6"))
        );
        assert!(matches!(
            furniture_free("No furniture here."),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn change_size_counts_changed_characters() {
        assert_eq!(
            change_size("It cost 2,500 euros.", "It cost 2,000 euros."),
            10
        );
        assert_eq!(change_size("Same.", "Same."), 0);
        assert_eq!(change_size("A typo teh.", "A typo the."), 6);
    }
}
