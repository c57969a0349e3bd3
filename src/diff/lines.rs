//! Line-level comparison of version documents, shared by every diff format.
//!
//! Lines are compared through a key ([`line_key`]): typography folded as for the content
//! hash and whitespace collapsed, so a line whose only difference is its quotes or its
//! spacing is an unchanged line, in every format and in the sentence counts.

use similar::{Algorithm, DiffOp, capture_diff_slices};

/// The labels of the metadata header of a version document ([`super::document`]), in
/// order. These short fields are always shown as whole lines, old then new.
/// `Social title` is `og:title`/`twitter:title`, `Document title` the `<title>`: a
/// version that changes only those shows them here (they are no body lines).
pub const HEADER_FIELDS: [&str; 6] = [
    "Title: ",
    "Social title: ",
    "Document title: ",
    "Byline: ",
    "Published: ",
    "Comments: ",
];

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

/// The changed passages of a line diff, each with `context` sentences of the new
/// document around it: as `similar`'s grouping, but a blank line (a paragraph break)
/// neither counts as context nor begins or ends a passage.
pub fn passages(ops: Vec<DiffOp>, new: &Doc<'_>, context: usize) -> Vec<Vec<DiffOp>> {
    let blank = |i: usize| new.lines[i].trim().is_empty();
    let mut groups = similar::group_diff_ops(ops, 2 * context);
    for group in &mut groups {
        if let Some(&DiffOp::Equal {
            old_index,
            new_index,
            len,
        }) = group.first()
        {
            // Keep the last `context` sentences, without the blank lines before them.
            let mut start = new_index + len;
            let mut kept = 0;
            while start > new_index && kept < context {
                start -= 1;
                kept += usize::from(!blank(start));
            }
            while start < new_index + len && blank(start) {
                start += 1;
            }
            let skip = start - new_index;
            group[0] = DiffOp::Equal {
                old_index: old_index + skip,
                new_index: start,
                len: len - skip,
            };
        }
        if let Some(&DiffOp::Equal {
            old_index,
            new_index,
            len,
        }) = group.last()
            && group.len() > 1
        {
            let mut end = new_index;
            let mut kept = 0;
            while end < new_index + len && kept < context {
                kept += usize::from(!blank(end));
                end += 1;
            }
            while end > new_index && blank(end - 1) {
                end -= 1;
            }
            let last = group.len() - 1;
            group[last] = DiffOp::Equal {
                old_index,
                new_index,
                len: end - new_index,
            };
        }
        group.retain(|op| !matches!(op, DiffOp::Equal { len: 0, .. }));
    }
    groups
}
