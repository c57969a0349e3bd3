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
//! - a canonical URL joins two articles only when it **names one of them**: a URL the
//!   other article is already known by as its feed link or a fetch's final URL
//!   ([`Store::known_beyond_canonical`]), as a print page, an AMP page or a tracking
//!   variant names its story. Two articles that merely declare the same third URL are
//!   not joined by it (a template's or a section's URL as often as a story's). A fetch
//!   that ends at a URL another article declares as canonical names this article: that
//!   path keeps its content checks below;
//! - a canonical URL joins the page to another article only at the fetch where the
//!   article first declares it, and only when no more than one other article declares
//!   it: two articles that kept their own histories while declaring one canonical URL
//!   were seen to be different stories, and a canonical that several live articles
//!   declare belongs to a template, not to a story;
//! - the page fetched now **tells the same story** as the other article's newest
//!   version ([`same_story`]: the same headline, and the same text or at most a small
//!   edit of it: at most one sentence in ten changed, and never a sentence of its own
//!   on each side, so that shared boilerplate never makes two stories one);
//! - the two articles' **own stored histories** tell the same story
//!   ([`Store::histories_agree`]): their newest versions are the same story, and the
//!   article that began later began with the other's text. Two stories that both came
//!   to redirect to one round-up page agree on today's page, not on their histories.
//!
//! The only exception is an article never fetched yet whose feed link *is* the final
//! URL: the same address. Before comparing, both articles' versions are brought up to
//! the current extractor (the `refresh` of [`settle`]), so that an upgrade followed by
//! a merge compares and re-labels like with like.
//!
//! The article fetched now is merged into the one already known (which keeps its id and
//! URL, and every version in order), so no other article of the cycle in flight is ever
//! removed under it.

pub mod keys;
pub mod tracking;

use chrono::{DateTime, Utc};
use similar::{ChangeTag, TextDiff};
use url::Url;

use crate::store::identity::{CanonicalSeen, UrlKind, UrlOwner};
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

/// Brings the stored versions of an article (id) up to the current extractor, so that
/// comparing and re-labelling them after a merge compares like with like (see
/// [`crate::snapshot::reextract`]).
pub type Refresh<'r> = dyn FnMut(&mut Store, i64) -> Result<(), StoreError> + 'r;

/// Records the URLs a fetch of article `article_id` showed, and merges the article into
/// another one that is the same story (see the module documentation). Before two
/// articles are compared, `refresh` brings both articles' versions up to the current
/// extractor. Returns the id of the article it was merged into, or None when it stays
/// itself.
///
/// # Errors
/// On a store failure; what was merged before stays merged (each merge is one
/// transaction).
pub fn settle(
    store: &mut Store,
    article_id: i64,
    seen: &Seen<'_>,
    refresh: &mut Refresh<'_>,
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
    let canonical = store.note_canonical(article_id, canonical_key.as_deref(), seen.at)?;

    let mut candidates: Vec<(UrlOwner, bool)> = Vec::new();
    if let Some(k) = &final_key {
        // The fetch ended at a URL another article is known by: that URL names this
        // page (a canonical URL another article declares names this one).
        candidates.extend(store.url_owners(k)?.into_iter().map(|o| (o, false)));
    }
    // The page's canonical URL joins it to another article only at the first fetch that
    // declares it (an article that kept its own history beside another one declaring
    // the same canonical URL was already seen to be another story), and only when no
    // more than one other article declares it (a URL that several live articles declare
    // is a template's, not a story's).
    if let Some(k) = canonical_key
        .as_ref()
        .filter(|_| canonical == CanonicalSeen::First)
    {
        let owners = store.url_owners(k)?;
        let declared = owners
            .iter()
            .filter(|o| o.article_id != article_id && o.kind == UrlKind::Canonical)
            .count();
        // The canonical URL must name one of the two articles: a URL the other article is
        // known by (its feed link, a URL a fetch of it ended at), or one this article is
        // known by. Two articles that merely declare one third URL are not joined by it.
        if declared <= 1 {
            let mine = final_key.as_deref() == Some(k.as_str())
                || store.known_beyond_canonical(article_id, k)?;
            for o in owners {
                if o.article_id != article_id
                    && (mine || store.known_beyond_canonical(o.article_id, k)?)
                {
                    candidates.push((o, true));
                }
            }
        }
    }
    for (owner, via_canonical) in candidates {
        if owner.article_id == article_id
            || (owner.kind == UrlKind::Canonical && !owner.canonical_stable)
        {
            continue;
        }
        let by_canonical = via_canonical || owner.kind == UrlKind::Canonical;
        refresh(store, owner.article_id)?;
        refresh(store, article_id)?;
        // The page fetched now tells the other article's story, and so do the two
        // articles' own stored histories.
        let agree = match store.latest_version(owner.article_id)? {
            Some(v) => {
                same_story(
                    seen.title,
                    seen.text,
                    v.title.as_deref(),
                    &store.blob_text(&v.text_sha256)?,
                ) && store.histories_agree(article_id, owner.article_id)?
            }
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
/// the same story (the similarity ratio of their line diffs, 0 to 1, as Python's
/// `difflib`): one edited sentence in seven stays above it, two stories of one site that
/// share a template (four lines of five) stay below. Not enough alone: seven template
/// sentences and one of each story's own stay above it, so [`same_text`] also limits
/// the changed sentences ([`MAX_CHANGED_PER`]) and refuses a sentence of its own on
/// each side.
pub const SAME_STORY_RATIO: f32 = 0.85;

/// An edit of one story changes at most one sentence in this many (of the longer text;
/// at least one sentence may change in any text).
pub const MAX_CHANGED_PER: usize = 10;

/// A removed sentence and an added one are one edited sentence when their words have at
/// least this similarity ratio (0 to 1); below it, each is a sentence of its own.
pub const EDITED_SENTENCE_RATIO: f32 = 0.5;

/// Texts with fewer sentences than this are too short to tell a story apart by text
/// alone (a paywall notice, a stub): they must be equal.
const SHORT_TEXT_LINES: usize = 3;

/// Whether two titles are the same headline: both absent, or both present, non-empty and
/// equal once whitespace is collapsed and case folded.
pub fn same_title(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            let (x, y) = (crate::text::collapse_ws(x), crate::text::collapse_ws(y));
            !x.is_empty() && x.to_lowercase() == y.to_lowercase()
        }
        _ => false,
    }
}

/// Whether two extracted texts (one sentence a line) are one story's text, the second
/// at most a small edit of the first. Both must have sentences (non-blank lines,
/// compared trimmed; blank lines between paragraphs count for nothing), and either the
/// same ones, or, when each has at least three:
///
/// - their sentence diff has a similarity ratio of at least [`SAME_STORY_RATIO`] (0 to
///   1, as Python's `difflib`);
/// - at most one sentence in [`MAX_CHANGED_PER`] (of the longer text, at least one) is
///   changed: removed, added, or edited (a removed sentence and an added one that keep
///   at least [`EDITED_SENTENCE_RATIO`] of their words count once);
/// - never a sentence of its own on each side: a removed sentence that is no edit of an
///   added one while an added one is no edit of a removed one. Two stories of one
///   template, each with its own sentence among shared boilerplate, are two stories
///   however much boilerplate they share; one story edited that way is missed, which is
///   far better than a false merge.
pub fn same_text(text_a: &str, text_b: &str) -> bool {
    // Sentences only: blank lines between paragraphs are no shared content.
    let sentences = |t: &str| -> Vec<String> {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let (a, b) = (sentences(text_a), sentences(text_b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    if a.len().min(b.len()) < SHORT_TEXT_LINES {
        return false;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.iter().map(String::as_str).collect(),
        b.iter().map(String::as_str).collect(),
    );
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_millis(500))
        .diff_slices(&a, &b);
    if diff.ratio() < SAME_STORY_RATIO {
        return false;
    }
    let (mut removed, mut added): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for op in diff.ops() {
        for change in diff.iter_changes(op) {
            match change.tag() {
                ChangeTag::Delete => removed.push(change.value()),
                ChangeTag::Insert => added.push(change.value()),
                ChangeTag::Equal => {}
            }
        }
    }
    let budget = (a.len().max(b.len()) / MAX_CHANGED_PER).max(1);
    if removed.len().max(added.len()) > budget {
        return false;
    }
    // Pair each removed sentence with the most alike added one it is an edit of.
    let mut unpaired = vec![true; added.len()];
    let mut own_removed = 0;
    for r in &removed {
        let best = added
            .iter()
            .enumerate()
            .filter(|(j, _)| unpaired[*j])
            .map(|(j, x)| (j, word_ratio(r, x)))
            .filter(|(_, ratio)| *ratio >= EDITED_SENTENCE_RATIO)
            .max_by(|x, y| x.1.total_cmp(&y.1));
        match best {
            Some((j, _)) => unpaired[j] = false,
            None => own_removed += 1,
        }
    }
    let own_added = unpaired.iter().filter(|u| **u).count();
    let edited = removed.len() - own_removed;
    !(own_removed > 0 && own_added > 0) && edited + own_removed + own_added <= budget
}

/// The similarity ratio (0 to 1) of two sentences' words (split at whitespace, case
/// folded).
fn word_ratio(a: &str, b: &str) -> f32 {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    TextDiff::configure()
        .timeout(std::time::Duration::from_millis(100))
        .diff_slices(&a, &b)
        .ratio()
}

/// Whether two extracted pages tell the same story: the same title ([`same_title`]: a
/// story whose headline differs is never merged, even when a template makes the texts
/// alike) and the same text ([`same_text`]).
pub fn same_story(
    title_a: Option<&str>,
    text_a: &str,
    title_b: Option<&str>,
    text_b: &str,
) -> bool {
    same_title(title_a, title_b) && same_text(text_a, text_b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "The council voted on Tuesday.\nThe budget grows by 4%.\nSchools get most of it.\nThe mayor welcomed the vote.\nThe opposition abstained.\nThe vote was 31 to 12.\nThe budget takes effect in May.\n";

    #[test]
    fn an_edited_story_is_the_same_story() {
        let edited = STORY.replace("4%", "5%");
        assert!(same_story(Some("Budget"), STORY, Some(" budget "), &edited));
        assert!(same_text(STORY, &edited));
    }

    #[test]
    fn two_stories_of_one_site_are_not() {
        let other = "A storm hit the coast.\nRoads were closed.\nThousands lost power.\nThe mayor welcomed the vote.\nRepairs will take days.\n";
        assert!(!same_story(Some("Budget"), STORY, Some("Storm"), other));
    }

    #[test]
    fn a_different_headline_is_never_the_same_story() {
        let edited = STORY.replace("4%", "5%");
        assert!(!same_story(
            Some("Budget"),
            STORY,
            Some("Budget passes"),
            &edited
        ));
        assert!(!same_story(Some("Budget"), STORY, None, STORY));
        assert!(same_story(None, STORY, None, STORY));
    }

    #[test]
    fn a_shared_template_does_not_make_two_stories_one() {
        // Four boilerplate sentences of five in common, one sentence of each story's own.
        let boiler = "Markets closed on Friday.\n\nThe index is compiled daily.\n\nData is delayed by 15 minutes.\n\nSee our full coverage.\n";
        let i = format!("Fabrikam shares close 1.1% higher.\n\n{boiler}");
        let j = format!("Tailspin shares close 0.8% higher.\n\n{boiler}");
        assert!(!same_text(&i, &j));
        assert!(!same_story(
            Some("Daily report"),
            &i,
            Some("Daily report"),
            &j
        ));
    }

    #[test]
    fn a_sentence_of_its_own_on_each_side_is_two_stories() {
        // Seven boilerplate sentences and one of each story's own: ratio 0.875, yet two
        // stories (the generic-headline template of tests/identity_false_merges.rs).
        let boiler = "Send your tips to the newsroom.\nComments are moderated.\nRead more local stories.\nSubscribers read without limits.\nThe forecast is on the weather page.\nOur reporters cover the council.\nLocal news is updated daily.\n";
        let a = format!("A water main burst on the high street.\n{boiler}");
        let b = format!("The farmers market moves to the station.\n{boiler}");
        assert!(!same_text(&a, &b));
        assert!(!same_story(Some("Local news"), &a, Some("Local news"), &b));
        // One sentence added (or removed) in eight is an edit of one story.
        assert!(same_text(&a, &format!("{a}Repairs will take two days.\n")));
        assert!(same_text(&a, boiler));
    }

    #[test]
    fn at_most_one_sentence_in_ten_changes() {
        let long: String = (1..=20)
            .map(|i| format!("Paragraph number {i} of the long story is here.\n"))
            .collect();
        // Two edited sentences in twenty: one story.
        let edited = long
            .replace("number 3 of", "number 3 in")
            .replace("number 9 of", "number 9 in");
        assert!(same_text(&long, &edited));
        // Three in twenty: too much for one edit.
        let more = edited.replace("number 15 of", "number 15 in");
        assert!(!same_text(&long, &more));
        // A sentence of its own on each side, even in a long text: two stories.
        let swapped = long.replace(
            "Paragraph number 7 of the long story is here.",
            "A storm closed the coastal road for a week.",
        );
        assert!(!same_text(&long, &swapped));
    }

    #[test]
    fn short_texts_must_be_equal() {
        let stub = "Subscribe to read this article.";
        assert!(!same_story(Some("Budget"), stub, Some("Storm"), stub));
        assert!(same_story(Some("Budget"), stub, Some(" Budget "), stub));
        assert!(!same_story(Some("Budget"), "", Some("Budget"), ""));
        assert!(!same_text(stub, "Subscribe to read this story."));
    }
}
