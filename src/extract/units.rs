//! Furniture that comes as a whole unit of blocks rather than as one short text: a
//! cookie-consent dialog placed inside the article (whatever its id or class, such as
//! `sp_message_container_871234`), and a rotating block of link cards (`Popular now`:
//! headline links, each with a teaser sentence) about other stories.
//!
//! Rule `consent` removes the first ([`remove_consent_blocks`]), rule `furniture` the
//! second ([`remove_link_cards`]); both run before scoring and again on the article.

use std::sync::LazyLock;

use dom_query::{Document, NodeRef};
use regex::RegexSet;

use super::query::matcher;

/// The wordings of a consent dialog, one kind each (a dialog carries several kinds; a
/// sentence about cookies in an article carries one or two).
static CONSENT_SIGNALS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\b(?:we|nous|wir)\s+(?:care\s+about|value|respect|take)\s+your\s+privacy|your\s+privacy\s+(?:choices|matters|is\s+important|settings|options)|privacy\s+(?:settings|preferences|center|centre|choices)|nous\s+respectons\s+votre\s+vie\s+privée|ihre\s+privatsphäre",
        r"(?i)\b(?:we\s+and\s+our|and\s+our|nos|unsere)\s+(?:\d[\d,.\s]*\s*)?(?:partners|vendors|partenaires|partner)\b|\b\d[\d,.]*\s+(?:partners|vendors|partenaires)\b",
        r"(?i)\b(?:store|access|stores|accesses)\s+(?:and/or\s+access\s+|and\s+access\s+|and/or\s+store\s+)?information\s+on\s+(?:a|your)\s+device",
        r"(?i)\bcookies?\b",
        r"(?i)\b(?:accept|reject|refuse|allow)\s+(?:all|cookies)\b|\bmanage\s+(?:cookie\s+|your\s+)?(?:preferences|options|settings|choices|cookies)\b|\bagree\s+and\s+(?:close|continue)\b|\btout\s+accepter\b|\balle\s+akzeptieren\b|\baceptar\s+todo\b",
        r"(?i)\bpersonali[sz]ed\s+(?:ads|advertising|content)|\blegitimate\s+interest|\bprecise\s+geolocation|\bad\s+and\s+content\s+measurement|\baudience\s+insights",
        r"(?i)\bconsent\b",
    ])
    .expect("regex")
});

/// A consent dialog is at most this long (characters of text).
const CONSENT_MAX_CHARS: usize = 2500;

/// What an element may add around a consent unit without consent wording of its own (a
/// title, buttons), in characters.
const CONSENT_EXTRA_CHARS: usize = 80;

/// Whether a text carries the wordings of a consent dialog: three kinds, one of them the
/// site speaking of your privacy or of its partners (an article about cookie law speaks
/// of neither), or a button (`has_button`) and two kinds.
fn is_consent_text(text: &str, has_button: bool) -> bool {
    let kinds = CONSENT_SIGNALS.matches(text);
    let n = kinds.iter().count();
    (n >= 3 && (kinds.matched(0) || kinds.matched(1))) || (n >= 2 && has_button)
}

/// Cheap first look at a text node: a word every consent dialog has.
fn may_be_consent(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "privacy",
        "partners",
        "cookie",
        "consent",
        "vendors",
        "partenaires",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn chars(node: &NodeRef) -> usize {
    node.text().chars().filter(|c| !c.is_whitespace()).count()
}

fn is_root(node: &NodeRef) -> bool {
    node.node_name().is_some_and(|n| {
        matches!(&*n, "html" | "body" | "main" | "article")
            || node.attr("id").as_deref() == Some("readability-page-1")
    })
}

/// Rule `consent`, by wording: removes each consent dialog found by its text whatever
/// its markup, id or class (`We care about your privacy … We and our 842 partners store
/// and access information on your device … [Accept all] [Manage preferences]`). From a
/// text node holding a consent word, the unit is the outermost ancestor that adds only
/// consent wording (two kinds, at most as long again as the unit) or little text ([`CONSENT_EXTRA_CHARS`]) around the unit below it,
/// at most [`CONSENT_MAX_CHARS`] in all, never `body`, `main` or `article`; it goes when its text
/// carries three kinds of consent wording, or two and a button.
pub fn remove_consent_blocks(doc: &Document) {
    let starts: Vec<NodeRef> = doc
        .select_matcher(matcher!("*"))
        .nodes()
        .iter()
        .filter(|n| {
            !n.has_name("script")
                && !n.has_name("style")
                && !n.has_name("head")
                && !n.has_name("title")
                && n.children_it(false)
                    .any(|c| c.is_text() && may_be_consent(&c.text()))
        })
        .copied()
        .collect();
    for start in starts {
        // Removed already with an earlier unit.
        if start
            .ancestors_it(None)
            .last()
            .is_some_and(|top| top.is_element())
        {
            continue;
        }
        if is_root(&start) {
            continue;
        }
        let mut unit = start;
        let mut size = chars(&unit);
        if size > CONSENT_MAX_CHARS {
            continue;
        }
        while let Some(parent) = unit.parent() {
            if !parent.is_element() || is_root(&parent) {
                break;
            }
            let p = chars(&parent);
            if p > CONSENT_MAX_CHARS {
                break;
            }
            // What the parent adds beside the unit: a title and buttons, or more consent
            // wording (two kinds, and not much longer than the unit); anything else (a
            // caption, a counter, the article) stays.
            if p > size + CONSENT_EXTRA_CHARS {
                let extra: String = parent
                    .children_it(false)
                    .filter(|c| c.id != unit.id)
                    .map(|c| c.text().to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                let extra_chars = extra.chars().filter(|c| !c.is_whitespace()).count();
                if extra_chars > size + CONSENT_EXTRA_CHARS
                    || CONSENT_SIGNALS.matches(&extra).iter().count() < 2
                {
                    break;
                }
            }
            unit = parent;
            size = p;
        }
        let has_button = unit
            .descendants_it()
            .any(|d| d.has_name("button") || d.attr("role").as_deref() == Some("button"));
        if is_consent_text(&crate::text::collapse_ws(&unit.text()), has_button) {
            unit.remove_from_parent();
        }
    }
}

/// A teaser beside a headline link is at most this many words.
const TEASER_WORDS: usize = 60;

/// A page with this many link cards in such blocks is a section front (a list of
/// stories), whose cards are the page: they all stay.
const FRONT_CARDS: usize = 10;

/// A page (or an article) whose cards hold more than this many tenths of its text is a
/// section front too.
const FRONT_TENTHS: usize = 4;

/// Whether `node` is a heading that is wholly one link (`<h4><a href="/a">Storm hits
/// coast</a></h4>`).
fn is_link_heading(node: &NodeRef) -> bool {
    if !node
        .node_name()
        .is_some_and(|n| matches!(&*n, "h2" | "h3" | "h4" | "h5" | "h6"))
    {
        return false;
    }
    let own = crate::text::collapse_ws(&node.text());
    if own.is_empty() {
        return false;
    }
    let links: Vec<NodeRef> = node.descendants_it().filter(|d| d.has_name("a")).collect();
    links.len() == 1
        && links[0].attr("href").is_some()
        && crate::text::collapse_ws(&links[0].text()) == own
}

fn words(node: &NodeRef) -> usize {
    node.text().split_whitespace().count()
}

/// Whether `node` is a link card: a block holding exactly one link heading and, beside
/// it, at most a teaser ([`TEASER_WORDS`] words in all).
fn is_card(node: &NodeRef) -> bool {
    if is_link_heading(node) {
        return true;
    }
    let headings = node.descendants_it().filter(is_link_heading).count();
    headings == 1 && words(node) <= TEASER_WORDS + 20
}

/// Rule `furniture`, link cards: removes each block of two or more link cards about
/// other stories (a rotating `Popular now` block: `<h4><a>headline</a></h4><p>teaser</p>`
/// per story, each card in its own element or all side by side). The block is the
/// parent of the cards; every element in it must be a card, a teaser right after a
/// link heading, or a short title (at most 6 words, no link), so that an article whose
/// sections open with linked headings keeps them. On a page (or an article) with
/// [`FRONT_CARDS`] cards or more, or whose cards hold more than [`FRONT_TENTHS`] tenths
/// of its text (a section front), the cards are the page and stay.
pub fn remove_link_cards(doc: &Document) {
    let mut blocks: Vec<(NodeRef, usize)> = Vec::new();
    let headings: Vec<NodeRef> = doc
        .select_matcher(matcher!("h2, h3, h4, h5, h6"))
        .nodes()
        .iter()
        .filter(|h| is_link_heading(h))
        .copied()
        .collect();
    for h in headings {
        if h.ancestors_it(None)
            .last()
            .is_some_and(|top| top.is_element())
        {
            continue;
        }
        // The card is the heading's parent when that holds this heading alone, else the
        // heading itself (cards side by side).
        // (An `<article>` may be a card: news pages mark teasers up so.)
        let page_root = |n: &NodeRef| is_root(n) && !n.has_name("article");
        let card = match h.parent() {
            Some(p) if p.is_element() && !page_root(&p) && is_card(&p) => p,
            _ => h,
        };
        let Some(block) = card.parent() else {
            continue;
        };
        if !block.is_element() || page_root(&block) {
            continue;
        }
        let children: Vec<NodeRef> = block.element_children();
        let mut cards = 0;
        let mut fits = true;
        let mut after_heading = false;
        for c in &children {
            if is_card(c) {
                cards += 1;
                after_heading = is_link_heading(c);
                continue;
            }
            let w = words(c);
            let linked = c.descendants_it().any(|d| d.has_name("a"));
            let title = w <= 6 && !linked;
            let teaser = after_heading && w <= TEASER_WORDS && !linked;
            if !(title || teaser || w == 0) {
                fits = false;
                break;
            }
            after_heading = false;
        }
        // Bare text beside the cards is article text.
        let bare = block
            .children_it(false)
            .any(|c| c.is_text() && !c.text().trim().is_empty());
        if fits && !bare && cards >= 2 && !blocks.iter().any(|(b, _)| b.id == block.id) {
            blocks.push((block, cards));
        }
    }
    // On a page made of such cards (a section front), they are the page.
    let all_cards: usize = blocks.iter().map(|(_, n)| n).sum();
    let in_cards: usize = blocks.iter().map(|(b, _)| chars(b)).sum();
    if all_cards >= FRONT_CARDS || in_cards * 10 > chars(&doc.root()) * FRONT_TENTHS {
        return;
    }
    let blocks = blocks.into_iter().map(|(b, _)| b);
    for block in blocks {
        if block
            .ancestors_it(None)
            .last()
            .is_some_and(|top| top.is_element())
        {
            continue;
        }
        remove_with_title(block);
    }
}

/// Whether `node` is a short title: a heading or block of at most 6 words and no link.
fn is_short_title(node: &NodeRef) -> bool {
    let w = words(node);
    w > 0 && w <= 6 && !node.descendants_it().any(|d| d.has_name("a"))
}

/// Removes `block` with the title that heads it (a short heading right before it), and
/// the containers it leaves holding only such a title.
fn remove_with_title(block: NodeRef) {
    if let Some(prev) = block.prev_element_sibling()
        && prev
            .node_name()
            .is_some_and(|n| matches!(&*n, "h2" | "h3" | "h4" | "h5" | "h6"))
        && is_short_title(&prev)
    {
        prev.remove_from_parent();
    }
    let mut up = block.parent();
    block.remove_from_parent();
    while let Some(p) = up {
        if !p.is_element() || is_root(&p) || p.has_name("article") {
            break;
        }
        let left = words(&p);
        if left > 6 || (left > 0 && !is_short_title(&p)) {
            break;
        }
        up = p.parent();
        p.remove_from_parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_wording_is_told_from_an_article_about_cookies() {
        assert!(is_consent_text(
            "We care about your privacy We and our 842 partners store and access information on your device, such as cookies.",
            false
        ));
        assert!(is_consent_text(
            "This site uses cookies. Accept all Manage preferences",
            true
        ));
        assert!(!is_consent_text(
            "Regulators said sites must make it as easy to reject cookies as to accept them.",
            false
        ));
        assert!(!is_consent_text(
            "Regulators said websites must obtain consent before placing cookies for personalised ads.",
            false
        ));
    }

    #[test]
    fn link_cards_go_and_linked_sections_stay() {
        let doc = Document::from(
            "<html><body><article><p>The pier was damaged overnight.</p>\
             <div class=w9><h3>Popular now</h3>\
             <div><h4><a href=/a1>Mayor resigns</a></h4><p>Officials said the decision would be reviewed.</p></div>\
             <div><h4><a href=/a2>Team wins cup</a></h4><p>The announcement came after weeks of speculation.</p></div></div>\
             <section><h2><a href=/s>The pier</a></h2><p>It was built in 1879.</p><p>It has been closed since Friday, the council said.</p>\
             <h2><a href=/t>The storm</a></h2><p>Winds reached 90mph.</p><p>Thousands of homes lost power.</p>\
             <p>The Met Office said the worst had passed.</p><p>More rain is forecast for Tuesday.</p>\
             <ul><li>A list item of the article</li></ul></section>\
             <p>Engineers will assess the structure once the wind drops, and the pier will stay closed until further notice, the council said on Monday evening.</p>\
             <p>More than 10,000 homes lost power across the region overnight, and several roads were closed by fallen trees and flooding near the coast.</p>\
             </article></body></html>",
        );
        remove_link_cards(&doc);
        let text = doc.select("body").text();
        assert!(!text.contains("Popular now"), "{text}");
        assert!(!text.contains("Mayor resigns"), "{text}");
        assert!(!text.contains("Officials said"), "{text}");
        for kept in [
            "The pier was damaged",
            "The pier",
            "It was built",
            "The storm",
            "Winds reached",
            "A list item",
        ] {
            assert!(text.contains(kept), "{kept}: {text}");
        }
    }
}
