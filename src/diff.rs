//! Comparing versions: the kinds of change between two versions, and diffs of their text
//! for people (unified, word-level) and machines (JSON hunks).
//!
//! Diffs run over the version document: a short metadata header (title, byline,
//! published, comments) and the plain text of the body, one sentence a line (see
//! [`crate::text`]). An edited sentence therefore shows as one changed line; a re-wrapped
//! paragraph shows nothing. Diffing is done by the `similar` crate (Myers' algorithm).

use std::fmt::Write as _;

use serde::Serialize;
use similar::{ChangeTag, DiffOp, TextDiff};

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
}

impl<'a> From<&'a Version> for Facts<'a> {
    fn from(v: &'a Version) -> Facts<'a> {
        Facts {
            title: v.title.as_deref(),
            byline: v.byline.as_deref(),
            published: v.published.as_deref(),
            comments: v.comments,
            body_sha256: &v.body_sha256,
        }
    }
}

/// The change kinds from `old` (None for the first version) to `new`, in a fixed order:
/// new, title, byline, published, body, comments_closed / comments_opened.
pub fn change_kinds(old: Option<&Facts<'_>>, new: &Facts<'_>) -> Vec<ChangeKind> {
    let Some(old) = old else {
        return vec![ChangeKind::New];
    };
    let mut kinds = Vec::new();
    if old.title != new.title {
        kinds.push(ChangeKind::Title);
    }
    if old.byline != new.byline {
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

/// The document that diffs compare: a metadata header, a blank line, then the body text.
pub fn document(v: &Version, text: &str) -> String {
    format!(
        "Title: {}\nByline: {}\nPublished: {}\nComments: {}\n\n{}\n",
        v.title.as_deref().unwrap_or(""),
        v.byline.as_deref().unwrap_or(""),
        v.published.as_deref().unwrap_or(""),
        v.comments.as_str(),
        text
    )
}

/// A unified diff (as `diff -u`) between two documents, with 3 lines of context.
/// Empty when they are equal.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    if diff.ratio() == 1.0 && old == new {
        return String::new();
    }
    diff.unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

/// How inserted and deleted words are marked in a word diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marks {
    /// `[-deleted-]{+inserted+}`, as `git diff --word-diff=plain`.
    Plain,
    /// ANSI colours: red strike-through for deleted, green underline for inserted.
    Color,
}

/// Marks the words of `new` inserted since `old`, and those of `old` deleted, inline:
/// `marks` are the opening and closing strings of a deleted run, then of an inserted run
/// (one pair per run of words, not per word); `escape` is applied to every word.
fn mark_words(
    old: &str,
    new: &str,
    marks: [&str; 4],
    escape: fn(&str) -> std::borrow::Cow<'_, str>,
) -> String {
    let [del_open, del_close, ins_open, ins_close] = marks;
    let mut out = String::new();
    let mut current = ChangeTag::Equal;
    for change in TextDiff::from_unicode_words(old, new).iter_all_changes() {
        let tag = change.tag();
        if tag != current {
            match current {
                ChangeTag::Delete => out.push_str(del_close),
                ChangeTag::Insert => out.push_str(ins_close),
                ChangeTag::Equal => {}
            }
            match tag {
                ChangeTag::Delete => out.push_str(del_open),
                ChangeTag::Insert => out.push_str(ins_open),
                ChangeTag::Equal => {}
            }
            current = tag;
        }
        out.push_str(&escape(change.value()));
    }
    match current {
        ChangeTag::Delete => out.push_str(del_close),
        ChangeTag::Insert => out.push_str(ins_close),
        ChangeTag::Equal => {}
    }
    out
}

/// The lines of a line diff without their endings. The diff's own lines, not
/// `str::lines`: the two split a lone `\r` differently, and the indices of the diff's
/// operations must point into the same lines (found by fuzzing,
/// `tests/fixtures/fuzz/text_diff/`).
fn bare<'a>(slices: &[&'a str]) -> Vec<&'a str> {
    slices
        .iter()
        .map(|l| l.trim_end_matches(['\n', '\r']))
        .collect()
}

/// A word-level diff: changed lines, with one line of context, where deleted and inserted
/// words are marked inline. Hunks are separated by a `...` line. Empty when equal.
pub fn word(old: &str, new: &str, marks: Marks) -> String {
    let (del_open, del_close, ins_open, ins_close) = match marks {
        Marks::Plain => ("[-", "-]", "{+", "+}"),
        Marks::Color => ("\x1b[9;31m", "\x1b[0m", "\x1b[4;32m", "\x1b[0m"),
    };
    let lines = TextDiff::from_lines(old, new);
    let (old_lines, new_lines) = (bare(lines.old_slices()), bare(lines.new_slices()));
    let mut out = String::new();
    for (i, group) in lines.grouped_ops(1).iter().enumerate() {
        if i > 0 {
            out.push_str("...\n");
        }
        for op in group {
            match *op {
                DiffOp::Equal { old_index, len, .. } => {
                    for l in &old_lines[old_index..old_index + len] {
                        let _ = writeln!(out, "{l}");
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for l in &old_lines[old_index..old_index + old_len] {
                        let _ = writeln!(out, "{del_open}{l}{del_close}");
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for l in &new_lines[new_index..new_index + new_len] {
                        let _ = writeln!(out, "{ins_open}{l}{ins_close}");
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let a = old_lines[old_index..old_index + old_len].join("\n");
                    let b = new_lines[new_index..new_index + new_len].join("\n");
                    out.push_str(&mark_words(
                        &a,
                        &b,
                        [del_open, del_close, ins_open, ins_close],
                        |v| std::borrow::Cow::Borrowed(v),
                    ));
                    out.push('\n');
                }
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

/// Pushes whole lines, each escaped and wrapped in `<tag>` when there is one.
fn whole(push: &mut impl FnMut(String, bool), lines: &[&str], tag: Option<&str>) {
    for l in lines {
        let html = match tag {
            Some(t) => format!("<{t}>{}</{t}>", escape_html(l)),
            None => escape_html(l),
        };
        push(html, l.trim().is_empty());
    }
}

/// The body of an HTML diff: every line of the new document, with deleted words in
/// `<del>` and inserted words in `<ins>`, a `<p>` per paragraph and a line break between
/// sentences. Usable alone (as Atom entry content) or inside [`html_page`].
pub fn html_fragment(old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let (old_lines, new_lines) = (bare(diff.old_slices()), bare(diff.new_slices()));
    // Each output line is HTML for one sentence, or None for a paragraph break.
    let mut lines: Vec<Option<String>> = Vec::new();
    let mut push = |html: String, blank: bool| lines.push((!blank).then_some(html));
    for op in diff.ops() {
        match *op {
            DiffOp::Equal { old_index, len, .. } => {
                whole(&mut push, &old_lines[old_index..old_index + len], None);
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => whole(
                &mut push,
                &old_lines[old_index..old_index + old_len],
                Some("del"),
            ),
            DiffOp::Insert {
                new_index, new_len, ..
            } => whole(
                &mut push,
                &new_lines[new_index..new_index + new_len],
                Some("ins"),
            ),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let a = old_lines[old_index..old_index + old_len].join("\n");
                let b = new_lines[new_index..new_index + new_len].join("\n");
                let html = mark_words(&a, &b, ["<del>", "</del>", "<ins>", "</ins>"], |v| {
                    escape_html(v).into()
                });
                for l in html.split('\n') {
                    push(l.to_string(), l.trim().is_empty());
                }
            }
        }
    }
    let mut out = String::new();
    let mut open = false;
    for l in lines {
        match l {
            Some(html) => {
                if open {
                    out.push_str("<br>\n");
                } else {
                    out.push_str("<p>");
                    open = true;
                }
                out.push_str(&html);
            }
            None if open => {
                out.push_str("</p>\n");
                open = false;
            }
            None => {}
        }
    }
    if open {
        out.push_str("</p>\n");
    }
    out
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

/// The hunks of a line diff between two documents.
pub fn hunks(old: &str, new: &str) -> Vec<Hunk> {
    let diff = TextDiff::from_lines(old, new);
    diff.grouped_ops(3)
        .iter()
        .map(|group| {
            let first = group.first().expect("non-empty group");
            let last = group.last().expect("non-empty group");
            let old_range = first.old_range().start..last.old_range().end;
            let new_range = first.new_range().start..last.new_range().end;
            let lines = group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|c| HunkLine {
                    op: match c.tag() {
                        ChangeTag::Equal => "equal",
                        ChangeTag::Delete => "delete",
                        ChangeTag::Insert => "insert",
                    },
                    text: c.value().trim_end_matches('\n').to_string(),
                })
                .collect();
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
    }
}
