//! Comment state of an article page: whether readers can still comment.
//!
//! Decided on the whole page, before extraction removes the comment section:
//! 1. `closed`: a closing notice ("Comments are closed", "Commenting is now closed on this
//!    article", "Comments are disabled", "This conversation is closed", and French,
//!    Spanish and German forms) in a short block of the page;
//! 2. `open`: a comment form (WordPress `#commentform`, a form whose id, class or action
//!    names comments, a `textarea` named `comment`) or a "Leave a reply" style prompt;
//! 3. `unknown`: a comment embed that loads by script (Disqus, Commento, Isso, Discourse,
//!    Ghost, Coral, Facebook), whose state the HTML does not show;
//! 4. `closed`: a server-rendered comment list (WordPress, Drupal, Blogger) without a
//!    comment form: those platforms render the form whenever comments are open;
//! 5. `unknown`: a JSON-LD `commentCount` with none of the above (the page has comments,
//!    but does not show whether new ones are accepted);
//! 6. `none`: no sign of comments at all.
//!
//! Closing notices are recognized in English, French, Spanish, German and Italian.

use std::sync::LazyLock;

use dom_query::Document;
use regex::Regex;

use super::query::{any, matcher, text_within};

/// Whether an article accepts comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentState {
    /// A comment form or prompt is on the page.
    Open,
    /// The page says comments are closed.
    Closed,
    /// The page has no comment section.
    None,
    /// A script-loaded comment embed whose state the HTML does not show.
    Unknown,
}

impl CommentState {
    /// The lowercase name used in the database and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentState::Open => "open",
            CommentState::Closed => "closed",
            CommentState::None => "none",
            CommentState::Unknown => "unknown",
        }
    }

    /// Parses the lowercase name; anything else is `Unknown`.
    pub fn parse(s: &str) -> CommentState {
        match s {
            "open" => CommentState::Open,
            "closed" => CommentState::Closed,
            "none" => CommentState::None,
            _ => CommentState::Unknown,
        }
    }
}

static CLOSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(comments?|commenting|replies|discussion|conversation)\s+(are|is|has\s+been|have\s+been)\s+(now\s+)?(closed|disabled|turned\s+off|switched\s+off)\b
        | \bcomments?\s+closed\b
        | \bclosed\s+for\s+comments?\b
        | \bcommenting\s+(is\s+)?(now\s+)?closed\b
        | \bthis\s+conversation\s+is\s+(now\s+)?closed\b
        | \bcommentaires?\s+(sont\s+|est\s+)?(fermés?|désactivés?|clos)\b
        | \bcomentarios\s+(están\s+)?(cerrados|desactivados)\b
        | \bkommentare\s+(sind\s+)?(geschlossen|deaktiviert)\b
        | \bkommentarfunktion\s+(ist\s+)?(\w+\s+){0,4}(geschlossen|deaktiviert)\b
        | \bcommenti\s+(sono\s+)?(chiusi|disabilitati)\b
        | \bcomments?\s+(for|on)\s+this\s+(article|post|story)\s+(are|is|have\s+been)\s+(now\s+)?closed\b
        ",
    )
    .expect("regex")
});

static OPEN_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(leave|post|add|write)\s+an?\s+(reply|comment|response)\b").expect("regex")
});

/// Cheap first tests on the whole page's text, ASCII-lowercased once: a page without
/// these words has no closing notice, resp. no comment prompt. Case-sensitive patterns
/// of lowercase literals let the regex engine search for whole words (with `(?i)` it
/// falls back to three-letter prefixes like "dis" or "clo", found everywhere in
/// scripts); a non-ASCII capital the lowercasing leaves ("FERMÉ") is in the class.
static CLOSED_HINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"closed|clos[\s.]|disabled|turned\s+off|switched\s+off|ferm[éeÉ]|cerrados|desactivados|geschlossen|deaktiviert|chiusi|disabilitati",
    )
    .expect("regex")
});
static OPEN_PROMPT_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(leave|post|add|write)\s+an?\s+(reply|comment|response)").expect("regex")
});

const FORM_SELECTOR: &str = "form#commentform, form.comment-form, form[action*='comment'], \
    form[id*='comment'], form[class*='comment'], textarea[name='comment'], \
    textarea[id*='comment'], #respond form";

const EMBED_SELECTOR: &str = "#disqus_thread, .fb-comments, #commento, [data-commento], \
    #isso-thread, .discourse-comments, #discourse-comments, script[src*='disqus.com'], \
    script[src*='commento'], script[src*='isso'], [data-ghost-comments], \
    script[src*='comments-ui'], #coral_thread, script[src*='discourse']";

/// Comment lists that the platform renders on the server (WordPress, Drupal, Blogger),
/// which also render their comment form whenever comments are open.
const LIST_SELECTOR: &str = "ol.comment-list, ul.comment-list, ol.commentlist, \
    ul.commentlist, .comment-wrapper article.comment, #comments-block, \
    #comments .comment-thread, #comments article.comment, #comments li.comment";

/// Blocks short enough to be a notice or a heading, not an article paragraph.
const NOTICE_SELECTOR: &str = "p, div, span, li, h2, h3, h4, h5, strong, em, small, section, aside";
const NOTICE_MAX_CHARS: usize = 200;

/// A notice this short (characters) at most is removed by rule `comment-notice`.
const NOTICE_REMOVE_MAX_CHARS: usize = 120;

/// Decides the comment state of a page (see the module documentation for the rules).
pub fn detect(doc: &Document) -> CommentState {
    detect_and_strip(doc, false)
}

/// As [`detect`]; with `strip`, then removes the page's comment notices outside its
/// comment section (rule `comment-notice`): blocks of at most 120 characters that start
/// with a closing notice ("Comments are closed.", "Commentaires fermés") or are a comment
/// prompt ("Leave a Reply", "Post a comment"). They are comment furniture, not article
/// text: left in, closing comments would also be reported as an edit of the body.
pub fn detect_and_strip(doc: &Document, strip: bool) -> CommentState {
    // One pass over the whole text first: most pages hold no closing notice at all, and
    // then no block needs to be looked at one by one.
    let all_text = doc.root().text().to_ascii_lowercase();
    let closed_anywhere = CLOSED_HINT.is_match(&all_text);
    let prompt_anywhere = OPEN_PROMPT_ANYWHERE.is_match(&all_text);
    let state = state_of(doc, closed_anywhere, prompt_anywhere);
    if strip && (closed_anywhere || prompt_anywhere) {
        let notices: Vec<_> = doc
            .select_matcher(matcher!(NOTICE_SELECTOR))
            .nodes()
            .iter()
            .filter(|el| {
                text_within(el, NOTICE_REMOVE_MAX_CHARS * 4).is_some_and(|text| {
                    let t = text.trim();
                    t.chars().count() <= NOTICE_REMOVE_MAX_CHARS
                        && (CLOSED.find(t).is_some_and(|m| m.start() == 0)
                            || OPEN_PROMPT.is_match(t))
                })
            })
            .cloned()
            .collect();
        for el in notices {
            el.remove_from_parent();
        }
    }
    state
}

fn state_of(doc: &Document, closed_anywhere: bool, prompt_anywhere: bool) -> CommentState {
    if closed_anywhere {
        for el in doc.select_matcher(matcher!(NOTICE_SELECTOR)).nodes() {
            // Only leaf-ish blocks: the notice's own text, not a whole container's.
            let Some(text) = text_within(el, NOTICE_MAX_CHARS * 4) else {
                continue;
            };
            let t = text.trim();
            if t.chars().count() <= NOTICE_MAX_CHARS && CLOSED.is_match(t) {
                return CommentState::Closed;
            }
        }
    }
    if any(doc, matcher!(FORM_SELECTOR)) {
        return CommentState::Open;
    }
    if prompt_anywhere {
        for el in doc
            .select_matcher(matcher!("h2, h3, h4, a, button, span, p"))
            .nodes()
        {
            if text_within(el, 59).is_some_and(|text| OPEN_PROMPT.is_match(&text)) {
                return CommentState::Open;
            }
        }
    }
    if any(doc, matcher!(EMBED_SELECTOR)) {
        return CommentState::Unknown;
    }
    if any(doc, matcher!(LIST_SELECTOR)) {
        return CommentState::Closed;
    }
    let json_ld_counts = doc
        .select_matcher(matcher!("script[type='application/ld+json']"))
        .iter()
        .any(|s| s.text().contains("\"commentCount\""));
    if json_ld_counts {
        return CommentState::Unknown;
    }
    CommentState::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(html: &str) -> CommentState {
        detect(&Document::from(html))
    }

    #[test]
    fn wordpress_form_is_open() {
        assert_eq!(
            state(
                "<div id=comments><h3>Leave a Reply</h3><form id=commentform action=/wp-comments-post.php><textarea name=comment></textarea></form></div>"
            ),
            CommentState::Open
        );
    }

    #[test]
    fn closing_notices_are_closed() {
        for notice in [
            "Comments are closed.",
            "Commenting is now closed on this article",
            "Comments are disabled for this post.",
            "This conversation is closed.",
            "Les commentaires sont fermés.",
            "Los comentarios están cerrados.",
            "Kommentare sind geschlossen.",
        ] {
            let page = format!(
                "<article><p>Body.</p></article><div id=comments><p class=nocomments>{notice}</p></div>"
            );
            assert_eq!(state(&page), CommentState::Closed, "{notice}");
        }
    }

    #[test]
    fn script_embeds_are_unknown_and_plain_pages_none() {
        assert_eq!(
            state("<article><p>x</p></article><div id=disqus_thread></div>"),
            CommentState::Unknown
        );
        assert_eq!(
            state("<article><p>Just text.</p></article>"),
            CommentState::None
        );
    }

    #[test]
    fn a_long_paragraph_mentioning_closure_is_not_a_notice() {
        let long = "The mayor said comments are closed on the matter. ".repeat(10);
        assert_eq!(
            state(&format!("<article><p>{long}</p></article>")),
            CommentState::None
        );
    }

    #[test]
    fn comment_notice_rule_keeps_prompts_and_notices_out_of_the_body() {
        let page = |furniture: &str| {
            format!(
                "<html><head><title>Tram depot reopens</title></head><body><article>\
                 <h1>Tram depot reopens</h1>\
                 <p>The tram depot on the east side reopened on Monday after a two-year \
                 rebuild, with room for forty trams, a new workshop and solar panels on \
                 the roof, the transport authority said.</p>\
                 <p>Drivers said the new workshop, which can lift two trams at once, \
                 would cut the time each tram spends out of service for repairs.</p>\
                 {furniture}</article></body></html>"
            )
        };
        let open = crate::extract::extract(
            &page("<h3>Leave a Reply</h3><form action=\"/wp-comments-post.php\"><textarea name=\"comment\"></textarea></form>"),
            "https://news.example/tram",
        )
        .unwrap();
        let closed = crate::extract::extract(
            &page("<p>Comments are closed.</p>"),
            "https://news.example/tram",
        )
        .unwrap();
        assert_eq!(open.comments, CommentState::Open);
        assert_eq!(closed.comments, CommentState::Closed);
        assert!(!open.text.contains("Leave a Reply"), "{}", open.text);
        assert!(!closed.text.contains("closed"), "{}", closed.text);
        assert_eq!(open.text, closed.text);
        // A longer paragraph that mentions closed comments is article text.
        let long = "<p>Comments are closed on the authority's own site since March, \
            a spokesperson said, after a flood of messages about the depot's opening hours \
            and the noise of the night shift.</p>";
        let x = crate::extract::extract(&page(long), "https://news.example/tram").unwrap();
        assert!(x.text.contains("flood of messages"), "{}", x.text);
    }
}
