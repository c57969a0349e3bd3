//! Plain text of cleaned article HTML, and the normalization behind the content hash.
//!
//! The plain text puts one sentence per line and a blank line between paragraphs. Diffs
//! are taken over this text, so an edited sentence shows as exactly one changed line and
//! a re-wrapped paragraph shows nothing. Sentences are cut by the `sentencex` crate
//! (Wikimedia's segmenter), which knows each language's abbreviations (`Mr.`, `Rep.`,
//! `Oct.`, `z. B.`), initials (`J. R. R.`), decimals and ellipses, so a sentence is not cut
//! where a full stop does not end it. Text in Chinese and Japanese, written without
//! spaces, keeps no space where the page's source broke a line ([`collapse_ws`]).

use std::borrow::Cow;

mod rejoin;

/// Whether `c` is written without spaces between words: CJK ideographs, kana, bopomofo,
/// CJK symbols and punctuation, full-width forms (the East Asian wide characters of CSS
/// Text 3 § 4.1.3, Hangul excepted: Korean separates words with spaces).
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'     // CJK radicals, Kangxi radicals
        | '\u{3001}'..='\u{303F}'   // CJK symbols and punctuation (not U+3000, a space)
        | '\u{3040}'..='\u{30FF}'   // hiragana, katakana
        | '\u{3100}'..='\u{312F}'   // bopomofo
        | '\u{3190}'..='\u{31FF}'   // kanbun, bopomofo ext., CJK strokes, katakana ext.
        | '\u{3200}'..='\u{4DBF}'   // enclosed CJK, compatibility, ideographs ext. A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // compatibility ideographs
        | '\u{FE30}'..='\u{FE4F}'   // CJK compatibility forms
        | '\u{FF01}'..='\u{FF60}'   // full-width forms
        | '\u{FFE0}'..='\u{FFE6}'   // full-width signs
        | '\u{20000}'..='\u{3FFFF}' // ideographs ext. B and later
    )
}

/// Collapses every run of whitespace (including NBSP and other Unicode spaces) to one
/// ASCII space and trims the ends; a run that holds a line break and stands between two
/// CJK characters ([`is_cjk`]) is removed instead, as CSS Text 3 removes a segment break
/// between East Asian wide characters: Chinese and Japanese put no space between words,
/// so a line break in the page's source is no space.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s.trim_start_matches(char::is_whitespace);
    while let Some(start) = rest.find(char::is_whitespace) {
        let word = &rest[..start];
        out.push_str(word);
        let after = rest[start..].trim_start_matches(char::is_whitespace);
        if after.is_empty() {
            return out;
        }
        let run = &rest[start..rest.len() - after.len()];
        let joins = run.contains(['\n', '\r'])
            && word.chars().next_back().is_some_and(is_cjk)
            && after.chars().next().is_some_and(is_cjk);
        if !joins {
            out.push(' ');
        }
        rest = after;
    }
    out.push_str(rest);
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

/// The plain text form of a parsed document in language `lang` (a BCP 47 tag such as
/// `en-US`, `ja`; None is English): one sentence per line, a blank line between
/// paragraphs, no trailing newline.
pub fn dom_to_text(doc: &dom_query::Document, lang: Option<&str>) -> String {
    paragraphs_of_dom(doc)
        .iter()
        .map(|p| sentences(p, lang).join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The language code `sentencex` takes for a BCP 47 tag: the primary subtag, lowercased
/// (`en-US` → `en`, `zh-Hant` → `zh`); English when there is none.
fn segmenter_language(lang: Option<&str>) -> String {
    lang.and_then(|l| l.split(['-', '_']).next())
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "en".to_string())
}

/// Splits a paragraph in language `lang` (as [`dom_to_text`]) into sentences, trimmed,
/// non-empty, with `sentencex`'s rules for that language (languages it does not know
/// fall back along its own chain, ending in English).
///
/// English output then goes through [`rejoin::english`]: `sentencex` 0.1.33 cuts after
/// `Ms.` (its `MS` unit marker shadows the title) and `Mx.` (not in its list), and after
/// `4 p.m.` before `Friday`.
pub fn sentences<'a>(paragraph: &'a str, lang: Option<&str>) -> Vec<&'a str> {
    let language = segmenter_language(lang);
    let cut: Vec<&str> = sentencex::segment(&language, paragraph)
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if language == "en" {
        rejoin::english(paragraph, cut)
    } else {
        cut
    }
}

/// The plain text form of cleaned HTML in language `lang`: one sentence per line, a
/// blank line between paragraphs, no trailing newline.
pub fn html_to_text(html: &str, lang: Option<&str>) -> String {
    dom_to_text(&dom_query::Document::fragment(html), lang)
}

/// Folds typography that does not change what a text says: typographic quotes and
/// primes to ASCII quotes, non-breaking hyphens to `-`; soft hyphens and zero-width
/// characters are dropped. Shared by the content hash and the diffs, so that what makes
/// no version is also never marked or counted as a change.
pub fn fold_typography(s: &str) -> Cow<'_, str> {
    let folds = |c: char| {
        matches!(
            c,
            '\u{2018}'..='\u{201F}' | '\u{2032}' | '\u{2033}' | '\u{2010}' | '\u{2011}'
                | '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}'
        )
    };
    if !s.chars().any(folds) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => Some('\''),
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => Some('"'),
                '\u{2010}' | '\u{2011}' => Some('-'),
                '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Normalizes text for the content hash: whitespace collapsed per line, typographic
/// quotes and dashes folded to ASCII, so that a change of rendering alone does not make a
/// new version.
pub fn normalize_for_hash(s: &str) -> String {
    fold_typography(s)
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
            html_to_text(html, None),
            "Head\n\nOne thing.\nTwo things!\nThree?\n\na\n\nb c"
        );
    }

    #[test]
    fn rewrapping_does_not_change_the_text() {
        let a = "<p>The council met on Monday.\nIt voted to\n   close the depot.</p>";
        let b = "<p>The council met on Monday. It voted to close the depot.</p>";
        assert_eq!(html_to_text(a, None), html_to_text(b, None));
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
            html_to_text("<p>line one<br>line two<script>var x=1;</script></p>", None),
            "line one\n\nline two"
        );
    }

    #[test]
    fn abbreviations_initials_decimals_and_ellipses_end_no_sentence() {
        let en = Some("en-US");
        assert_eq!(
            sentences(
                "Mr. Trump met Rep. Jane Doe in the U.S. Capitol on Oct. 3. They spoke.",
                en
            ),
            [
                "Mr. Trump met Rep. Jane Doe in the U.S. Capitol on Oct. 3.",
                "They spoke."
            ]
        );
        assert_eq!(
            sentences(
                "J. R. R. Tolkien wrote it. Sales grew 3.5 percent... Then they fell. \"Why?\" she asked.",
                en
            ),
            [
                "J. R. R. Tolkien wrote it.",
                "Sales grew 3.5 percent...",
                "Then they fell.",
                "\"Why?\" she asked."
            ]
        );
        // German ordinals and abbreviations, by the page's language.
        assert_eq!(
            sentences(
                "Er kam am 3. Oktober. Er ging z. B. nach Hause.",
                Some("de")
            ),
            ["Er kam am 3. Oktober.", "Er ging z. B. nach Hause."]
        );
        // Japanese ends sentences at the ideographic full stop.
        assert_eq!(
            sentences("市は発表した。灯台は五十年ぶりとなる。", Some("ja")),
            ["市は発表した。", "灯台は五十年ぶりとなる。"]
        );
    }

    #[test]
    fn a_two_sentence_correction_is_two_lines() {
        let text = html_to_text(
            "<p>Correction: An earlier version of this article gave the wrong date for the \
             meeting with Rep. Jane Doe, which was on Oct. 3. It also misspelled the name of \
             J. R. R. Tolkien.</p>",
            Some("en"),
        );
        assert_eq!(text.lines().count(), 2, "{text}");
    }

    #[test]
    fn cjk_line_breaks_are_no_space() {
        assert_eq!(collapse_ws("白い灯\n      台を"), "白い灯台を");
        assert_eq!(collapse_ws("建物で、\r\n高さは"), "建物で、高さは");
        // Between CJK and Latin, or without a line break, a run is one space.
        assert_eq!(
            collapse_ws("ツアー Open\n   Lighthouse Days も"),
            "ツアー Open Lighthouse Days も"
        );
        assert_eq!(collapse_ws("見学ツアー\nOpen"), "見学ツアー Open");
        assert_eq!(collapse_ws("灯台 を"), "灯台 を");
        // Korean separates words with spaces: a line break stays one.
        assert_eq!(collapse_ws("서울\n시장"), "서울 시장");
        assert_eq!(collapse_ws("  a \u{a0} b\n\tc  "), "a b c");
    }
}
