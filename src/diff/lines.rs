//! Line-level comparison of version documents, shared by every diff format.
//!
//! Lines are compared through a key ([`line_key`]): typography folded as for the content
//! hash and whitespace collapsed, so a line whose only difference is its quotes or its
//! spacing is an unchanged line, in every format and in the sentence counts.

use similar::{Algorithm, DiffOp, capture_diff_slices};

/// The labels of the metadata header of a version document ([`super::document`]), in
/// order. These short fields are always shown as whole lines, old then new.
pub const HEADER_FIELDS: [&str; 4] = ["Title: ", "Byline: ", "Published: ", "Comments: "];

/// The comparison key of a line: typographic quotes and dashes folded to ASCII, every
/// whitespace run one space, ends trimmed.
pub fn line_key(line: &str) -> String {
    crate::text::collapse_ws(&crate::text::fold_typography(line))
}

/// A document cut into lines, with the length of its metadata header.
#[derive(Debug)]
pub struct Doc<'a> {
    /// The lines, without their line breaks.
    pub lines: Vec<&'a str>,
    /// How many leading lines are metadata fields (see [`HEADER_FIELDS`]).
    pub header: usize,
}

impl<'a> Doc<'a> {
    /// Cuts `text` into lines.
    pub fn new(text: &'a str) -> Doc<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let header = lines
            .iter()
            .zip(HEADER_FIELDS)
            .take_while(|(l, f)| l.starts_with(f))
            .count();
        Doc { lines, header }
    }

    /// The lines in `range`.
    pub fn slice(&self, range: std::ops::Range<usize>) -> &[&'a str] {
        &self.lines[range]
    }
}

/// The line diff of two documents (Myers' algorithm over the lines' keys).
pub fn ops(old: &Doc<'_>, new: &Doc<'_>) -> Vec<DiffOp> {
    let keys = |d: &Doc<'_>| d.lines.iter().map(|l| line_key(l)).collect::<Vec<_>>();
    capture_diff_slices(Algorithm::Myers, &keys(old), &keys(new))
}

/// Whether the line diff has any change.
pub fn changed(ops: &[DiffOp]) -> bool {
    ops.iter().any(|op| !matches!(op, DiffOp::Equal { .. }))
}
