//! Page metadata read from the whole page before cleaning: JSON-LD (schema.org
//! `NewsArticle`, `Article`, `BlogPosting` and their kin, at the top level, in arrays or
//! in `@graph`), OpenGraph and `article:*` properties, Dublin Core, `<meta name=author>`,
//! `<meta http-equiv=content-language>` and `<time datetime>`.
//!
//! [`super::extract`] combines these with what Readability found, in the order of
//! precedence its documentation gives.

use std::collections::HashMap;

use dom_query::Document;
use serde_json::Value;

/// Metadata found in a page's markup (each field: first non-empty source wins, in the
/// order listed on the field).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    /// JSON-LD `headline`, then `name`.
    pub headline: Option<String>,
    /// JSON-LD `author` (names joined by ", "), `<meta name=author>`, Dublin Core creator.
    pub author: Option<String>,
    /// JSON-LD `datePublished`, `article:published_time`, Dublin Core date/issued/created,
    /// `<meta itemprop=datePublished>`; raw string.
    pub published: Option<String>,
    /// JSON-LD `dateModified`, `article:modified_time`, `og:updated_time`, Dublin Core
    /// modified; raw string.
    pub modified: Option<String>,
    /// JSON-LD `publisher.name`, `og:site_name`.
    pub site_name: Option<String>,
    /// JSON-LD `image` (first URL), `og:image`, `twitter:image`; as written.
    pub image: Option<String>,
    /// JSON-LD `description`, `og:description`, `<meta name=description>`.
    pub description: Option<String>,
    /// `<meta http-equiv=content-language>`, then `og:locale` (`en_US` → `en-US`).
    pub lang: Option<String>,
    /// The first `<time datetime>` of the page.
    pub first_time: Option<String>,
    /// The social title: `og:title`, then `twitter:title`.
    pub social_title: Option<String>,
    /// The document title: the text of the first `<title>`.
    pub document_title: Option<String>,
}

const ARTICLE_TYPES: &[&str] = &[
    "Article",
    "NewsArticle",
    "BlogPosting",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "TechArticle",
    "ScholarlyArticle",
    "LiveBlogPosting",
    "SocialMediaPosting",
    "Report",
];

fn is_article(v: &Value) -> bool {
    match v.get("@type") {
        Some(Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t))),
        _ => false,
    }
}

fn collect_objects<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_objects(i, out)),
        Value::Object(map) => {
            out.push(v);
            if let Some(g) = map.get("@graph") {
                collect_objects(g, out);
            }
        }
        _ => {}
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = crate::text::collapse_ws(s);
    (!s.is_empty()).then_some(s)
}

fn string_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => non_empty(s),
        Value::Array(items) => items.iter().find_map(string_of),
        Value::Object(o) => o
            .get("url")
            .or_else(|| o.get("name"))
            .or_else(|| o.get("@id"))
            .and_then(string_of),
        _ => None,
    }
}

fn names_of(v: &Value) -> Option<String> {
    let names: Vec<String> = match v {
        Value::Array(items) => items.iter().filter_map(names_of).collect(),
        Value::Object(o) => o.get("name").and_then(string_of).into_iter().collect(),
        Value::String(s) => non_empty(s).into_iter().collect(),
        _ => Vec::new(),
    };
    (!names.is_empty()).then(|| names.join(", "))
}

/// Every `<meta>` with a `content`, keyed by its lowercased `property`, `name`,
/// `itemprop` or `http-equiv` (the first one of each key wins). Read in one pass.
struct Metas(HashMap<String, String>);

impl Metas {
    fn read(doc: &Document) -> Metas {
        let mut map = HashMap::new();
        for m in doc.select("meta[content]").iter() {
            let Some(content) = m.attr("content").and_then(|c| non_empty(&c)) else {
                continue;
            };
            for attr in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(k) = m.attr(attr) {
                    // `property` may hold several space-separated names.
                    for k in k.split_whitespace() {
                        map.entry(k.to_ascii_lowercase())
                            .or_insert_with(|| content.clone());
                    }
                }
            }
        }
        Metas(map)
    }

    fn get(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .find_map(|k| self.0.get(&k.to_ascii_lowercase()).cloned())
    }
}

/// Reads the page's metadata.
pub fn read(doc: &Document) -> PageMeta {
    let metas = Metas::read(doc);
    let meta = |_: &Document, keys: &[&str]| metas.get(keys);
    let mut m = PageMeta::default();
    let mut docs = Vec::new();
    for script in doc.select("script[type='application/ld+json']").iter() {
        if let Ok(v) = serde_json::from_str::<Value>(script.text().trim()) {
            docs.push(v);
        }
    }
    let mut objects = Vec::new();
    for d in &docs {
        collect_objects(d, &mut objects);
    }
    if let Some(a) = objects.iter().find(|o| is_article(o)) {
        m.headline = a
            .get("headline")
            .or_else(|| a.get("name"))
            .and_then(string_of);
        m.author = a.get("author").and_then(names_of);
        m.published = a.get("datePublished").and_then(string_of);
        m.modified = a.get("dateModified").and_then(string_of);
        m.site_name = a
            .get("publisher")
            .and_then(|p| p.get("name").or(Some(p)))
            .and_then(|p| match p {
                Value::String(s) => non_empty(s),
                Value::Object(o) => o.get("name").and_then(string_of),
                _ => None,
            });
        m.image = a.get("image").and_then(string_of);
        m.description = a.get("description").and_then(string_of);
    }
    m.author = m
        .author
        .or_else(|| {
            meta(
                doc,
                &["author", "article:author", "dc.creator", "dcterms.creator"],
            )
        })
        .filter(|a| !a.starts_with("http"));
    m.published = m.published.or_else(|| {
        meta(
            doc,
            &[
                "article:published_time",
                "datePublished",
                "dc.date.issued",
                "dcterms.issued",
                "dc.date",
                "dcterms.date",
                "dcterms.created",
                "dc.date.created",
            ],
        )
    });
    m.modified = m.modified.or_else(|| {
        meta(
            doc,
            &[
                "article:modified_time",
                "og:updated_time",
                "dateModified",
                "dcterms.modified",
                "dc.date.modified",
            ],
        )
    });
    m.site_name = m.site_name.or_else(|| meta(doc, &["og:site_name"]));
    m.image = m.image.or_else(|| {
        meta(
            doc,
            &[
                "og:image",
                "og:image:url",
                "twitter:image",
                "twitter:image:src",
            ],
        )
    });
    m.description = m
        .description
        .or_else(|| meta(doc, &["og:description", "description", "dc.description"]));
    m.lang = meta(doc, &["content-language"])
        .or_else(|| meta(doc, &["og:locale"]).map(|l| l.replace('_', "-")));
    m.first_time = doc
        .select("time[datetime]")
        .iter()
        .find_map(|t| t.attr("datetime").and_then(|d| non_empty(&d)));
    m.social_title = meta(doc, &["og:title", "twitter:title"]);
    m.document_title = doc
        .select("title")
        .iter()
        .next()
        .and_then(|t| non_empty(&t.text()));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_graph_article_wins() {
        let doc = Document::from(
            r#"<html><head>
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"WebSite","name":"Example Gazette"},
              {"@type":["NewsArticle"],"headline":"Ferry timetable approved",
               "author":[{"@type":"Person","name":"Ann Lee"},{"@type":"Person","name":"Bo Chen"}],
               "datePublished":"2026-03-01T09:00:00+01:00","dateModified":"2026-03-02T10:00:00Z",
               "publisher":{"@type":"Organization","name":"Gazette"},
               "image":{"@type":"ImageObject","url":"https://ex.test/a.jpg"}}]}
            </script>
            <meta property="og:site_name" content="OG Gazette"><meta name="author" content="Meta Author">
            </head><body></body></html>"#,
        );
        let m = read(&doc);
        assert_eq!(m.headline.as_deref(), Some("Ferry timetable approved"));
        assert_eq!(m.author.as_deref(), Some("Ann Lee, Bo Chen"));
        assert_eq!(m.published.as_deref(), Some("2026-03-01T09:00:00+01:00"));
        assert_eq!(m.modified.as_deref(), Some("2026-03-02T10:00:00Z"));
        assert_eq!(m.site_name.as_deref(), Some("Gazette"));
        assert_eq!(m.image.as_deref(), Some("https://ex.test/a.jpg"));
        assert_eq!(m.social_title, None);
    }

    #[test]
    fn social_and_document_titles() {
        let doc = Document::from(
            r#"<html><head><title> Ferry  timetable | Gazette </title>
            <meta name="twitter:title" content="Twitter headline">
            <meta property="og:title" content="Social headline"></head>
            <body><svg><title>icon</title></svg></body></html>"#,
        );
        let m = read(&doc);
        assert_eq!(m.social_title.as_deref(), Some("Social headline"));
        assert_eq!(
            m.document_title.as_deref(),
            Some("Ferry timetable | Gazette")
        );
    }

    #[test]
    fn opengraph_dublin_core_and_meta_author_fill_in() {
        let doc = Document::from(
            r#"<html><head>
            <meta property="article:modified_time" content="2026-03-02T10:00:00Z">
            <meta name="DC.date.issued" content="2026-03-01">
            <meta name="author" content="Meta Author">
            <meta property="og:site_name" content="OG Gazette">
            <meta property="og:image" content="/img/lead.jpg">
            <meta property="og:locale" content="fr_FR">
            </head><body><time datetime="2026-02-28T08:00">Feb 28</time></body></html>"#,
        );
        let m = read(&doc);
        assert_eq!(m.author.as_deref(), Some("Meta Author"));
        assert_eq!(m.published.as_deref(), Some("2026-03-01"));
        assert_eq!(m.modified.as_deref(), Some("2026-03-02T10:00:00Z"));
        assert_eq!(m.site_name.as_deref(), Some("OG Gazette"));
        assert_eq!(m.image.as_deref(), Some("/img/lead.jpg"));
        assert_eq!(m.lang.as_deref(), Some("fr-FR"));
        assert_eq!(m.first_time.as_deref(), Some("2026-02-28T08:00"));
    }
}
