//! Extraction: an article page reduced to the article itself.
//!
//! The body follows Readability's algorithm (Mozilla Readability.js, through the
//! dom_smoothie crate): candidate blocks are scored by text length, commas and class
//! names, link-dense and boilerplate blocks (navigation, sidebars, ads, share bars,
//! footers) are dropped. Before scoring, stet removes the comment section, so that reader
//! comments never enter the body, and reads the comment state from the whole page
//! ([`comments`]).
//!
//! Around Readability, stet removes boilerplate it keeps (captions, related lists, share
//! bars, newsletter boxes, author bios, date lines, teasers): see [`clean`] for the named
//! rules. The page's metadata is read by [`meta`] before any cleaning.
//!
//! Metadata precedence (first non-empty wins; times are normalized to UTC, RFC 3339, and
//! placeholder or impossible times are no times at all, see [`plausible`]):
//! - title: the visible headline, the `<h1>` a reader sees ([`headline`]); else
//!   Readability's title, which takes JSON-LD `headline`/`name`, OpenGraph, Twitter and
//!   Dublin Core titles, then the `<title>` with the site name cut off by Readability's
//!   heuristics (and by rule `site-suffix` for a three- or four-word `<h1>`); then JSON-LD
//!   `headline`. When the headline and that title are the same words in different dress
//!   (quotes, case, a site name after a separator), the latter's spelling is kept. The
//!   social title (`og:title`, `twitter:title`) and the document title (`<title>`) are
//!   kept apart, so that a change of either alone is told from a headline change;
//! - byline: Readability's byline: JSON-LD `author`, `<meta name=author>`, Dublin Core
//!   creator, then the first element marked `rel=author`/`itemprop=author` or with a
//!   byline class (blocks holding it are kept until Readability has read it), skipping
//!   elements that hold only a date or a "By" and cutting a date after the name (rule
//!   `byline-date`);
//! - published: Readability's published time (JSON-LD `datePublished`,
//!   `article:published_time`, ...), then [`meta`]'s (JSON-LD, `article:published_time`,
//!   Dublin Core date/issued/created), then the first `<time datetime>`;
//! - modified: Readability's modified time, then JSON-LD `dateModified`,
//!   `article:modified_time`, `og:updated_time`, Dublin Core modified;
//! - canonical URL: `<link rel=canonical>`, `og:url` (made absolute);
//! - site name: Readability's (`og:site_name`, JSON-LD publisher), then JSON-LD
//!   `publisher.name`, `og:site_name`;
//! - language: `<html lang>` (through Readability), then `content-language`, `og:locale`;
//! - lead image: JSON-LD `image`, `og:image`, `twitter:image`, Readability's image, then
//!   the first image of the article; made absolute;
//! - excerpt: Readability's excerpt (description metadata, else the first paragraph), then
//!   JSON-LD/OpenGraph/`<meta name=description>`.

pub mod clean;
pub mod comments;
pub mod furniture;
pub mod headline;
pub mod meta;
mod query;
pub mod units;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dom_query::{Document, Matcher};
use query::matcher;

pub use comments::CommentState;

/// Version of the extraction rules. Stored with every version, so that an extractor
/// upgrade can be told apart from an edit of the article.
pub const EXTRACTOR_VERSION: u32 = 6;

/// Errors from extraction.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// Readability found no article body in the page.
    #[error("no article body found in {url}")]
    NoArticle {
        /// The page's URL.
        url: String,
    },
    /// The page's URL is not absolute.
    #[error("cannot extract {url}: {message}")]
    Other {
        /// The page's URL.
        url: String,
        /// The cause.
        message: String,
    },
}

/// The article extracted from a page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Extracted {
    /// The title: the visible headline, else the metadata title (see the module
    /// documentation).
    pub title: Option<String>,
    /// The visible headline, the `<h1>` a reader sees as the title ([`headline`]), if any.
    pub headline: Option<String>,
    /// The title from metadata alone (Readability's title, then JSON-LD `headline`), the
    /// fallback of `title`; kept for `stet-eval`, which compares it with Readability's.
    pub metadata_title: Option<String>,
    /// The social title: `og:title`, else `twitter:title`.
    pub social_title: Option<String>,
    /// The document title: the page's `<title>`.
    pub document_title: Option<String>,
    /// The author line ("Jane Doe", "Staff Writer").
    pub byline: Option<String>,
    /// Publication time, UTC.
    pub published: Option<DateTime<Utc>>,
    /// Last modification time given by the page, UTC.
    pub modified: Option<DateTime<Utc>>,
    /// The canonical URL of the article.
    pub canonical_url: Option<String>,
    /// Language tag (BCP 47), as the page declares it.
    pub lang: Option<String>,
    /// The site's name.
    pub site_name: Option<String>,
    /// A short summary of the article (meta description or first paragraph).
    pub excerpt: Option<String>,
    /// The lead image URL (absolute).
    pub image: Option<String>,
    /// The cleaned article HTML (body only, relative URLs made absolute).
    pub html: String,
    /// The plain text of `html`: one sentence a line, a blank line between paragraphs.
    pub text: String,
    /// Whether readers can comment.
    pub comments: CommentState,
}

/// Comment sections removed before Readability scores the page, so that comment text
/// never enters the body.
const COMMENT_SECTIONS: &str = "#comments, #respond, #disqus_thread, .comments-area, \
    .comment-respond, .comment-list, .commentlist, .comments, section.comments, \
    [id^='comment-'], .comment, details.CommentBox, #commento, #isso-thread";

/// Navigation removed before scoring: site menus and previous/next post links are never
/// part of an article, but Readability keeps a `<nav>` that sits inside the article's
/// container.
const NAVIGATION: &str = "nav, [role='navigation']";

/// Extracts the article from decoded HTML fetched from `url` (an absolute URL, used to
/// resolve relative links).
///
/// # Errors
/// [`ExtractError::NoArticle`] when no body is found.
pub fn extract(html: &str, url: &str) -> Result<Extracted, ExtractError> {
    extract_with(html, url, &[])
}

/// As [`extract`], after removing the elements matched by `drop_selectors` (CSS
/// selectors from the configuration's noise controls; invalid ones are skipped).
///
/// # Errors
/// As [`extract`].
pub fn extract_with(
    html: &str,
    url: &str,
    drop_selectors: &[String],
) -> Result<Extracted, ExtractError> {
    extract_with_rules(html, url, drop_selectors, &clean::Rules::default())
}

/// As [`extract_with`], with a chosen set of boilerplate rules ([`clean::Rules`]), so
/// that `stet-eval` can measure the rules one by one.
///
/// # Errors
/// As [`extract`].
pub fn extract_with_rules(
    html: &str,
    url: &str,
    drop_selectors: &[String],
    rules: &clean::Rules,
) -> Result<Extracted, ExtractError> {
    let doc = Document::from(html);
    for sel in drop_selectors {
        if let Some(found) = doc.try_select(sel) {
            found.remove();
        }
    }
    let comments = comments::detect_and_strip(&doc, rules.on("comment-notice"));
    let canonical_url = first_attr(
        &doc,
        &[
            (matcher!("link[rel='canonical']"), "href"),
            (matcher!("meta[property='og:url']"), "content"),
        ],
    )
    .and_then(|u| url::Url::parse(url).ok()?.join(&u).ok())
    .map(|u| u.to_string());
    let page_meta = meta::read(&doc);
    let h1s = headline::headings(&doc);
    let headings: Vec<String> = h1s.iter().take(4).map(|h| h.text.clone()).collect();
    doc.select_matcher(matcher!(COMMENT_SECTIONS)).remove();
    doc.select_matcher(matcher!(NAVIGATION)).remove();
    clean::before_scoring(&doc, rules);
    let byline_reading = clean::read_byline(&doc, rules);

    let cfg = dom_smoothie::Config {
        max_elements_to_parse: 0,
        // Kept for the after-scoring rules, which strip them.
        keep_classes: true,
        ..Default::default()
    };
    let mut readability = dom_smoothie::Readability::with_document(doc, Some(url), Some(cfg))
        .map_err(|e| ExtractError::Other {
            url: url.to_string(),
            message: e.to_string(),
        })?;
    let article = readability.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::GrabFailed => ExtractError::NoArticle {
            url: url.to_string(),
        },
        other => ExtractError::Other {
            url: url.to_string(),
            message: other.to_string(),
        },
    })?;
    let content = Document::fragment(article.content);
    let site: Vec<String> = [Some(url), canonical_url.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(clean::site_host)
        .collect();
    clean::after_scoring(&content, rules, &site);
    let html = content
        .select_matcher(matcher!("#readability-page-1"))
        .iter()
        .next()
        .map(|n| n.html().to_string())
        .unwrap_or_else(|| content.root().inner_html().to_string());
    let clean = |s: Option<String>| {
        s.map(|s| crate::text::collapse_ws(&s))
            .filter(|s| !s.is_empty())
    };
    let m = page_meta;
    let lang = clean(article.lang).or(m.lang);
    let text = crate::text::dom_to_text(&content, lang.as_deref());
    let absolute = |u: String| {
        url::Url::parse(url)
            .ok()
            .and_then(|base| base.join(&u).ok())
            .map(|u| u.to_string())
    };
    let first_img = content
        .select_matcher(matcher!("img[src]"))
        .iter()
        .find_map(|i| i.attr("src").map(|s| s.to_string()));
    let metadata_title = clean(Some(article.title))
        .map(|t| {
            if rules.on("site-suffix") {
                without_site_name(t, &headings)
            } else {
                t
            }
        })
        .or(m.headline.clone());
    let references: Vec<&str> = [
        metadata_title.as_deref(),
        m.social_title.as_deref(),
        m.headline.as_deref(),
        m.document_title.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let visible = headline::choose(&h1s, &references);
    Ok(Extracted {
        title: headline::title(visible.as_deref(), metadata_title.clone()),
        headline: visible,
        metadata_title,
        social_title: m.social_title,
        document_title: m.document_title,
        // Rule `byline-date`: when Readability's byline is the page's first byline
        // element (not metadata), stet's reading of the page's byline elements replaces it.
        byline: clean(article.byline)
            .and_then(|b| match byline_reading {
                Some(r) if r.readability == b => Some(r.refined).filter(|r| !r.is_empty()),
                _ => Some(b),
            })
            // Rule `furniture`: a counter or relative time after the name is not the byline.
            .map(|b| {
                if rules.on("furniture") {
                    furniture::byline_without_furniture(&b)
                } else {
                    b
                }
            })
            .filter(|b| !b.is_empty()),
        published: [article.published_time, m.published, m.first_time]
            .into_iter()
            .flatten()
            .find_map(|t| parse_time(&t)),
        modified: [article.modified_time, m.modified]
            .into_iter()
            .flatten()
            .find_map(|t| parse_time(&t)),
        canonical_url,
        lang,
        site_name: clean(article.site_name).or(m.site_name),
        excerpt: clean(article.excerpt).or(m.description),
        image: [m.image, article.image, first_img]
            .into_iter()
            .flatten()
            .filter(|i| !i.starts_with("data:"))
            .find_map(absolute),
        html,
        text,
        comments,
    })
}

/// Separators between a headline and the site name in a `<title>`.
const TITLE_SEPARATORS: [&str; 7] = [" - ", " – ", " — ", " | ", " · ", " :: ", " » "];

/// Full-width separators, which CJK titles write with or without spaces around them
/// (`見出し｜新聞名`). Readability's title rule knows none of them.
const FULL_WIDTH_SEPARATORS: [char; 5] = ['｜', '：', '－', '／', '―'];

/// Separators a CJK title may also write, with spaces around them or not
/// (`見出し|新聞名`): Readability counts a CJK headline as one word and keeps it whole.
const ASCII_SEPARATORS: [char; 7] = ['|', ':', '-', '/', '–', '—', '·'];

/// Rule `site-suffix`: Readability keeps "Headline - Site" whole when the headline is
/// four words or fewer (its guard against cutting a title down to a fragment), and knows
/// no full-width separator. When the title is exactly one of the page's `<h1>`, then a
/// separator and a short site name (at most four words and 20 characters), the `<h1>` is
/// the headline, if
/// - the separator is one of [`TITLE_SEPARATORS`] and the `<h1>` has three or four
///   words; or
/// - the separator is full-width ([`FULL_WIDTH_SEPARATORS`], spaces around it or not) or,
///   after a CJK headline, one of [`ASCII_SEPARATORS`] (spaces around it or not), and the `<h1>` is a
///   headline: three words or more, or four CJK characters or more.
///
/// A `<h1>` of one or two words (or of fewer than four CJK characters) is the page's
/// subject (an encyclopedia entry, a product, a profile) rather than a headline, and
/// Readability's own "too short" bound is under three words: then the whole title stays,
/// as Readability keeps it ("Mozilla - Wikipedia").
fn without_site_name(title: String, headings: &[String]) -> String {
    let short_site = |site: &str| {
        let site = site.trim();
        !site.is_empty() && site.split_whitespace().count() <= 4 && site.chars().count() <= 20
    };
    for h in headings {
        let Some(rest) = title.strip_prefix(h.as_str()) else {
            continue;
        };
        let words = h.split_whitespace().count();
        let cjk = h.chars().filter(|c| crate::text::is_cjk(*c)).count();
        if (3..=4).contains(&words)
            && TITLE_SEPARATORS
                .iter()
                .any(|sep| rest.strip_prefix(sep).is_some_and(short_site))
        {
            return h.clone();
        }
        let cjk_headline = h.chars().next_back().is_some_and(crate::text::is_cjk);
        let after_sep = rest.trim_start().strip_prefix(|c: char| {
            FULL_WIDTH_SEPARATORS.contains(&c) || (cjk_headline && ASCII_SEPARATORS.contains(&c))
        });
        if (words >= 3 || cjk >= 4) && after_sep.is_some_and(short_site) {
            return h.clone();
        }
    }
    title
}

fn first_attr(doc: &Document, pairs: &[(&Matcher, &str)]) -> Option<String> {
    pairs.iter().find_map(|(sel, attr)| {
        doc.select_matcher(sel)
            .iter()
            .find_map(|el| el.attr(attr))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    })
}

/// Times before this year are placeholders or errors on the web (`0001-01-01`, epoch
/// 0, two-digit years read as the 1900s): the web began in 1991.
pub const EARLIEST_YEAR: i32 = 1990;

/// Times this far after now are placeholders (`9999-12-31`) or errors; a day leaves room
/// for clocks and for local times written as UTC.
pub const FUTURE_SLACK: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Whether `t` can be the publication or modification time of a web page: from
/// [`EARLIEST_YEAR`] on and at most [`FUTURE_SLACK`] after now. Every metadata source
/// (page and feed) goes through this, so that placeholder dates (`0001-01-01T00:00:00Z`,
/// `1970-01-01`, `9999-12-31`) never become a version's time.
pub fn plausible(t: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    t.year() >= EARLIEST_YEAR && t <= Utc::now() + FUTURE_SLACK
}

/// Parses a date or time as pages write them (RFC 3339 / ISO 8601 with or without
/// offset or seconds, RFC 2822, a bare date) into UTC. A time without an offset is
/// taken as UTC. Placeholder and impossible times ([`plausible`]) give None.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    parse_any_time(s).filter(|t| plausible(*t))
}

/// As [`parse_time`], any time at all: for times people type (`stet changes --since`),
/// not for times read from pages.
pub fn parse_any_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_headline_loses_the_site_name_its_title_adds() {
        let h = vec!["Café owners “cautiously optimistic”".to_string()];
        assert_eq!(
            without_site_name(
                "Café owners “cautiously optimistic” - Example Post".into(),
                &h
            ),
            "Café owners “cautiously optimistic”"
        );
        // A site name before the headline is left alone (it may be the headline).
        assert_eq!(
            without_site_name(
                "Example Post | Café owners “cautiously optimistic”".into(),
                &h
            ),
            "Example Post | Café owners “cautiously optimistic”"
        );
        // A title that is not the <h1> plus a site name is left alone.
        assert_eq!(
            without_site_name(
                "Café owners react - a long story of terraces and the town".into(),
                &h
            ),
            "Café owners react - a long story of terraces and the town"
        );
        assert_eq!(
            without_site_name("Café owners “cautiously optimistic”".into(), &h),
            "Café owners “cautiously optimistic”"
        );
        // A one- or two-word <h1> is the page's subject: the title stays whole.
        for (title, h1) in [
            ("Mozilla - Wikipedia", "Mozilla"),
            ("Tram depot - Example Post", "Tram depot"),
        ] {
            assert_eq!(without_site_name(title.into(), &[h1.to_string()]), title);
        }
    }

    #[test]
    fn full_width_separators_cut_the_site_name_too() {
        let h = |s: &str| vec![s.to_string()];
        let ja = "港の灯台、五十年ぶりに一般公開へ";
        for title in [
            "港の灯台、五十年ぶりに一般公開へ｜みなと新報",
            "港の灯台、五十年ぶりに一般公開へ ｜ みなと新報",
            "港の灯台、五十年ぶりに一般公開へ：みなと新報",
            "港の灯台、五十年ぶりに一般公開へ|みなと新報",
            "港の灯台、五十年ぶりに一般公開へ - みなと新報",
        ] {
            assert_eq!(without_site_name(title.into(), &h(ja)), ja, "{title}");
        }
        assert_eq!(
            without_site_name("灯台公開へ｜北海道新報".into(), &h("灯台公開へ")),
            "灯台公開へ"
        );
        // A Latin headline of any length before a full-width separator.
        assert_eq!(
            without_site_name(
                "Ferry timetable approved after a long night ｜ Gazette".into(),
                &h("Ferry timetable approved after a long night")
            ),
            "Ferry timetable approved after a long night"
        );
        // A subject, not a headline; a long tail, not a site name: the title stays.
        for (title, h1) in [
            ("東京｜みなと新報", "東京"),
            (
                "港の灯台｜市が来春から一般に公開すると発表した灯台の歴史と見どころ",
                "港の灯台",
            ),
            ("Tram depot ｜ Gazette", "Tram depot"),
        ] {
            assert_eq!(without_site_name(title.into(), &h(h1)), title, "{title}");
        }
    }

    #[test]
    fn times_normalize_to_utc() {
        let t = |s| parse_time(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("2021-02-14T09:30:00+00:00").as_deref(),
            Some("2021-02-14T09:30:00+00:00")
        );
        assert_eq!(
            t("2021-02-14T10:30:00+0100").as_deref(),
            Some("2021-02-14T09:30:00+00:00")
        );
        assert_eq!(
            t("Sun, 14 Feb 2021 09:30:00 GMT").as_deref(),
            Some("2021-02-14T09:30:00+00:00")
        );
        assert_eq!(
            t("2021-02-14").as_deref(),
            Some("2021-02-14T00:00:00+00:00")
        );
        assert_eq!(t("last Tuesday"), None);
    }

    #[test]
    fn placeholder_and_impossible_times_are_no_times() {
        for s in [
            "0001-01-01T00:00:00Z",
            "0001-01-01",
            "1970-01-01T00:00:00Z",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "1899-12-31",
            "1989-12-31T23:59:59Z",
            "9999-12-31T23:59:59Z",
            "2999-01-01",
        ] {
            assert_eq!(parse_time(s), None, "{s}");
        }
        assert!(parse_time("1990-01-01").is_some());
        let soon = (Utc::now() + chrono::TimeDelta::hours(12)).to_rfc3339();
        assert!(parse_time(&soon).is_some());
        let later = (Utc::now() + chrono::TimeDelta::days(3)).to_rfc3339();
        assert_eq!(parse_time(&later), None);
    }

    #[test]
    fn a_placeholder_json_ld_date_gives_way_to_the_next_source() {
        let page = format!(
            "<html><head><script type=\"application/ld+json\">{{\"@type\":\"NewsArticle\",\
             \"datePublished\":\"0001-01-01T00:00:00Z\"}}</script>\
             <meta property=\"article:modified_time\" content=\"0001-01-01T00:00:00Z\">\
             </head><body><article><h1>Ferry timetable approved</h1>\
             <time datetime=\"2024-10-04T06:00:00Z\">4 Oct</time>{}</article></body></html>",
            "<p>The harbour board met on Tuesday evening and agreed, after a long debate, to extend the timetable.</p>"
                .repeat(4)
        );
        let a = extract(&page, "https://ex.test/a").unwrap();
        assert_eq!(
            a.published.map(|t| t.to_rfc3339()).as_deref(),
            Some("2024-10-04T06:00:00+00:00")
        );
        assert_eq!(a.modified, None);
    }

    #[test]
    fn the_visible_headline_is_the_title() {
        let body = "<p>The harbour board met on Tuesday evening and agreed, after a long debate, to extend the timetable.</p>"
            .repeat(4);
        let page = |h1: &str, og: &str| {
            format!(
                "<html><head><title>Ferry timetable approved | Gazette</title>\
                 <meta property=\"og:title\" content=\"{og}\"></head><body>\
                 <h1>Gazette</h1><article><h1>{h1}</h1>{body}</article></body></html>"
            )
        };
        let a = extract(
            &page("Ferry timetable approved", "Ferry timetable approved"),
            "https://ex.test/a",
        )
        .unwrap();
        assert_eq!(a.title.as_deref(), Some("Ferry timetable approved"));
        assert_eq!(a.headline.as_deref(), Some("Ferry timetable approved"));
        assert_eq!(a.social_title.as_deref(), Some("Ferry timetable approved"));
        assert_eq!(
            a.document_title.as_deref(),
            Some("Ferry timetable approved | Gazette")
        );
        // The <h1> rewritten alone: the title follows it.
        let b = extract(
            &page(
                "Ferry timetable approved after a late vote",
                "Ferry timetable approved",
            ),
            "https://ex.test/a",
        )
        .unwrap();
        assert_eq!(
            b.title.as_deref(),
            Some("Ferry timetable approved after a late vote")
        );
        // og:title rewritten alone: the title stays the visible headline.
        let c = extract(
            &page(
                "Ferry timetable approved",
                "Why your ferry will run later this winter",
            ),
            "https://ex.test/a",
        )
        .unwrap();
        assert_eq!(c.title.as_deref(), Some("Ferry timetable approved"));
        assert_eq!(
            c.social_title.as_deref(),
            Some("Why your ferry will run later this winter")
        );
    }

    #[test]
    fn comments_never_enter_the_body() {
        let page = format!(
            "<html><head><title>A headline | Site</title></head><body><article><h1>A headline</h1>{}</article>\
             <div id=comments><ol class=comment-list><li class=comment><p>{}</p></li></ol>\
             <p class=no-comments>Comments are closed.</p></div></body></html>",
            "<p>This paragraph is the article, long enough to be the body of it, with commas, words and more words.</p>"
                .repeat(5),
            "A reader comment that is itself quite long, with commas, words, and opinions of its own."
        );
        let a = extract(&page, "https://ex.test/a").unwrap();
        assert!(!a.text.contains("reader comment"), "{}", a.text);
        assert!(!a.text.contains("Comments are closed"), "{}", a.text);
        assert_eq!(a.comments, CommentState::Closed);
    }
}
