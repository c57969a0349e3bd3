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
/// compared as the word marks compare them (so quote-only and whitespace-only differences
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

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Marks<'static> = Marks {
        del: ("[-", "-]"),
        ins: ("{+", "+}"),
    };

    fn plain(old: &str, new: &str) -> Option<String> {
        mark(old, new, PLAIN, |s| Cow::Borrowed(s), 0.5)
    }

    #[test]
    fn cjk_is_compared_character_by_character() {
        assert_eq!(
            plain("市は十月十二日、発表した。", "市は十月十九日、発表した。").as_deref(),
            Some("市は十月十[-二-]{+九+}日、発表した。")
        );
    }

    #[test]
    fn quotes_and_spacing_alone_are_no_change_even_next_to_an_edit() {
        assert_eq!(
            plain(
                "He said \u{201c}yes\u{201d} on  Monday.",
                "He said \"yes\" on Tuesday."
            )
            .as_deref(),
            Some("He said \"yes\" on [-Monday-]{+Tuesday+}.")
        );
        assert_eq!(
            changed_chars(
                "He said \u{201c}yes\u{201d} on Monday.",
                "He said \"yes\" on Tuesday."
            ),
            13
        );
        assert_eq!(changed_chars("It\u{2019}s  fine.", "It's fine."), 0);
    }

    #[test]
    fn marks_are_never_empty_and_never_cross_a_line() {
        assert_eq!(
            plain("One two.\n\nThree four.", "One two, five.\nThree.").as_deref(),
            Some("One two{+, five+}.\nThree [-four-].")
        );
        assert_eq!(
            plain("A b.\nC d.", "A b.\n\nC d.").as_deref(),
            Some("A b.\n\nC d.")
        );
        assert_eq!(
            plain(
                "Keep this one.\nOld line here.",
                "Keep this one.\nOld line here, and more.\nNew."
            )
            .as_deref(),
            Some("Keep this one.\nOld line here{+, and more.+}\n{+New+}.")
        );
    }

    #[test]
    fn a_rewritten_passage_is_not_marked_word_by_word() {
        assert_eq!(
            plain(
                "The council met on Monday.",
                "Residents protested outside the hall all night."
            ),
            None
        );
    }
}
