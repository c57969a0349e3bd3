//! Boilerplate rules applied around Readability: what it keeps that is not the article.
//!
//! Readability (dom_smoothie) picks the block of the page that holds the article and
//! cleans it conditionally, but it keeps much of what sits inside that block: photo
//! captions and credits, related-story lists, newsletter and membership boxes, share
//! bars, author biographies, date lines, "Read more" teasers. Each rule below is general
//! (it names no site) and is listed in [`RULES`] with its documentation; each has a unit
//! test on a small page of its own.
//!
//! Rules run in two passes:
//! - [`before_scoring`] on the whole page, by class and id names, so that Readability
//!   neither scores nor keeps those blocks;
//! - [`after_scoring`] on the extracted article, by class names (kept by Readability for
//!   this pass, then stripped) and by text, where the context of the article is known.
//!
//! A block is never removed when it holds a large share of the page's paragraph text
//! ([`PROTECT_SHARE`]), so that a class name like `entry-content share-enabled` on the
//! article's own container cannot remove the article.

use std::sync::LazyLock;

use dom_query::{Document, NodeRef};
use regex::Regex;

use super::query::matcher;

/// A named boilerplate rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Short name, used in documentation and tests.
    pub name: &'static str,
    /// What the rule removes, and how it recognizes it.
    pub description: &'static str,
}

/// Every rule, in the order it runs.
pub const RULES: &[Rule] = &[
    Rule {
        name: "lazy-image",
        description: "Not a removal: an `<img>` whose real address sits in `data-src`, \
            `data-original`, `data-lazy-src` or `data-srcset` while `src` is missing, a `data:` \
            URI or a placeholder, gets that address as `src` (the widest `data-srcset` \
            candidate) and `data-srcset` as `srcset`; Readability resolves them to absolute URLs.",
    },
    Rule {
        name: "caption",
        description: "Photo captions and credits: `figcaption`, and blocks whose class or id \
            contains `caption` or `credit` and that hold no image, video or table themselves. \
            Except on a figure-heavy page whose captions are its content (a how-to whose pictures \
            show the steps): when at least 5 `figcaption`s that are not links carry at least 20% \
            of the page's paragraph text, those `figcaption`s and the `caption` blocks inside \
            them stay; credits inside them and captions that are links (story teasers) still go.",
    },
    Rule {
        name: "related",
        description: "Related, trending, recommended and most-read story lists, next/previous \
            post links and content-recommendation widgets (class or id such as `related`, \
            `trending`, `recommended`, `more-stories`, `read-more`, `most-read`, `outbrain`).",
    },
    Rule {
        name: "promo",
        description: "Newsletter sign-ups, subscription and membership calls to action, \
            paywall notices, donation boxes and inline ad slots (class or id such as \
            `newsletter`, `signup`, `subscribe`, `cta`, `promo`, `paywall`, `ad-slot`).",
    },
    Rule {
        name: "share",
        description: "Share bars, social follow boxes and article tools (print, text size, \
            bookmark): class or id such as `share`, `social`, `article-tools`, `toolbar`.",
    },
    Rule {
        name: "popup",
        description: "Hover cards, tooltips, pop-overs and modals that a page hides until a \
            reader interacts (class or id `tooltip`, `popover`, `hovercard`, `rollover`, `modal`). \
            Link text is article text: an inline element of these rules (and of the other name \
            rules) that sits in running text stays, and only its card goes (the part that repeats \
            the words before it, and any block inside it), so `kill Rep. Ilhan Omar (D-Minn.)` \
            keeps the name.",
    },
    Rule {
        name: "consent",
        description: "Before scoring: cookie-consent banners and login or registration overlays \
            (class or id such as `cookie`, `consent`, `gdpr`, `cmp`, `onetrust`, `login-wall`, \
            `interstitial`); and, whatever the id or class, the smallest unit around consent \
            words that carries three kinds of consent wording (`We care about your privacy`, \
            `842 partners`, `cookies`, `Accept all`, `Manage preferences`) or two and a button.",
    },
    Rule {
        name: "furniture",
        description: "Page furniture, by class or id (`view-count`, `reading-time`, `timeago`, \
            `copyright`, `sponsored`) and by text whatever the markup (before scoring blocks \
            only, the byline block kept for Readability; after scoring also standalone inline \
            elements and bare text between blocks): whatever is made only of counters of \
            views, comments, shares, likes and reading time, relative times (`5 minutes ago`, \
            `il y a 3 heures`), dates, bylines (`By Justine Coleman - 11/18/19 11:04 PM EST`), ad \
            labels and sponsored lines, image credits (`Image copyright Getty Images`), \
            copyright, address and contact lines, follow and newsletter prompts, share buttons, \
            titles of rotating lists (with the list of links after them), hidden tokens, counts \
            beside an icon glyph or an empty icon element, live readers, audio player labels, \
            paid and partner content units, newsletter prompts with counts and metered paywall \
            nags; and blocks of two or more link cards (a heading that is one link, with a \
            teaser) holding nothing else but short titles. \
            A sentence that mentions a count is never furniture. Counters and relative times \
            after a byline's name are cut from the byline.",
    },
    Rule {
        name: "author-bio",
        description: "Author biographies and author boxes (class or id such as `author-bio`, \
            `bio`, `about-the-author`, `author-info`, `author-details`, `contributor`).",
    },
    Rule {
        name: "meta-line",
        description: "After scoring: byline, dateline and timestamp blocks kept inside the \
            article (class such as `byline`, `dateline`, `timestamp`, `publish-date`, \
            `post-meta`, `entry-meta`); the byline itself is read as metadata first. The \
            blocks around a removed one that are left holding only a `By` (`Por`, `Posted by`) \
            go with it.",
    },
    Rule {
        name: "comment-notice",
        description: "Before scoring: comment furniture outside the comment section, a block \
            of at most 120 characters that starts with a closing notice (`Comments are \
            closed.`, `Commentaires fermés`) or is a comment prompt (`Leave a Reply`, `Post a \
            comment`); read for the comment state first. Closing comments is then a change \
            of comment state only, never also an edit of the body.",
    },
    Rule {
        name: "date-line",
        description: "After scoring: a short block (at most 16 words) made almost only of date \
            and time words (`Updated 3:27 am PST, Wednesday, November 20, 2019`).",
    },
    Rule {
        name: "teaser",
        description: "After scoring: a short block (at most 40 words) that starts like a teaser \
            or call to action (`Read more:`, `Related:`, `See also`, `Click here`, `Sign up`, \
            `Subscribe`, `Follow us`, `Get the … app`) or asks the reader to subscribe to a \
            newsletter or channel.",
    },
    Rule {
        name: "link-only",
        description: "After scoring: a paragraph, heading or list item (of a list made only of links) \
            of at most 25 words whose \
            text is all link text pointing to another page (a headline pointing to another \
            story; a table of contents, whose links are `#anchors`, stays), when all such blocks \
            together are at most 10% of the article's text (else the links are the content). \
            Headings and list items count only links to the same site (the host of the page's URL \
            or of its canonical URL, without `www.`): a heading or list of links to other sites is \
            a list of references (bugs, sources) and stays; a paragraph made of one link is a \
            teaser wherever it points.",
    },
    Rule {
        name: "site-suffix",
        description: "Title: when the `<title>` is exactly one of the page's `<h1>` of three or \
            four words, a separator and a short site name (at most four words), the `<h1>` is the \
            title (Readability keeps such short titles whole). With a full-width separator \
            (`｜`, `：`, `－`, `／`, `―`, spaced or not), or any separator after a CJK headline, \
            which Readability does not cut, a `<h1>` of three words or more, or of four CJK \
            characters or more, is the title when the site name is at most four words and 20 \
            characters (`港の灯台、五十年ぶりに一般公開へ｜みなと新報`). A one- or two-word `<h1>` is the \
            page's subject, not a headline: the title stays whole (`Mozilla - Wikipedia`).",
    },
    Rule {
        name: "byline-date",
        description: "Byline: a date is never a byline. Of the elements Readability reads as a \
            byline (`rel=author`, `itemprop=author`, class or id `byline`, `author`, `dateline`), \
            in page order, one whose text is only a date (`Sunday, Feb 1, 2015 11:57 AM UTC`) or \
            only a `By` is skipped for the next; a date and time after the name are cut \
            (`Joe Wee Monday, February 29, 2016 @ 11:10 PM UTC` gives `Joe Wee`). Bylines from \
            the metadata (JSON-LD, `<meta name=author>`) are kept as they are.",
    },
];

/// Which rules run (all by default); `stet-eval --disable` uses this to measure each rule.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Names of rules that do not run.
    pub disabled: Vec<String>,
}

impl Rules {
    /// Whether the rule named `name` runs.
    pub fn on(&self, name: &str) -> bool {
        !self.disabled.iter().any(|d| d == name)
    }
}

/// Link-only blocks are removed only when together they are at most this percentage of
/// the article's text.
pub const LINK_ONLY_MAX_PERCENT: usize = 10;

/// A block holding more than this share of the page's paragraph text is never removed.
pub const PROTECT_SHARE: f64 = 0.3;

/// Rule `caption`: figure captions are kept when a page has at least this many…
pub const CONTENT_CAPTIONS_MIN: usize = 5;

/// …and their text is at least this share of the page's paragraph text.
pub const CONTENT_CAPTIONS_SHARE: f64 = 0.2;

/// Class given to the `figcaption`s that rule `caption` keeps, so that neither pass
/// removes them by their class names.
const KEPT_CAPTION: &str = "stet-kept";

/// Whether a page's figure captions are part of its content (rule `caption`): a page
/// with many captioned figures whose captions carry a large share of its text (a how-to
/// whose pictures show the steps, a photo story), rather than a few pictures beside an
/// article. Captions that are links (teasers of other stories) do not count.
fn captions_carry_the_page(figcaptions: &[NodeRef], total: f64) -> bool {
    let texts: Vec<usize> = figcaptions
        .iter()
        // A caption that is a link is a story teaser (a list of related stories), not a
        // description of the picture.
        .filter(|n| !is_link_text(n))
        .map(|n| crate::text::collapse_ws(&n.text()).chars().count())
        .filter(|&c| c > 0)
        .collect();
    texts.len() >= CONTENT_CAPTIONS_MIN
        && texts.iter().sum::<usize>() as f64 >= CONTENT_CAPTIONS_SHARE * total
}

/// Whether the text of `node` is (nine tenths or more) link text, or `node` sits in a link.
fn is_link_text(node: &NodeRef) -> bool {
    if node.ancestors_it(None).any(|a| a.has_name("a")) {
        return true;
    }
    let all = visible_chars(&node.text());
    let linked: usize = descendants_named(node, &["a"])
        .map(|a| visible_chars(&a.text()))
        .sum();
    all > 0 && linked * 10 >= all * 9
}

/// Whether `node` is, or is inside, a caption that rule `caption` keeps.
fn in_kept_caption(node: &NodeRef) -> bool {
    std::iter::once(*node)
        .chain(node.ancestors_it(None))
        .any(|a| a.has_name("figcaption") && a.has_class(KEPT_CAPTION))
}

static CAPTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"caption|credit").expect("regex"));

static RELATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s_-])(?:related|trending|recommend|more-?(?:stories|from|news|articles|on|to-?read)|read-?more|also-?read|outbrain|taboola|popular|most-?(?:read|viewed|popular|shared)|(?:next|prev|previous)-?(?:article|post|story)|post-?navigation|further-?stories)",
    )
    .expect("regex")
});

static PROMO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s_-])(?:newsletter|signup|sign-up|subscribe|subscription|cta(?:$|[\s_-])|promo|paywall|membership|donate|donation|inline-?ad(?:$|[\s_-])|ad-?(?:slot|container|unit|wrapper|block)|advert|sponsor)",
    )
    .expect("regex")
});

static SHARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s_-])(?:share|sharing|social|sociable|(?:print|article|post)-?tools|tools(?:$|[\s_-])|textresizer|text-?size|toolbar|follow-?us|bookmark)",
    )
    .expect("regex")
});

static POPUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s_-])(?:tooltip|popover|pop-?up|hovercard|rollover|modal)").expect("regex")
});

static AUTHOR_BIO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s_-])(?:author-?bio|bio(?:$|[\s_-])|about-?(?:the-?)?author|author-?(?:info|details|box|card|profile|desc)|contributor)",
    )
    .expect("regex")
});

static META_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s_-])(?:byline|dateline|timestamp|publish(?:ed)?-?(?:date|time|on)|pub-?date|post-?(?:meta|date|info)|entry-?(?:meta|date)|article-?(?:meta|date|info))",
    )
    .expect("regex")
});

static TEASER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        ^[\s\[(]*(?:
            (?:read|see)\s+(?:more|also)\s*(?:[:»>|…\]]|$) | also\s+read\b
          | related(?:\s+(?:coverage|stories|articles|content|reading|video|links?))?\s*[:|]
          | more\s*(?:on\s+this\s+story)?\s*: | watch\s*: | listen\s*: | recommended\b
          | don'?t\s+miss\b | click\s+here\b | sign\s+up\b | subscribe\b
          | follow\s+(?:us|@)
          | get\s+(?:the|our)\s[^.]{0,40}\b(?:app|newsletter)\b
        )
        | \b(?:sign\s+up|subscribe|register)\b.{0,60}\b(?:newsletter|updates|alerts|inbox|channel)\b
        | \bnewsletter\b.{0,40}\b(?:sign\s+up|subscribe)\b
        | \b(?:delivered|straight)\s+to\s+your\s+inbox\b
        ",
    )
    .expect("regex")
});

static DATE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:\d{1,4}(?:st|nd|rd|th|h)?|jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december|mon|monday|tue|tues|tuesday|wed|wednesday|thu|thur|thurs|thursday|fri|friday|sat|saturday|sun|sunday|am|pm|a|p|m|est|edt|cst|cdt|mst|mdt|pst|pdt|gmt|utc|bst|cet|cest|et|pt|ct|updated|update|published|posted|last|first|modified|on|at|de|le|am|um|el|publicado|publié|veröffentlicht|aktualisiert|mis|à|jour|ago|hours?|minutes?|mins?|days?|today|yesterday)$",
    )
    .expect("regex")
});

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\p{L}\p{N}_]+").expect("regex"));

/// The class and id of an element, lowercased, for the name rules. An id of more than
/// three words is a heading's slug (`sharing-with-other-developers`), not a widget's
/// name, and is left out.
fn class_id(node: &NodeRef) -> String {
    let mut s = String::new();
    if let Some(c) = node.attr("class") {
        s.push_str(&c);
    }
    if let Some(i) = node.attr("id")
        && i.split(['-', '_']).count() <= 3
    {
        s.push(' ');
        s.push_str(&i);
    }
    s.to_ascii_lowercase()
}

fn name(node: &NodeRef) -> String {
    node.node_name().map(|n| n.to_string()).unwrap_or_default()
}

fn descendants_named<'a>(
    node: &NodeRef<'a>,
    names: &'a [&'a str],
) -> impl Iterator<Item = NodeRef<'a>> {
    node.descendants_it()
        .filter(move |d| d.is_element() && names.iter().any(|n| d.has_name(n)))
}

fn paragraph_chars(node: &NodeRef) -> usize {
    descendants_named(node, &["p"])
        .map(|p| p.text().chars().count())
        .sum()
}

const MEDIA: &[&str] = &[
    "img", "picture", "video", "iframe", "table", "figure", "svg",
];
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "ul",
    "ol",
    "table",
    "h2",
    "h3",
    "h4",
    "blockquote",
];

/// Whether an `src` value is a stand-in for a lazy-loaded image.
fn is_placeholder_src(src: &str) -> bool {
    let s = src.trim().to_ascii_lowercase();
    s.is_empty()
        || s.starts_with("data:")
        || [
            "placeholder",
            "blank.",
            "spacer",
            "lazy",
            "loading",
            "pixel.",
            "grey.",
            "gray.",
            "transparent.",
        ]
        .iter()
        .any(|w| s.contains(w))
}

/// The widest candidate of a `srcset` (by its `w` or `x` descriptor; the last when none).
fn widest_candidate(srcset: &str) -> Option<String> {
    let mut best: Option<(f64, String)> = None;
    for cand in srcset.split(',') {
        let mut parts = cand.split_whitespace();
        let Some(url) = parts.next() else { continue };
        let size = parts
            .next()
            .and_then(|d| d.trim_end_matches(['w', 'x']).parse::<f64>().ok())
            .unwrap_or(0.0);
        if best.as_ref().is_none_or(|(b, _)| size >= *b) {
            best = Some((size, url.to_string()));
        }
    }
    best.map(|(_, u)| u)
}

/// The `lazy-image` rule: real image addresses from `data-*` attributes.
pub fn fix_lazy_images(doc: &Document) {
    for img in doc.select_matcher(matcher!("img")).nodes() {
        let src = img.attr("src").map(|s| s.to_string()).unwrap_or_default();
        if !is_placeholder_src(&src) {
            continue;
        }
        let data_src = ["data-src", "data-original", "data-lazy-src", "data-url"]
            .iter()
            .find_map(|a| {
                img.attr(a)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            });
        let data_srcset = ["data-srcset", "data-lazy-srcset"].iter().find_map(|a| {
            img.attr(a)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        });
        let real = data_src.or_else(|| data_srcset.as_deref().and_then(widest_candidate));
        if let Some(real) = real {
            img.set_attr("src", &real);
        }
        if let Some(set) = data_srcset {
            img.set_attr("srcset", &set);
        } else if img.attr("srcset").is_some_and(|s| is_placeholder_src(&s)) {
            img.remove_attr("srcset");
        }
    }
}

/// Removes, from the whole page, blocks that the class-name rules recognize
/// (`caption`, `related`, `promo`, `share`, `popup`, `author-bio`).
pub fn before_scoring(doc: &Document, rules: &Rules) {
    if rules.on("lazy-image") {
        fix_lazy_images(doc);
    }
    let total = paragraph_chars(&doc.root()).max(1) as f64;
    if rules.on("caption") {
        let figcaptions: Vec<NodeRef> = doc.select_matcher(matcher!("figcaption")).nodes().to_vec();
        let keep = captions_carry_the_page(&figcaptions, total);
        for node in figcaptions {
            if keep && !is_link_text(&node) {
                node.add_class(KEPT_CAPTION);
            } else {
                node.remove_from_parent();
            }
        }
    }
    apply_name_rules(doc, rules, total, true);
    if rules.on("consent") {
        super::units::remove_consent_blocks(doc);
    }
    if rules.on("furniture") {
        super::units::remove_link_cards(doc);
    }
    // Furniture goes before Readability scores the page, so that counters, credits and
    // prompts changing at every fetch cannot change which blocks it keeps; the byline
    // stays for Readability to read.
    if rules.on("furniture") {
        super::furniture::remove_blocks(doc, holds_byline, true);
    }
}

static BYLINE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)byline|author|dateline|writtenby|p-author").expect("regex"));

/// Whether `node` holds (or is) what Readability reads as the byline: `rel=author`,
/// `itemprop=author`, or a class or id naming a byline or author, with a short text.
fn holds_byline(node: &NodeRef) -> bool {
    std::iter::once(*node)
        .chain(node.descendants_it())
        .filter(|d| d.is_element())
        .any(|d| {
            let named = d.attr("rel").is_some_and(|r| r.contains("author"))
                || d.attr("itemprop").is_some_and(|r| r.contains("author"))
                || BYLINE_NAME.is_match(&class_id(&d));
            named && {
                let len = d.text().trim().chars().count();
                len > 0 && len < 100
            }
        })
}

/// A byline as Readability will read it from the page, and as stet refines it (rule
/// `byline-date`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BylineReading {
    /// The text Readability takes from the byline element (spaces collapsed).
    pub readability: String,
    /// The byline stet keeps instead (empty: none).
    pub refined: String,
}

/// Whether Readability reads `node` as a byline: `rel=author`, an `itemprop` naming the
/// author, or a class or id containing `byline`, `author`, `dateline`, `writtenby` or
/// `p-author`; with a text of 1 to 99 characters.
fn is_byline_element(node: &NodeRef) -> bool {
    let mut names = String::new();
    for a in ["class", "id"] {
        if let Some(v) = node.attr(a) {
            names.push_str(&v);
            names.push(' ');
        }
    }
    let named = node.attr("rel").is_some_and(|r| &*r == "author")
        || node.attr("itemprop").is_some_and(|r| r.contains("author"))
        || BYLINE_NAME.is_match(&names);
    named && {
        let len = node.text().trim().chars().count();
        len > 0 && len < 100
    }
}

/// The text of `node`, or of its first `[itemprop=name]` descendant (as Readability
/// reads a byline), spaces collapsed.
fn byline_text(node: &NodeRef) -> String {
    let named = node
        .descendants_it()
        .find(|d| d.is_element() && d.attr("itemprop").is_some_and(|p| &*p == "name"));
    crate::text::collapse_ws(&named.unwrap_or(*node).text())
}

/// Words that end a name as well as start a date phrase ("Michiel de"): never the first
/// word of a cut date.
const NAME_PARTICLES: &[&str] = &["a", "de", "le", "el", "am", "um", "on", "at"];

/// Rule `byline-date`: a byline without the date and time that follow the name
/// ("Joe Wee Monday, February 29, 2016 @ 11:10 PM UTC" → "Joe Wee").
pub fn without_trailing_date(byline: &str) -> String {
    let tokens: Vec<&str> = byline.split_whitespace().collect();
    let datey = |t: &str| WORD.find_iter(t).all(|w| DATE_WORD.is_match(w.as_str()));
    let mut start = tokens.len();
    while start > 0 && datey(tokens[start - 1]) {
        start -= 1;
    }
    while start < tokens.len()
        && WORD
            .find_iter(tokens[start])
            .all(|w| NAME_PARTICLES.contains(&w.as_str().to_lowercase().as_str()))
    {
        start += 1;
    }
    let tail = tokens[start..].join(" ");
    if start == 0 || start == tokens.len() || !is_date_line(&tail) {
        return byline.to_string();
    }
    tokens[..start]
        .join(" ")
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')' && c != '.')
        .to_string()
}

/// Words that introduce a byline ("By", "Par", "Posted by"): a byline made only of them
/// names nobody.
const BY_WORDS: &[&str] = &[
    "by", "posted", "written", "words", "par", "von", "por", "door", "di", "da", "de", "av",
];

/// Whether a text holds no word but "By" words ("By", "Par", "Posted by"), or none.
fn names_nobody(text: &str) -> bool {
    WORD.find_iter(text)
        .all(|w| BY_WORDS.contains(&w.as_str().to_lowercase().as_str()))
}

/// Finds the byline Readability will read (the first byline element of the page, as
/// [`BylineReading::readability`]) and the one stet keeps: rule `byline-date` skips
/// byline elements whose text is only a date (a date is never a byline; the published
/// time is read from the metadata) or only a "By", and cuts a date that follows the
/// name. The page is not changed.
pub fn read_byline(doc: &Document, rules: &Rules) -> Option<BylineReading> {
    let mut readability = None;
    for node in doc.select("body *").nodes() {
        if !is_byline_element(node) {
            continue;
        }
        let text = byline_text(node);
        let first = readability.get_or_insert_with(|| text.clone()).clone();
        if !rules.on("byline-date") {
            return Some(BylineReading {
                readability: first,
                refined: text,
            });
        }
        let refined = without_trailing_date(&text);
        if !names_nobody(&refined) && !is_date_line(&refined) {
            return Some(BylineReading {
                readability: first,
                refined,
            });
        }
    }
    readability.map(|r| BylineReading {
        readability: r,
        refined: String::new(),
    })
}

/// The class- and id-name rules (`caption`, `related`, `promo`, `share`, `popup`,
/// `author-bio`). Before scoring, blocks holding a byline are kept for Readability to
/// read (`protect_bylines`); after scoring the rules run again on the article without
/// that protection.
fn apply_name_rules(doc: &Document, rules: &Rules, total: f64, protect_bylines: bool) {
    let nodes: Vec<NodeRef> = doc
        .select_matcher(matcher!("[class], [id]"))
        .nodes()
        .to_vec();
    for node in nodes {
        let n = name(&node);
        if matches!(
            n.as_str(),
            "html" | "body" | "main" | "article" | "a" | "img" | "picture" | "source"
        ) || node.attr("id").as_deref() == Some("readability-page-1")
        {
            continue;
        }
        let ci = class_id(&node);
        let hit = if (rules.on("consent") && super::furniture::is_overlay_name(&ci))
            || (rules.on("furniture") && super::furniture::is_furniture_name(&ci))
        {
            true
        } else if CAPTION.is_match(&ci) {
            rules.on("caption")
                && descendants_named(&node, MEDIA).next().is_none()
                // A kept caption stays, but not the photo credit inside it.
                && (ci.contains("credit") || !in_kept_caption(&node))
        } else {
            (rules.on("related") && RELATED.is_match(&ci))
                || (rules.on("promo") && PROMO.is_match(&ci))
                || (rules.on("share") && SHARE.is_match(&ci))
                || (rules.on("popup") && POPUP.is_match(&ci))
                || (rules.on("author-bio") && AUTHOR_BIO.is_match(&ci))
        };
        // Link text is article text: a widget wrapped around words of a sentence (a name
        // with a hover card) keeps the words; its card is removed when it is visited, and
        // any block inside it now.
        if hit
            && !super::furniture::is_block(&node)
            && descendants_named(&node, &["a"]).any(|a| !a.text().trim().is_empty())
            && super::furniture::in_running_text(&node)
            && !super::furniture::repeats_a_sibling(&node)
        {
            let inner: Vec<NodeRef> = node
                .descendants_it()
                .filter(super::furniture::is_block)
                .collect();
            for block in inner {
                block.remove_from_parent();
            }
            continue;
        }
        if hit
            && (paragraph_chars(&node) as f64) <= PROTECT_SHARE * total
            && !(protect_bylines && holds_byline(&node))
        {
            node.remove_from_parent();
        }
    }
}

fn is_date_line(text: &str) -> bool {
    let words: Vec<&str> = WORD.find_iter(text).map(|m| m.as_str()).collect();
    if words.is_empty() || words.len() > 16 {
        return false;
    }
    let datey = words.iter().filter(|w| DATE_WORD.is_match(w)).count();
    let digits = words
        .iter()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .count();
    // At least one number and one date word that is not a number (a month, a weekday,
    // am/pm, a time zone, "Updated"), and little else.
    digits > 0 && datey > digits && datey * 4 >= words.len() * 3
}

/// The host of a URL without a leading `www.`, lowercased.
pub fn site_host(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// Whether a link points to another page of the site (`site` holds the site's hosts, as
/// [`site_host`] gives them): a relative address, or an absolute one on one of those
/// hosts. With no known host, every link counts as the site's.
fn links_within_site(href: &str, site: &[String]) -> bool {
    if site.is_empty() {
        return true;
    }
    match url::Url::parse(href) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {
            site_host(href).is_none_or(|h| site.contains(&h))
        }
        // Relative addresses are the site's; `javascript:` and the like are widgets.
        _ => true,
    }
}

/// Characters of link text pointing to another page of the same site (in-page
/// `#anchor` links, as in a table of contents, and links to other sites, as in a list of
/// references, do not count).
fn link_chars(node: &NodeRef, site: &[String]) -> usize {
    descendants_named(node, &["a"])
        .filter(|a| {
            a.attr("href")
                .is_none_or(|h| !h.starts_with('#') && links_within_site(&h, site))
        })
        .map(|a| a.text().chars().filter(|c| !c.is_whitespace()).count())
        .sum()
}

/// The site hosts against which the `link-only` rule weighs the links of a block named
/// `name`: a paragraph made of one link is a teaser wherever it points (a sister site, a
/// video subdomain), so every link counts; headings and list items count only the site's
/// own links, since a heading or list of links to other sites is a list of references.
fn links_of<'a>(name: &str, site: &'a [String]) -> &'a [String] {
    if name == "p" { &[] } else { site }
}

/// Whether every item of the list holding `li` is made of link text only.
fn list_is_all_links(li: &NodeRef, site: &[String]) -> bool {
    let Some(list) = li.parent() else {
        return false;
    };
    list.element_children()
        .iter()
        .filter(|c| c.has_name("li"))
        .all(|c| {
            let t = c.text();
            let v = visible_chars(&t);
            v == 0 || link_chars(c, site) * 10 >= v * 9
        })
}

fn visible_chars(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// Removes, from the extracted article, the blocks recognized by class (`meta-line`) and
/// by text (`date-line`, `teaser`, `link-only`); then strips the class attributes that
/// were kept for this pass. `site` holds the site's hosts ([`site_host`] of the page's
/// URL and canonical URL), which tell the `link-only` rule the site's own links from
/// references to other sites.
pub fn after_scoring(doc: &Document, rules: &Rules, site: &[String]) {
    let total = paragraph_chars(&doc.root()).max(1) as f64;
    apply_name_rules(doc, rules, total, false);
    if rules.on("meta-line") {
        let nodes: Vec<NodeRef> = doc.select_matcher(matcher!("[class]")).nodes().to_vec();
        for node in nodes {
            if META_LINE.is_match(&class_id(&node))
                && (paragraph_chars(&node) as f64) <= PROTECT_SHARE * total
            {
                let parent = node.parent();
                node.remove_from_parent();
                // A "By" left alone by the name's removal goes with it.
                let mut up = parent;
                while let Some(p) = up {
                    if p.attr("id").as_deref() == Some("readability-page-1")
                        || !names_nobody(&p.text())
                    {
                        break;
                    }
                    up = p.parent();
                    p.remove_from_parent();
                }
            }
        }
    }
    if rules.on("consent") {
        super::units::remove_consent_blocks(doc);
    }
    if rules.on("furniture") {
        super::units::remove_link_cards(doc);
        super::furniture::remove_blocks(doc, |_| false, false);
    }
    let all_chars = visible_chars(&doc.root().text());
    let mut link_only = Vec::new();
    let mut link_only_chars = 0;
    let blocks: Vec<NodeRef> = doc
        .select_matcher(matcher!(
            "p, li, h2, h3, h4, h5, h6, div, span, time, small, dd, dt"
        ))
        .nodes()
        .to_vec();
    for node in blocks {
        let n = name(&node);
        let is_container = matches!(n.as_str(), "div" | "li" | "dd")
            && descendants_named(&node, BLOCKS).next().is_some();
        if is_container {
            continue;
        }
        let text = node.text();
        let t = text.trim();
        if t.is_empty() || t.len() > 600 {
            continue;
        }
        let words = WORD.find_iter(t).count();
        if (rules.on("date-line") && is_date_line(t))
            || (rules.on("teaser") && words <= 40 && TEASER.is_match(t))
        {
            // An inline element counts only when it stands alone in its parent (a date in
            // a reference list item is not a date line).
            let inline = matches!(n.as_str(), "span" | "time" | "small");
            if !inline || node.parent().is_none_or(|p| p.text().trim() == t) {
                node.remove_from_parent();
            }
        } else if rules.on("link-only")
            && matches!(n.as_str(), "p" | "li" | "h2" | "h3" | "h4" | "h5" | "h6")
            && words <= 25
            && link_chars(&node, links_of(&n, site)) * 10 >= visible_chars(t) * 9
            && (n != "li" || list_is_all_links(&node, site))
        {
            link_only_chars += visible_chars(t);
            link_only.push(node);
        }
    }
    // Link-only blocks are boilerplate when they are a small part of the article; in a
    // post that is mostly a list of links (a link roundup, a table of contents), they are
    // the content.
    if link_only_chars * 100 <= all_chars * LINK_ONLY_MAX_PERCENT {
        for node in link_only {
            node.remove_from_parent();
        }
    }
    for node in doc.select_matcher(matcher!("[class]")).nodes() {
        if node.attr("id").as_deref() != Some("readability-page-1") {
            node.remove_attr("class");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "<p>The council met on Monday to discuss the depot, and it voted, after a long \
        debate, to close it by the end of the year.</p><p>Residents had asked for the change for a \
        decade, citing noise, traffic and fumes, and they welcomed the vote.</p><p>The operator \
        said it would move its buses to a new site on the ring road, outside the town.</p>";

    fn before(html: &str) -> String {
        let doc = Document::from(html);
        before_scoring(&doc, &Rules::default());
        crate::text::collapse_ws(&doc.select("body").text())
    }

    fn after(html: &str) -> String {
        let doc = Document::fragment(html);
        after_scoring(&doc, &Rules::default(), &["ex.test".to_string()]);
        crate::text::collapse_ws(&doc.root().text())
    }

    #[test]
    fn lazy_image_rule_takes_real_addresses() {
        let doc = Document::from(
            "<img src='data:image/gif;base64,R0l' data-src='/a.jpg'>\
             <img src='/static/placeholder.svg' data-srcset='/b-640.jpg 640w, /b-1280.jpg 1280w'>\
             <img src='/real.jpg' data-src='/other.jpg'>",
        );
        fix_lazy_images(&doc);
        let srcs: Vec<String> = doc
            .select("img")
            .iter()
            .map(|i| i.attr("src").unwrap().to_string())
            .collect();
        assert_eq!(srcs, ["/a.jpg", "/b-1280.jpg", "/real.jpg"]);
        assert_eq!(
            doc.select("img")
                .iter()
                .nth(1)
                .unwrap()
                .attr("srcset")
                .as_deref(),
            Some("/b-640.jpg 640w, /b-1280.jpg 1280w")
        );
    }

    #[test]
    fn every_rule_is_documented() {
        assert_eq!(RULES.len(), 16);
        for r in RULES {
            assert!(!r.description.is_empty(), "{}", r.name);
        }
    }

    #[test]
    fn caption_rule_drops_captions_and_credits_but_keeps_images() {
        let page = format!(
            "<body><article>{BODY}<figure><img src=a.jpg><figcaption>A bus at the depot. Photo: J. Doe</figcaption></figure>\
             <div class='wp-caption'><img src=b.jpg><p class='wp-caption-text'>The ring road site.</p></div>\
             <span class='image-credit'>Getty Images</span></article></body>"
        );
        let doc = Document::from(page.as_str());
        before_scoring(&doc, &Rules::default());
        let text = doc.select("body").text();
        assert!(!text.contains("bus at the depot"), "{text}");
        assert!(!text.contains("ring road site"), "{text}");
        assert!(!text.contains("Getty"), "{text}");
        assert!(text.contains("The council met"));
        assert_eq!(doc.select("img").length(), 2);
    }

    #[test]
    fn caption_rule_keeps_captions_that_carry_a_figure_heavy_page() {
        // A how-to: short steps, each with a picture whose caption says what it shows.
        let step = |n: u32| {
            format!(
                "<div class=step><h3>Step {n}</h3><p>Cut the foam to fit the dish.</p></div>\
                 <figure><img src={n}.jpg></figure>\
                 <figcaption class='small caption'>Foam cut to size for step {n}. \
                 <span class=photo-credit>J. Doe</span></figcaption>"
            )
        };
        let steps: String = (1..=6).map(step).collect();
        let t = before(&format!(
            "<body><article>{steps}<figure><a href=/other><img src=x.jpg>\
             <figcaption>Another story of the site</figcaption></a></figure></article></body>"
        ));
        assert!(
            t.contains("Foam cut to size for step 1.") && t.contains("step 6."),
            "{t}"
        );
        assert!(!t.contains("J. Doe"), "the credit goes: {t}");
        assert!(!t.contains("Another story"), "a teaser goes: {t}");
        // The same captions beside a long article are captions of its pictures: they go.
        let t = before(&format!(
            "<body><article>{BODY}{BODY}{BODY}{BODY}{BODY}{BODY}{steps}</article></body>"
        ));
        assert!(!t.contains("Foam cut"), "{t}");
        // Fewer than five captions never count as the page's content.
        let few: String = (1..=4).map(step).collect();
        let t = before(&format!("<body><article>{few}</article></body>"));
        assert!(!t.contains("Foam cut"), "{t}");
    }

    #[test]
    fn related_rule_drops_story_lists() {
        let t = before(&format!(
            "<body><article>{BODY}<div class='related-stories'><h4>Related</h4><ul><li><a href=/x>Depot fire</a></li></ul></div>\
             <aside id=most-read><a href=/y>Top story</a></aside></article></body>"
        ));
        assert!(t.contains("The council met"));
        assert!(!t.contains("Depot fire") && !t.contains("Top story"), "{t}");
    }

    #[test]
    fn promo_rule_drops_newsletter_and_membership_boxes() {
        let t = before(&format!(
            "<body><article>{BODY}<div class='newsletter-signup'><p>Get the morning briefing.</p></div>\
             <div class='nr-cta'><p>Join now and read without limits.</p></div></article></body>"
        ));
        assert!(t.contains("The council met"));
        assert!(
            !t.contains("morning briefing") && !t.contains("Join now"),
            "{t}"
        );
    }

    #[test]
    fn share_rule_drops_share_bars_and_tools() {
        let t = before(&format!(
            "<body><article><ul class='share-bar'><li>Facebook</li><li>Twitter</li></ul>{BODY}\
             <div class='article-tools'><span>Print</span><span>Text size</span></div></article></body>"
        ));
        assert!(t.contains("The council met"));
        assert!(!t.contains("Facebook") && !t.contains("Text size"), "{t}");
    }

    #[test]
    fn popup_rule_drops_hover_cards_inside_paragraphs() {
        let t = before(
            "<body><article><p>Mayor <span class='person'><a href=/p>Ann Lee</a><span class='person-hovercard'>Ann Lee: all stories</span></span> spoke.</p></article></body>",
        );
        assert_eq!(t, "Mayor Ann Lee spoke.");
    }

    #[test]
    fn author_bio_rule_drops_biographies() {
        let page = format!(
            "<div id=readability-page-1 class=page>{BODY}<div class='author-bio'><p>Jane Doe covers transport for the paper.</p></div></div>"
        );
        // Before scoring the bio is kept (it names the author, which Readability reads as
        // the byline); after scoring it goes.
        assert!(before(&format!("<body>{page}</body>")).contains("covers transport"));
        let t = after(&page);
        assert!(t.contains("The council met"));
        assert!(!t.contains("covers transport"), "{t}");
    }

    #[test]
    fn protected_container_is_never_removed() {
        let t = before(&format!(
            "<body><div class='entry-content share-enabled'>{BODY}</div></body>"
        ));
        assert!(t.contains("The council met"), "{t}");
    }

    #[test]
    fn meta_line_rule_drops_bylines_and_timestamps_after_scoring() {
        let t = after(&format!(
            "<div id=readability-page-1 class=page><div class='byline'>By Jane Doe</div><span class='timestamp'>5 hours ago</span>{BODY}</div>"
        ));
        assert!(t.starts_with("The council met"), "{t}");
        // The "By" that introduced a removed name goes with it.
        let t = after(&format!(
            "<div id=readability-page-1 class=page>{BODY}<p><span>Por <span class='last-byline'>Ana Ruiz</span></span></p></div>"
        ));
        assert!(t.ends_with("outside the town."), "{t}");
    }

    #[test]
    fn date_line_rule_drops_bare_dates() {
        for line in [
            "Updated 3:27 am PST, Wednesday, November 20, 2019",
            "Published 7:07 PM EST Nov 19, 2019",
            "Nov. 20, 2019 6:02 AM EST",
        ] {
            let t = after(&format!("<div><p>{line}</p>{BODY}</div>"));
            assert!(t.starts_with("The council met"), "{line}: {t}");
        }
        // A sentence with a date is not a date line.
        let t = after(&format!(
            "<div><p>The vote was held on November 20, 2019.</p>{BODY}</div>"
        ));
        assert!(t.starts_with("The vote was held"), "{t}");
    }

    #[test]
    fn teaser_rule_drops_read_more_and_calls_to_action() {
        for line in [
            "READ MORE: <a href=/x>Depot fire: what we know</a>",
            "Related: <a href=/x>The ten busiest depots</a>",
            "Sign up to our newsletter for exclusive updates",
            "Subscribe to our channel on YouTube for more videos.",
            "The news that matters, delivered to your inbox.",
        ] {
            let t = after(&format!("<div>{BODY}<p>{line}</p></div>"));
            assert!(t.ends_with("outside the town."), "{line}: {t}");
        }
        let t = after(&format!(
            "<div>{BODY}<p>Read more about the plan in the council minutes, which list every vote.</p></div>"
        ));
        assert!(
            t.contains("council minutes"),
            "a long sentence starting with Read more: {t}"
        );
    }

    #[test]
    fn link_only_rule_drops_headline_links_but_not_linked_words() {
        let t = after(&format!(
            "<div>{BODY}{BODY}<p><strong><a href=/x>DEPOT FIRE: CREWS BATTLE BLAZE</a></strong></p>\
             <ul><li><a href=/y>How buses are kept clean</a></li></ul>\
             <p>The <a href=/z>council</a> will meet again.</p></div>"
        ));
        assert!(
            !t.contains("DEPOT FIRE") && !t.contains("kept clean"),
            "{t}"
        );
        assert!(t.contains("The council will meet again."), "{t}");
        // A short page made of links keeps them.
        let t = after("<div><p><a href=/x>Only a link</a></p></div>");
        assert_eq!(t, "Only a link");
    }

    #[test]
    fn byline_date_rule_never_takes_a_date_for_a_byline() {
        let read = |html: &str| read_byline(&Document::from(html), &Rules::default());
        // A date-only dateline is skipped for the next byline element; Readability would
        // read the dateline.
        let r = read(
            "<body><span class=dateline><span>Sunday, Feb 1, 2015 11:57 AM UTC</span></span>\
             <h1>A headline</h1><span class=byline><a rel=author href=/w/jd>Jane Doe</a></span></body>",
        )
        .unwrap();
        assert_eq!(r.readability, "Sunday, Feb 1, 2015 11:57 AM UTC");
        assert_eq!(r.refined, "Jane Doe");
        // A date after the name is cut.
        let r = read(
            "<body><div class=article-author><a href=/a>Joe Wee</a> Monday, February 29, 2016 @ 11:10 PM UTC</div></body>",
        )
        .unwrap();
        assert_eq!(r.refined, "Joe Wee");
        // A lone "By" names nobody; the author link inside the same block does.
        let r = read(
            "<body><span class=byline-copy>By</span> <a rel=author href=/a>Ann Lee</a></body>",
        )
        .unwrap();
        assert_eq!(r.refined, "Ann Lee");
        // Only dates: no byline.
        let r = read("<body><div class=author-details>Last Updated: January 7, 2025</div></body>")
            .unwrap();
        assert_eq!(r.refined, "");
        assert_eq!(
            without_trailing_date("Jong, Michiel de"),
            "Jong, Michiel de"
        );
        assert_eq!(
            without_trailing_date("by Lucas Nolan22 Dec 2016651"),
            "by Lucas Nolan22 Dec 2016651"
        );
        assert_eq!(
            without_trailing_date("By GILLIAN MOHNEY March 11, 2015 3:46 PM"),
            "By GILLIAN MOHNEY"
        );
        // Switched off, Readability's reading stands.
        let off = Rules {
            disabled: vec!["byline-date".into()],
        };
        let r = read_byline(
            &Document::from("<body><span class=dateline>Feb 1, 2015 11:57 AM</span></body>"),
            &off,
        )
        .unwrap();
        assert_eq!(r.refined, "Feb 1, 2015 11:57 AM");
    }

    #[test]
    fn link_only_rule_keeps_links_to_other_sites() {
        let t = after(&format!(
            "<div>{BODY}{BODY}<h4><a href='https://tracker.example.org/list'>Fixed bugs</a></h4>\
             <ul><li><a href='https://tracker.example.org/1'>Bug 1 – the depot clock is slow</a></li>\
             <li><a href='https://tracker.example.org/2'>Bug 2 – the bus map is wrong</a></li></ul>\
             <p><a href='https://www.ex.test/other-story'>ANOTHER STORY OF THE SITE</a></p>\
             <p><strong><a href='https://video.ex.test/v/1'>A VIDEO ON A SISTER SITE</a></strong></p></div>"
        ));
        assert!(!t.contains("SISTER SITE"), "{t}");
        assert!(
            t.contains("Fixed bugs") && t.contains("Bug 2 – the bus map"),
            "{t}"
        );
        assert!(!t.contains("ANOTHER STORY"), "{t}");
    }
}
