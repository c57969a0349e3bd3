//! Plain text of cleaned article HTML, and the normalization behind the content hash.
//!
//! The plain text puts one sentence per line (Unicode sentence boundaries, UAX #29) and
//! a blank line between paragraphs. Diffs are taken over this text, so an edited
//! sentence shows as exactly one changed line and a re-wrapped paragraph shows nothing.

use unicode_segmentation::UnicodeSegmentation;

/// Collapses every run of whitespace (including NBSP and other Unicode spaces) to one
/// ASCII space and trims the ends.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Elements whose start and end break the text into paragraphs.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "caption"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "td"
            | "th"
            | "tr"
            | "ul"
    )
}

/// The paragraphs of plain text of a parsed document (whitespace collapsed, empty
/// paragraphs dropped): block elements and `<br>` end a paragraph; scripts, styles and
/// templates are skipped. The extractor passes its own tree, so the article is not
/// parsed a second time.
pub fn paragraphs_of_dom(doc: &dom_query::Document) -> Vec<String> {
    use dom_query::NodeRef;
    enum Step<'a> {
        Open(NodeRef<'a>),
        Close,
    }
    let mut paras = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, paras: &mut Vec<String>| {
        let p = collapse_ws(current);
        if !p.is_empty() {
            paras.push(p);
        }
        current.clear();
    };
    let mut stack = vec![Step::Open(doc.root())];
    while let Some(step) = stack.pop() {
        match step {
            Step::Open(node) => {
                if node.is_text() {
                    current.push_str(&node.text());
                    continue;
                }
                if node.is_element() {
                    let name = node.node_name().unwrap_or_default();
                    let name: &str = &name;
                    if matches!(name, "script" | "style" | "noscript" | "template") {
                        continue;
                    }
                    if name == "br" || is_block(name) {
                        flush(&mut current, &mut paras);
                    }
                    if is_block(name) {
                        stack.push(Step::Close);
                    }
                } else if !(node.is_document() || node.is_fragment()) {
                    continue;
                }
                let children: Vec<NodeRef> = node.children_it(false).collect();
                for child in children.into_iter().rev() {
                    stack.push(Step::Open(child));
                }
            }
            Step::Close => flush(&mut current, &mut paras),
        }
    }
    flush(&mut current, &mut paras);
    paras
}

/// The plain text form of a parsed document: one sentence per line, a blank line
/// between paragraphs, no trailing newline.
pub fn dom_to_text(doc: &dom_query::Document) -> String {
    paragraphs_of_dom(doc)
        .iter()
        .map(|p| sentences(p).join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Splits a paragraph into sentences (UAX #29 sentence boundaries), trimmed, non-empty.
pub fn sentences(paragraph: &str) -> Vec<&str> {
    paragraph
        .split_sentence_bounds()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The plain text form of cleaned HTML: one sentence per line, a blank line between
/// paragraphs, no trailing newline.
pub fn html_to_text(html: &str) -> String {
    dom_to_text(&dom_query::Document::fragment(html))
}

/// Normalizes text for the content hash: whitespace collapsed per line, typographic
/// quotes and dashes folded to ASCII, so that a change of rendering alone does not make a
/// new version.
pub fn normalize_for_hash(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{2010}' | '\u{2011}' => '-',
            '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => '\u{0}',
            c => c,
        })
        .filter(|c| *c != '\u{0}')
        .collect();
    folded
        .lines()
        .map(collapse_ws)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_go_one_per_line_and_paragraphs_apart() {
        let html = "<div><h2>Head</h2><p>One thing. Two  things!\n Three?</p><ul><li>a</li><li>b <b>c</b></li></ul></div>";
        assert_eq!(
            html_to_text(html),
            "Head\n\nOne thing.\nTwo things!\nThree?\n\na\n\nb c"
        );
    }

    #[test]
    fn rewrapping_does_not_change_the_text() {
        let a = "<p>The council met on Monday.\nIt voted to\n   close the depot.</p>";
        let b = "<p>The council met on Monday. It voted to close the depot.</p>";
        assert_eq!(html_to_text(a), html_to_text(b));
    }

    #[test]
    fn nbsp_and_quotes_fold_for_hashing() {
        assert_eq!(
            normalize_for_hash("It\u{a0}is \u{201c}fine\u{201d}  \n\n it\u{2019}s"),
            "It is \"fine\"\nit's"
        );
    }

    #[test]
    fn br_breaks_and_scripts_vanish() {
        assert_eq!(
            html_to_text("<p>line one<br>line two<script>var x=1;</script></p>"),
            "line one\n\nline two"
        );
    }
}
