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
        "Title: {}\nBy: {}\nPublished: {}\nComments: {}\n\n{}\n",
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

/// A word-level diff: changed lines, with one line of context, where deleted and inserted
/// words are marked inline. Hunks are separated by a `...` line. Empty when equal.
pub fn word(old: &str, new: &str, marks: Marks) -> String {
    let (del_open, del_close, ins_open, ins_close) = match marks {
        Marks::Plain => ("[-", "-]", "{+", "+}"),
        Marks::Color => ("\x1b[9;31m", "\x1b[0m", "\x1b[4;32m", "\x1b[0m"),
    };
    let lines = TextDiff::from_lines(old, new);
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
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
                    let words = TextDiff::from_unicode_words(&a, &b);
                    for change in words.iter_all_changes() {
                        let v = change.value();
                        match change.tag() {
                            ChangeTag::Equal => out.push_str(v),
                            ChangeTag::Delete => {
                                let _ = write!(out, "{del_open}{v}{del_close}");
                            }
                            ChangeTag::Insert => {
                                let _ = write!(out, "{ins_open}{v}{ins_close}");
                            }
                        }
                    }
                    out.push('\n');
                }
            }
        }
    }
    // Merge runs like "[-a-][- -][-b-]" into "[-a b-]" for readability.
    out.replace(&format!("{del_close}{del_open}"), "")
        .replace(&format!("{ins_close}{ins_open}"), "")
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
