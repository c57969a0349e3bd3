//! The visible headline: the `<h1>` a reader sees as the article's title, told apart
//! from site logos, section names and photo captions that are also marked `<h1>`.
//!
//! The page's metadata titles (Readability's title, OpenGraph and Twitter titles,
//! JSON-LD `headline`, `<title>`) are what search engines and social networks show;
//! newsrooms rewrite them separately (A/B tests of social headlines), and a rewrite of
//! the `<h1>` alone leaves them as they were. So the metadata only helps to find which
//! `<h1>` is the headline; the version records the `<h1>`'s own text.
//!
//! An `<h1>` is the headline when (first match wins, `<h1>` inside `<article>`, `<main>`
//! or `[role=main]` before the others, each group in page order):
//! 1. it resembles one of the metadata titles: at least half of their words are shared
//!    (Sørensen–Dice coefficient over case-folded words, each CJK character a word, at
//!    least 0.5), or it is the longest of the title's parts around separators
//!    (`Headline | Site`), of at least three words;
//! 2. else it is the only `<h1>` inside `<article>`/`<main>`, of at least three words (a
//!    one- or two-word `<h1>` is a subject or a section name, not a headline), sharing
//!    a word of four letters or more (or a CJK character) with a metadata title and not
//!    the site name, so that a headline rewritten beyond resemblance to stale metadata
//!    is still the headline, while a section label or another story's headline is not.
//!
//! `<h1>` of more than [`MAX_WORDS`] words (photo captions) are never the headline.
//!
//! The version's title is that headline ([`title`]). When the metadata title is the same
//! headline in other dress (case, quotes, a site name set off by punctuation:
//! [`same_headline`]), its spelling is kept, so that stet's titles stay those of
//! Readability wherever the two agree; change detection compares the headline itself.

use super::query::matcher;

/// An `<h1>` of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Its text, whitespace collapsed.
    pub text: String,
    /// Whether it is inside `<article>`, `<main>` or `[role=main]`.
    pub in_main: bool,
}

/// `<h1>` longer than this many words are captions or teasers, not headlines.
pub const MAX_WORDS: usize = 40;

/// Separators between a headline and the site name in a title.
pub const SEPARATORS: [&str; 8] = [" - ", " – ", " — ", " | ", " · ", " :: ", " » ", ": "];

/// The `<h1>` of a page (at most 8, non-empty), in page order.
pub fn headings(doc: &dom_query::Document) -> Vec<Heading> {
    let main = matcher!("article, main, [role='main']");
    doc.select_matcher(matcher!("h1"))
        .nodes()
        .iter()
        .filter_map(|h| {
            let text = crate::text::collapse_ws(&h.text());
            if text.is_empty() {
                return None;
            }
            let in_main = h.ancestors_it(None).any(|a| a.is_match(main));
            Some(Heading { text, in_main })
        })
        .take(8)
        .collect()
}

/// Case-folded words of `s`: runs of letters and digits, each CJK (or other
/// space-less script) character a word of its own; quotes and punctuation are not words.
pub fn words(s: &str) -> Vec<String> {
    spans(s).into_iter().map(|(w, _)| w).collect()
}

/// [`words`] with the byte range of each in `s`.
fn spans(s: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() {
            if c >= '\u{2E80}' {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), start..i));
                }
                out.push((c.to_string(), i..i + c.len_utf8()));
            } else {
                if cur.is_empty() {
                    start = i;
                }
                cur.extend(c.to_lowercase());
            }
        } else if !cur.is_empty() {
            out.push((std::mem::take(&mut cur), start..i));
        }
    }
    if !cur.is_empty() {
        out.push((cur, start..s.len()));
    }
    out
}

/// Sørensen–Dice coefficient of two word lists (multisets), 0 to 1.
fn dice(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut rest: Vec<&String> = b.iter().collect();
    let mut shared = 0;
    for w in a {
        if let Some(i) = rest.iter().position(|x| *x == w) {
            rest.swap_remove(i);
            shared += 1;
        }
    }
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

/// The parts of a title around its separators (`Headline | Site` gives both).
fn parts(title: &str) -> Vec<&str> {
    let mut out = vec![title];
    for sep in SEPARATORS {
        out = out.into_iter().flat_map(|p| p.split(sep)).collect();
    }
    out.into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether `heading` resembles `title` (rule 1 of the module documentation): shares
/// half its words, or is the title's longest part around separators (the site name is
/// the other part: a logo `<h1>` naming the site is no headline).
fn resembles(heading: &[String], title: &str) -> bool {
    dice(heading, &words(title)) >= 0.5
        || (heading.len() >= 3
            && parts(title)
                .into_iter()
                .map(words)
                .max_by_key(|w| w.len())
                .is_some_and(|w| w == heading))
}

/// A site name added to a headline has at most this many words (CJK characters count
/// one each).
const SITE_NAME_WORDS: usize = 8;

/// Whether `a` and `b` are the same headline in different dress: the same words (case,
/// quotes, punctuation aside), or `b` is `a` plus a site name: at most
/// [`SITE_NAME_WORDS`] words set off by punctuation before or after it
/// (`Headline | Site`, `Headline [Site]`, `Headline_Section_Site`, `Site: Headline`).
/// Words added without punctuation (`Headline continued`) are a different headline.
pub fn same_headline(a: &str, b: &str) -> bool {
    let wa = words(a);
    let wb = spans(b);
    if wa.is_empty() || wb.len() < wa.len() {
        return false;
    }
    let matches = |range: std::ops::Range<usize>| wb[range].iter().map(|(w, _)| w).eq(&wa);
    if wb.len() == wa.len() {
        return matches(0..wa.len());
    }
    if wb.len() - wa.len() > SITE_NAME_WORDS {
        return false;
    }
    let set_off = |rest: &str, first: bool| {
        let rest = rest.trim();
        let c = if first {
            rest.chars().next()
        } else {
            rest.chars().next_back()
        };
        c.is_some_and(|c| !c.is_alphanumeric())
    };
    let n = wa.len();
    (matches(0..n) && set_off(&b[wb[n - 1].1.end..], true))
        || (matches(wb.len() - n..wb.len()) && set_off(&b[..wb[wb.len() - n].1.start], false))
}

/// The visible headline among `headings`, with `titles` the page's metadata titles
/// (rules in the module documentation), or None.
pub fn choose(headings: &[Heading], titles: &[&str]) -> Option<String> {
    let usable = |h: &&Heading| words(&h.text).len() <= MAX_WORDS;
    let ordered = headings
        .iter()
        .filter(|h| h.in_main)
        .chain(headings.iter().filter(|h| !h.in_main))
        .filter(usable);
    for h in ordered {
        let w = words(&h.text);
        if !is_site_name(&w, titles) && titles.iter().any(|t| resembles(&w, t)) {
            return Some(h.text.clone());
        }
    }
    let mut in_main = headings.iter().filter(|h| h.in_main);
    match (in_main.next(), in_main.next()) {
        (Some(h), None) if usable(&h) && on_topic(&words(&h.text), titles) => Some(h.text.clone()),
        _ => None,
    }
}

/// Whether `heading` is the site's name: a part of a metadata title around separators
/// other than its longest (`Headline | Site`).
fn is_site_name(heading: &[String], titles: &[&str]) -> bool {
    titles.iter().any(|t| {
        let mut ps: Vec<Vec<String>> = parts(t).into_iter().map(words).collect();
        ps.sort_by_key(|p| std::cmp::Reverse(p.len()));
        ps.iter().skip(1).any(|p| p == heading)
    })
}

/// Rule 2's test of an `<h1>` that resembles no metadata title: at least three words,
/// one of them (of four letters or more, or a CJK character) also in a metadata title,
/// and not the site name (a part of a title around separators other than its longest).
/// A section label or another story's headline shares no such word.
fn on_topic(heading: &[String], titles: &[&str]) -> bool {
    if heading.len() < 3 || is_site_name(heading, titles) {
        return false;
    }
    let title_words: Vec<String> = titles.iter().flat_map(|t| words(t)).collect();
    heading.iter().any(|w| {
        (w.chars().count() >= 4 || w.chars().all(|c| c >= '\u{2E80}')) && title_words.contains(w)
    })
}

/// The version's title: the visible headline when there is one, else `fallback`
/// (Readability's title from metadata and `<title>`). When both are the same headline
/// in different dress ([`same_headline`]), the fallback's spelling is kept (it is what
/// Readability and the page's metadata give; the content hash and change kinds fold the
/// difference away).
pub fn title(headline: Option<&str>, fallback: Option<String>) -> Option<String> {
    match (headline, fallback) {
        (Some(h), Some(t)) if same_headline(h, &t) => Some(t),
        (Some(h), _) => Some(h.to_string()),
        (None, t) => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(text: &str, in_main: bool) -> Heading {
        Heading {
            text: text.into(),
            in_main,
        }
    }

    #[test]
    fn the_headline_is_the_h1_resembling_the_metadata_not_the_logo() {
        let hs = [
            h("Silicon Exposed", false),
            h("Open Verilog flow for GreenPak4 devices", false),
        ];
        assert_eq!(
            choose(&hs, &["Open Verilog flow for Silego GreenPak4 devices"]).as_deref(),
            Some("Open Verilog flow for GreenPak4 devices")
        );
        // A rewritten headline under stale metadata: still the sole <h1> of the article.
        let hs = [h("Site", false), h("Council rejects the ferry plan", true)];
        assert_eq!(
            choose(&hs, &["Ferry timetable approved"]).as_deref(),
            Some("Council rejects the ferry plan")
        );
        // The site-name part of a title is no headline.
        assert_eq!(
            choose(
                &[h("Example Review Site", false)],
                &["The last lighthouse keepers of Gull Rock | Example Review Site"]
            ),
            None
        );
        // A section label or another story's <h1> shares no word with the metadata.
        assert_eq!(
            choose(
                &[h("News about the world", true)],
                &["Hospital opens new wing"]
            ),
            None
        );
        // The site's name in the article is no headline either.
        assert_eq!(
            choose(
                &[h("The Harbour Blog", true)],
                &[
                    "September open thread",
                    "September open thread | The Harbour Blog"
                ]
            ),
            None
        );
        // A one-word <h1> is no headline; nor is a caption.
        assert_eq!(choose(&[h("Lorem", true)], &["Base URL test"]), None);
        let caption = "word ".repeat(50);
        assert_eq!(choose(&[h(&caption, true)], &["Something else"]), None);
        // CJK: each character is a word.
        assert_eq!(
            choose(
                &[h("宇航员在太空中喝酒会怎么样", false)],
                &["宇航员在太空中喝酒会怎么样 _探索者 _光明网"]
            )
            .as_deref(),
            Some("宇航员在太空中喝酒会怎么样")
        );
    }

    #[test]
    fn same_headline_folds_dress_only() {
        assert!(same_headline(
            "Student Dies After Diet Pills “Burned Her Up”",
            "Student Dies After Diet Pills \"Burned Her Up\""
        ));
        assert!(same_headline(
            "Getting LEAN with Digital Ad UX",
            "Getting LEAN with Digital Ad UX | IAB"
        ));
        assert!(!same_headline(
            "Ferry timetable approved after late vote",
            "Ferry timetable approved"
        ));
        for (h1, title) in [
            (
                "LWN.net Weekly Edition for March 26, 2015",
                "LWN.net Weekly Edition for March 26, 2015 [LWN.net]",
            ),
            ("人工智能迈上新台阶", "人工智能迈上新台阶_科技_腾讯网"),
            ("Make your own", "Example Site: Make your own"),
        ] {
            assert!(same_headline(h1, title), "{h1} / {title}");
        }
        // Words added without punctuation are another headline.
        assert!(!same_headline(
            "Ferry timetable approved",
            "Ferry timetable approved after late vote"
        ));
        assert!(!same_headline("Minister resigns", "Minister resigns today"));
        assert_eq!(
            title(
                Some("Getting LEAN with Digital Ad UX"),
                Some("Getting LEAN with Digital Ad UX | IAB".into())
            )
            .as_deref(),
            Some("Getting LEAN with Digital Ad UX | IAB")
        );
        assert_eq!(
            title(
                Some("Ferry timetable approved after late vote"),
                Some("Ferry timetable approved".into())
            )
            .as_deref(),
            Some("Ferry timetable approved after late vote")
        );
    }
}
