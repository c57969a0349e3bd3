//! Word-level marking inside changed lines.
//!
//! Text is cut into Unicode words (UAX #29 word boundaries, as `similar`'s word diff
//! does), so Chinese and Japanese, written without spaces, are compared ideograph by
//! ideograph and kana by kana: a one-character edit is one small marked change. Tokens are
//! compared through a key that folds typography the way the content hash does
//! ([`crate::text::fold_typography`]) and counts every whitespace run as one space, so a
//! quote-only or whitespace-only difference is neither marked nor counted, even next to a
//! real edit. A marked run never spans a line break and never is empty.

use std::borrow::Cow;

use similar::{Algorithm, DiffOp, capture_diff_slices};
use unicode_segmentation::UnicodeSegmentation;

/// The opening and closing strings of a deleted run, then of an inserted run.
#[derive(Debug, Clone, Copy)]
pub struct Marks<'a> {
    /// Before and after a deleted run.
    pub del: (&'a str, &'a str),
    /// Before and after an inserted run.
    pub ins: (&'a str, &'a str),
}

/// The comparison key of one token: every whitespace run is one space, typographic quotes
/// and dashes fold to ASCII.
fn key(token: &str) -> Cow<'_, str> {
    if token.chars().all(char::is_whitespace) {
        Cow::Borrowed(" ")
    } else {
        crate::text::fold_typography(token)
    }
}

fn tokens(s: &str) -> Vec<&str> {
    s.split_word_bounds().collect()
}

/// A stretch of the compared text: unchanged (the new text's form), or a change.
enum Piece {
    Same(String),
    Change { del: String, ins: String },
}

/// The word diff of `old` and `new` as pieces, and the share of their non-space tokens
/// that is unchanged (1.0 for two empty texts).
fn pieces(old: &str, new: &str) -> (Vec<Piece>, f64) {
    let (a, b) = (tokens(old), tokens(new));
    let (ka, kb): (Vec<Cow<str>>, Vec<Cow<str>>) = (
        a.iter().map(|t| key(t)).collect(),
        b.iter().map(|t| key(t)).collect(),
    );
    let ops = capture_diff_slices(Algorithm::Myers, &ka, &kb);
    let words = |ts: &[&str]| ts.iter().filter(|t| !t.trim().is_empty()).count();
    let (mut same_words, total) = (0, words(&a) + words(&b));
    let mut out: Vec<Piece> = Vec::new();
    for op in ops {
        let (del, ins) = (&a[op.old_range()], &b[op.new_range()]);
        if let DiffOp::Equal { .. } = op {
            same_words += 2 * words(ins);
            out.push(Piece::Same(ins.concat()));
            continue;
        }
        match out.last_mut() {
            Some(Piece::Change { del: d, ins: i }) => {
                d.push_str(&del.concat());
                i.push_str(&ins.concat());
            }
            _ => out.push(Piece::Change {
                del: del.concat(),
                ins: ins.concat(),
            }),
        }
    }
    let ratio = if total == 0 {
        1.0
    } else {
        same_words as f64 / total as f64
    };
    (out, ratio)
}

/// Wraps each non-blank line of `text` in `open`/`close`, escaped; line breaks stay
/// outside the marks.
pub(super) fn wrap(
    out: &mut String,
    text: &str,
    (open, close): (&str, &str),
    escape: fn(&str) -> Cow<'_, str>,
) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let core = line.trim();
        if core.is_empty() {
            continue;
        }
        let start = line.len() - line.trim_start().len();
        out.push_str(&escape(&line[..start]));
        out.push_str(open);
        out.push_str(&escape(core));
        out.push_str(close);
        out.push_str(&escape(&line[start + core.len()..]));
    }
}

/// The new text with deleted and inserted words marked inline (`escape` is applied to
/// every piece of text, not to the marks). Returns None when fewer than `min_same` of
/// the words are unchanged: the passage was rewritten, and whole lines read better than
/// a salad of marks.
pub fn mark(
    old: &str,
    new: &str,
    marks: Marks<'_>,
    escape: fn(&str) -> Cow<'_, str>,
    min_same: f64,
) -> Option<String> {
    let (pieces, same) = pieces(old, new);
    if same < min_same {
        return None;
    }
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Same(s) => out.push_str(&escape(&s)),
            Piece::Change { del, ins } => {
                let (d, i) = (del.trim(), ins.trim());
                // Whitespace only: the new spacing, unmarked.
                let outer = if i.is_empty() { &del } else { &ins };
                if d.is_empty() && i.is_empty() {
                    out.push_str(&escape(&ins));
                    continue;
                }
                let lead = &outer[..outer.len() - outer.trim_start().len()];
                let trail = &outer[outer.trim_end().len()..];
                out.push_str(&escape(lead));
                if !d.is_empty() {
                    wrap(&mut out, d, marks.del, escape);
                }
                if !i.is_empty() {
                    wrap(&mut out, i, marks.ins, escape);
                }
                out.push_str(&escape(trail));
            }
        }
    }
    Some(out)
}

/// Characters inserted plus deleted between two texts, counted over Unicode words and
/// compared as [`mark`] compares them (so quote-only and whitespace-only differences
/// count nothing).
pub fn changed_chars(old: &str, new: &str) -> usize {
    let count = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count();
    pieces(old, new)
        .0
        .iter()
        .map(|p| match p {
            Piece::Same(_) => 0,
            Piece::Change { del, ins } => count(del) + count(ins),
        })
        .sum()
}
