//! Comparing versions: the kinds of change between two versions, and diffs of their text
//! for people (unified, word-level) and machines (JSON hunks).
//!
//! Diffs run over the version document: a short metadata header (title, social
//! title, document title, byline, published, comments) and the plain text of the body, one sentence a line (see
//! [`crate::text`]). An edited sentence therefore shows as one changed line; a re-wrapped
//! paragraph shows nothing. Diffing is done by the `similar` crate (Myers' algorithm).
//!
//! Every format reads the same line diff (module `lines`) and the same word marks (`words`):
//! lines and words are compared with typography folded as for the content hash, so a
//! quote-only or spacing-only difference is never marked or counted; the short metadata
//! fields, and a rewritten sentence, show as the whole old line then the whole new line;
//! no mark is ever empty or crosses a line; Chinese and Japanese are marked character by
//! character.

#[cfg(test)]
mod format_tests;
mod lines;
mod words;

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;
use similar::DiffOp;
use similar::udiff::UnifiedHunkHeader;

pub use lines::{HEADER_FIELDS, line_key};
pub use words::changed_chars;

use lines::Doc;

use crate::extract::CommentState;
use crate::store::{ChangeKind, Version};

/// The facts of a candidate version that change kinds are decided on.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Headline.
    pub title: Option<&'a str>,
    /// Author line.
    pub byline: Option<&'a str>,
    /// RFC 3339 publication time.
    pub published: Option<&'a str>,
    /// Comment state.
    pub comments: CommentState,
    /// Hex sha256 of the normalized body text.
    pub body_sha256: &'a str,
    /// The visible headline.
    pub headline: Option<&'a str>,
    /// The social title (`og:title`, `twitter:title`).
    pub social_title: Option<&'a str>,
    /// The document title (`<title>`).
    pub document_title: Option<&'a str>,
}

impl<'a> From<&'a Version> for Facts<'a> {
    fn from(v: &'a Version) -> Facts<'a> {
        Facts {
            title: v.title.as_deref(),
            byline: v.byline.as_deref(),
            published: v.published.as_deref(),
            comments: v.comments,
            body_sha256: &v.body_sha256,
            headline: v.headline.as_deref(),
            social_title: v.social_title.as_deref(),
            document_title: v.document_title.as_deref(),
        }
    }
}

/// Whether two optional short fields differ once compared as diff lines are
/// ([`line_key`]: whitespace and typographic quotes folded).
fn differ(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(line_key) != b.map(line_key)
}

/// The change kinds from `old` (None for the first version) to `new`, in a fixed order:
/// new, title / social_title, byline, published, body, comments_closed / comments_opened.
///
/// `title` is a change of the visible headline (of the title when either version has no
/// headline); `social_title` a change of the social or document title while the
/// headline stayed. Titles and bylines are compared as diff lines are ([`line_key`]): a quote-only or
/// spacing-only difference is not a `title` or `byline` change.
pub fn change_kinds(old: Option<&Facts<'_>>, new: &Facts<'_>) -> Vec<ChangeKind> {
    let Some(old) = old else {
        return vec![ChangeKind::New];
    };
    let mut kinds = Vec::new();
    let title_changed = match (old.headline, new.headline) {
        (Some(a), Some(b)) => differ(Some(a), Some(b)),
        _ => differ(old.title, new.title),
    };
    if title_changed {
        kinds.push(ChangeKind::Title);
    } else if differ(old.social_title, new.social_title)
        || differ(old.document_title, new.document_title)
    {
        kinds.push(ChangeKind::SocialTitle);
    }
    if differ(old.byline, new.byline) {
        kinds.push(ChangeKind::Byline);
    }
    if old.published != new.published {
        kinds.push(ChangeKind::Published);
    }
    if old.body_sha256 != new.body_sha256 {
        kinds.push(ChangeKind::Body);
    }
    if new.comments == CommentState::Closed && old.comments != CommentState::Closed {
        kinds.push(ChangeKind::CommentsClosed);
    }
    if new.comments == CommentState::Open && old.comments != CommentState::Open {
        kinds.push(ChangeKind::CommentsOpened);
    }
    kinds
}

/// The document that diffs compare: a metadata header (the fields of [`HEADER_FIELDS`],
/// in that order), a blank line, then the body text as the body hash sees it (without
/// the headline at its top: [`crate::snapshot::version_body`]) and without page
/// furniture ([`crate::noise::furniture_free`]).
pub fn document(v: &Version, text: &str) -> String {
    let text = crate::noise::furniture_free(crate::snapshot::version_body(v, text));
    format!(
        "Title: {}\nSocial title: {}\nDocument title: {}\nByline: {}\nPublished: {}\nComments: {}\n\n{}\n",
        v.title.as_deref().unwrap_or(""),
        v.social_title.as_deref().unwrap_or(""),
        v.document_title.as_deref().unwrap_or(""),
        v.byline.as_deref().unwrap_or(""),
        v.published.as_deref().unwrap_or(""),
        v.comments.as_str(),
        text
    )
}

/// A unified diff (as `diff -u`) between two documents, with 3 lines of context.
/// Lines are compared as [`lines::line_key`] says (a quote-only or spacing-only
/// difference is no change; context lines are shown as the new document has them).
/// Empty when they are equal.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    let (a, b) = (Doc::new(old), Doc::new(new));
    let ops = lines::ops(&a, &b);
    if !lines::changed(&ops) {
        return String::new();
    }
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    for group in similar::group_diff_ops(ops, 3) {
        let _ = writeln!(out, "{}", UnifiedHunkHeader::new(&group));
        for op in &group {
            for l in b.slice(op_equal_new(op)) {
                let _ = writeln!(out, " {l}");
            }
            for l in a.slice(op_changed_old(op)) {
                let _ = writeln!(out, "-{l}");
            }
            for l in b.slice(op_changed_new(op)) {
                let _ = writeln!(out, "+{l}");
            }
        }
    }
    out
}

/// The new lines an op keeps (empty unless it is `Equal`).
fn op_equal_new(op: &DiffOp) -> std::ops::Range<usize> {
    match op {
        DiffOp::Equal { .. } => op.new_range(),
        _ => 0..0,
    }
}

/// The old lines an op removes (empty for `Equal`).
fn op_changed_old(op: &DiffOp) -> std::ops::Range<usize> {
    match op {
        DiffOp::Equal { .. } => 0..0,
        _ => op.old_range(),
    }
}

/// The new lines an op adds (empty for `Equal`).
fn op_changed_new(op: &DiffOp) -> std::ops::Range<usize> {
    match op {
        DiffOp::Equal { .. } => 0..0,
        _ => op.new_range(),
    }
}

/// How inserted and deleted words are marked in a word diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marks {
    /// `[-deleted-]{+inserted+}`, as `git diff --word-diff=plain`.
    Plain,
    /// ANSI colours: red strike-through for deleted, green underline for inserted.
    Color,
}

/// Below this share of unchanged words, a replaced passage is shown as whole old and new
/// lines: it was rewritten, and word marks would be a salad.
const MIN_SAME_WORDS: f64 = 0.5;

fn no_escape(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s)
}

fn html_escape(s: &str) -> Cow<'_, str> {
    Cow::Owned(escape_html(s))
}

/// The output lines of one line-diff op: kept lines as they are; removed and added lines
/// whole and marked; a replaced passage of body text with its words marked inline (see
/// [`words::mark`]), unless it was rewritten. Metadata fields (title, byline, dates,
/// comment state) are short: they always show as the whole old line, then the whole new
/// line. A blank line stays blank: no mark is ever empty.
fn op_lines(
    a: &Doc<'_>,
    b: &Doc<'_>,
    op: &DiffOp,
    marks: words::Marks<'_>,
    escape: fn(&str) -> Cow<'_, str>,
) -> Vec<String> {
    let whole = |lines: &[&str], m: (&str, &str)| -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                let mut s = String::new();
                words::wrap(&mut s, l, m, escape);
                s
            })
            .collect()
    };
    match *op {
        DiffOp::Equal { .. } => b
            .slice(op.new_range())
            .iter()
            .map(|l| escape(l).into_owned())
            .collect(),
        DiffOp::Delete { .. } => whole(a.slice(op.old_range()), marks.del),
        DiffOp::Insert { .. } => whole(b.slice(op.new_range()), marks.ins),
        DiffOp::Replace { .. } => {
            let (old, new) = (op.old_range(), op.new_range());
            let old_head = old.start..old.end.min(a.header).max(old.start);
            let new_head = new.start..new.end.min(b.header).max(new.start);
            let old_body = a.slice(old_head.end..old.end);
            let new_body = b.slice(new_head.end..new.end);
            let mut out = whole(a.slice(old_head), marks.del);
            out.extend(whole(b.slice(new_head), marks.ins));
            let inline = (!old_body.is_empty() && !new_body.is_empty())
                .then(|| {
                    words::mark(
                        &old_body.join("\n"),
                        &new_body.join("\n"),
                        marks,
                        escape,
                        MIN_SAME_WORDS,
                    )
                })
                .flatten();
            match inline {
                Some(marked) => out.extend(marked.split('\n').map(str::to_string)),
                None => {
                    out.extend(whole(old_body, marks.del));
                    out.extend(whole(new_body, marks.ins));
                }
            }
            out
        }
    }
}

/// A word-level diff: changed lines, with one sentence of context (blank lines between
/// paragraphs are kept inside a passage but are no context), where deleted and inserted
/// words are marked inline (metadata fields and rewritten passages as whole lines). Hunks are separated by a `...` line. Empty when equal.
pub fn word(old: &str, new: &str, marks: Marks) -> String {
    let marks = match marks {
        Marks::Plain => words::Marks {
            del: ("[-", "-]"),
            ins: ("{+", "+}"),
        },
        Marks::Color => words::Marks {
            del: ("\x1b[9;31m", "\x1b[0m"),
            ins: ("\x1b[4;32m", "\x1b[0m"),
        },
    };
    let (a, b) = (Doc::new(old), Doc::new(new));
    let mut out = String::new();
    for (i, group) in lines::passages(lines::ops(&a, &b), &b, 1)
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push_str("...\n");
        }
        for op in group {
            for l in op_lines(&a, &b, op, marks, no_escape) {
                let _ = writeln!(out, "{l}");
            }
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HTML_MARKS: words::Marks<'static> = words::Marks {
    del: ("<del>", "</del>"),
    ins: ("<ins>", "</ins>"),
};

/// HTML lines (one a sentence, blank for a paragraph break) as paragraphs: a `<p>` per
/// paragraph and a `<br>` between sentences.
fn paragraphs(lines: impl IntoIterator<Item = String>) -> String {
    let mut out = String::new();
    let mut open = false;
    for html in lines {
        if html.trim().is_empty() {
            if open {
                out.push_str("</p>\n");
                open = false;
            }
            continue;
        }
        out.push_str(if open { "<br>\n" } else { "<p>" });
        open = true;
        out.push_str(&html);
    }
    if open {
        out.push_str("</p>\n");
    }
    out
}

/// The body of an HTML diff: every line of the new document, with deleted words in
/// `<del>` and inserted words in `<ins>` (as [`word`] marks them), a `<p>` per paragraph
/// and a line break between sentences. Usable inside [`html_page`].
pub fn html_fragment(old: &str, new: &str) -> String {
    let (a, b) = (Doc::new(old), Doc::new(new));
    paragraphs(
        lines::ops(&a, &b)
            .iter()
            .flat_map(|op| op_lines(&a, &b, op, HTML_MARKS, html_escape)),
    )
}

/// Only the changed passages of an HTML diff, each with `context` sentences around it
/// (blank lines are no context), marked as in [`html_fragment`]; passages are separated by a `<p>…</p>`.
/// This is what an Atom entry or a notification shows: what changed, not the whole
/// article. Empty when equal.
pub fn html_passages(old: &str, new: &str, context: usize) -> String {
    let (a, b) = (Doc::new(old), Doc::new(new));
    lines::passages(lines::ops(&a, &b), &b, context)
        .iter()
        .map(|group| {
            paragraphs(
                group
                    .iter()
                    .flat_map(|op| op_lines(&a, &b, op, HTML_MARKS, html_escape)),
            )
        })
        .collect::<Vec<_>>()
        .join("<p>…</p>\n")
}

const HTML_STYLE: &str = "body{font:1rem/1.5 Georgia,serif;max-width:42rem;margin:1rem auto;padding:0 1rem;color:#222;background:#fff}\
table{border-collapse:collapse;width:100%;font:.85rem/1.4 system-ui,sans-serif;margin-bottom:1.5rem}\
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
del{background:#fdd;color:#900;text-decoration:line-through}ins{background:#dfd;color:#060;text-decoration:none}\
h1{font-size:1.3rem}p{margin:0 0 1rem}@media (prefers-color-scheme:dark){body{background:#111;color:#ddd}\
del{background:#511;color:#fbb}ins{background:#142;color:#bfb}th,td{border-color:#444}}";

/// A self-contained HTML page (no external assets, readable on a phone) showing the
/// diff between two versions: their metadata side by side at the top, then the inline
/// word diff of their documents (see [`html_fragment`]).
pub fn html_page(
    old: &Version,
    new: &Version,
    old_doc: &str,
    new_doc: &str,
    article_url: &str,
) -> String {
    let row = |name: &str, a: &str, b: &str| {
        format!(
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>\n",
            escape_html(name),
            escape_html(a),
            escape_html(b)
        )
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let title = new.title.as_deref().unwrap_or(article_url);
    let changes: Vec<&str> = new.changes.iter().map(|c| c.as_str()).collect();
    let mut meta = String::new();
    meta.push_str(&format!(
        "<tr><th></th><th>version {}</th><th>version {}</th></tr>\n",
        old.id, new.id
    ));
    meta.push_str(&row("fetched", &old.fetched_at, &new.fetched_at));
    meta.push_str(&row("title", &opt(&old.title), &opt(&new.title)));
    meta.push_str(&row("byline", &opt(&old.byline), &opt(&new.byline)));
    meta.push_str(&row(
        "published",
        &opt(&old.published),
        &opt(&new.published),
    ));
    meta.push_str(&row(
        "comments",
        old.comments.as_str(),
        new.comments.as_str(),
    ));
    meta.push_str(&row(
        "URL",
        old.canonical_url.as_deref().unwrap_or(article_url),
        new.canonical_url.as_deref().unwrap_or(article_url),
    ));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Changes: {t}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n\
         <h1>{t}</h1>\n<p><a href=\"{u}\">{u}</a><br>changes: {c}</p>\n\
         <table>\n{meta}</table>\n<main>\n{body}</main>\n</body>\n</html>\n",
        t = escape_html(title),
        u = escape_html(article_url),
        c = escape_html(&changes.join(", ")),
        body = html_fragment(old_doc, new_doc),
    )
}

/// One line of a JSON hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HunkLine {
    /// `equal`, `delete` or `insert`.
    pub op: &'static str,
    /// The line, without its newline.
    pub text: String,
}

/// A hunk of a line diff, with 3 lines of context. Line numbers start at 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// First line of the hunk in the old document.
    pub old_start: usize,
    /// Lines of the old document in the hunk.
    pub old_lines: usize,
    /// First line of the hunk in the new document.
    pub new_start: usize,
    /// Lines of the new document in the hunk.
    pub new_lines: usize,
    /// The lines.
    pub lines: Vec<HunkLine>,
}

/// The hunks of a line diff between two documents, compared as [`unified`] compares
/// them (kept lines as the new document has them).
pub fn hunks(old: &str, new: &str) -> Vec<Hunk> {
    let (a, b) = (Doc::new(old), Doc::new(new));
    similar::group_diff_ops(lines::ops(&a, &b), 3)
        .iter()
        .map(|group| {
            let first = group.first().expect("non-empty group");
            let last = group.last().expect("non-empty group");
            let old_range = first.old_range().start..last.old_range().end;
            let new_range = first.new_range().start..last.new_range().end;
            let line = |op: &'static str, text: &str| HunkLine {
                op,
                text: text.to_string(),
            };
            let mut lines = Vec::new();
            for op in group {
                lines.extend(b.slice(op_equal_new(op)).iter().map(|l| line("equal", l)));
                lines.extend(
                    a.slice(op_changed_old(op))
                        .iter()
                        .map(|l| line("delete", l)),
                );
                lines.extend(
                    b.slice(op_changed_new(op))
                        .iter()
                        .map(|l| line("insert", l)),
                );
            }
            Hunk {
                old_start: old_range.start + 1,
                old_lines: old_range.len(),
                new_start: new_range.start + 1,
                new_lines: new_range.len(),
                lines,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "Title: T\n\nOne.\nTwo 2,500 weapons.\nThree.\n";
    const NEW: &str = "Title: T\n\nOne.\nTwo around 2,000 weapons.\nThree.\n";

    #[test]
    fn unified_diff_touches_only_the_changed_line() {
        let d = unified(OLD, NEW, "a", "b");
        let changed: Vec<&str> = d
            .lines()
            .filter(|l| {
                (l.starts_with('-') || l.starts_with('+'))
                    && !l.starts_with("---")
                    && !l.starts_with("+++")
            })
            .collect();
        assert_eq!(
            changed,
            ["-Two 2,500 weapons.", "+Two around 2,000 weapons."]
        );
        assert_eq!(unified(OLD, OLD, "a", "b"), "");
    }

    #[test]
    fn word_diff_marks_words_inline() {
        assert_eq!(
            word(OLD, NEW, Marks::Plain),
            "One.\nTwo [-2,500-]{+around 2,000+} weapons.\nThree.\n"
        );
    }

    #[test]
    fn html_fragment_marks_words_and_escapes() {
        let f = html_fragment("A <b>.\nSame.\n\nOld para.\n", "A <i>.\nSame.\n");
        assert_eq!(
            f,
            "<p>A &lt;<del>b</del><ins>i</ins>&gt;.<br>\nSame.</p>\n<p><del>Old para.</del></p>\n"
        );
    }

    #[test]
    fn hunks_number_lines_from_one() {
        let h = hunks(OLD, NEW);
        assert_eq!(h.len(), 1);
        assert_eq!((h[0].old_start, h[0].old_lines), (1, 5));
        assert_eq!(h[0].lines.iter().filter(|l| l.op != "equal").count(), 2);
    }

    #[test]
    fn change_kinds_follow_a_fixed_order() {
        let a = Facts {
            title: Some("A"),
            byline: None,
            published: None,
            comments: CommentState::Open,
            body_sha256: "x",
            headline: None,
            social_title: Some("S"),
            document_title: None,
        };
        let b = Facts {
            title: Some("B"),
            comments: CommentState::Closed,
            body_sha256: "y",
            ..a
        };
        assert_eq!(change_kinds(None, &a), [ChangeKind::New]);
        assert_eq!(
            change_kinds(Some(&a), &b),
            [
                ChangeKind::Title,
                ChangeKind::Body,
                ChangeKind::CommentsClosed
            ]
        );
        assert_eq!(
            change_kinds(Some(&b), &a).last(),
            Some(&ChangeKind::CommentsOpened)
        );
        // A quote-only title change next to a body edit is no title change.
        let c = Facts {
            title: Some("Mayor: \u{201c}We will rebuild\u{201d}"),
            ..a
        };
        let d = Facts {
            title: Some("Mayor: \"We will rebuild\""),
            body_sha256: "z",
            ..a
        };
        assert_eq!(change_kinds(Some(&c), &d), [ChangeKind::Body]);
    }

    #[test]
    fn the_headline_decides_title_changes_and_metadata_titles_their_own_kind() {
        let a = Facts {
            title: Some("Ferry timetable approved | Gazette"),
            byline: None,
            published: None,
            comments: CommentState::Open,
            body_sha256: "x",
            headline: Some("Ferry timetable approved"),
            social_title: Some("Ferry timetable approved"),
            document_title: Some("Ferry timetable approved | Gazette"),
        };
        // og:title and the title's spelling change, the headline stays.
        let b = Facts {
            title: Some("Ferry timetable approved"),
            social_title: Some("Why your ferry runs later"),
            ..a
        };
        assert_eq!(change_kinds(Some(&a), &b), [ChangeKind::SocialTitle]);
        // The headline changes: a title change, whatever the metadata does.
        let c = Facts {
            headline: Some("Ferry timetable approved after vote"),
            ..b
        };
        assert_eq!(change_kinds(Some(&b), &c), [ChangeKind::Title]);
        // Typographic quotes and spacing are no change.
        let d = Facts {
            headline: Some("Ferry  timetable \u{201c}approved\u{201d}"),
            ..a
        };
        let e = Facts {
            headline: Some("Ferry timetable \"approved\""),
            ..a
        };
        assert_eq!(change_kinds(Some(&d), &e), []);
    }
}
