//! Feed parsing: RSS 0.9x/1.0/2.0 (RSS 2.0 spec), Atom (RFC 4287) and JSON Feed 1.1,
//! through feed-rs, reduced to the entries stet tracks.
//!
//! An entry's identity ([`Entry::key`]) must be stable across polls: it is the entry's
//! GUID (RSS `<guid>`, Atom `<id>`, JSON Feed `id`) when the feed gives one, else its
//! link (`link:` + URL), else a sha256 of its title (`sha256:` + hex). feed-rs's own
//! fallback (a random UUID) is replaced, since it would make a new entry at every poll.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Errors from parsing a feed document.
#[derive(Debug, thiserror::Error)]
#[error("not a valid RSS, Atom or JSON feed: {0}")]
pub struct FeedError(String);

/// A parsed feed: its title and its entries in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's title as plain text.
    pub title: Option<String>,
    /// The entries, in the order the feed lists them.
    pub entries: Vec<Entry>,
    /// The least time between polls that the feed asks for: RSS `<ttl>` (minutes), or
    /// the RSS 1.0 syndication module's `sy:updatePeriod` / `sy:updateFrequency`.
    pub min_interval: Option<std::time::Duration>,
}

/// One feed entry (RSS `<item>`, Atom `<entry>`, JSON Feed item).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable identity: GUID, else `link:` + link, else `sha256:` + hash of the title.
    pub key: String,
    /// The absolute URL of the article page, resolved against `xml:base` and the feed URL.
    pub link: Option<String>,
    /// Title as plain text (HTML entities decoded, tags removed).
    pub title: Option<String>,
    /// First author's name.
    pub author: Option<String>,
    /// Publication time (RSS `pubDate`, Atom `published`, else `updated`), UTC; a
    /// placeholder or impossible time is none ([`crate::extract::plausible`]).
    pub published: Option<DateTime<Utc>>,
}

/// Parses feed bytes. `base_url` is the feed's final URL after redirects; relative links
/// are resolved against it (after any `xml:base`).
///
/// # Errors
/// [`FeedError`] when the bytes are not a feed feed-rs can read.
pub fn parse(bytes: &[u8], base_url: &str) -> Result<ParsedFeed, FeedError> {
    parse_http(bytes, base_url, None)
}

/// The text with every XML declaration after the first character renamed into an
/// ordinary processing instruction (`<?xml ` to `<?_xml `). A declaration is only valid
/// at the start, and the text is already UTF-8; one inside content made quick-xml (under
/// feed-rs) panic switching encodings (found by fuzzing, tests/fixtures/fuzz/feed/).
/// `<?xml-stylesheet` and other instructions are left alone.
fn late_declarations_neutralized(text: &str) -> std::borrow::Cow<'_, str> {
    static LATE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?s)(.)<\?xml(\s)").expect("regex"));
    LATE.replace_all(text, "${1}<?_xml${2}")
}

/// Parses feed bytes as received over HTTP: the bytes are decoded to UTF-8 first
/// ([`crate::http::decode::decode_xml`]: BOM, HTTP `charset`, XML declaration, with a
/// fallback when the bytes contradict the declared charset), then parsed.
///
/// # Errors
/// [`FeedError`] when the text is not a feed feed-rs can read.
pub fn parse_http(
    bytes: &[u8],
    base_url: &str,
    http_charset: Option<&str>,
) -> Result<ParsedFeed, FeedError> {
    let decoded = crate::http::decode::decode_xml(bytes, http_charset);
    let text = late_declarations_neutralized(decoded.text.trim_start());
    let text = text.as_ref();
    let sy = syndication_interval(text);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base_url))
        .sanitize_content(false)
        .id_generator(|links, title, _uri| generated_key(links, title))
        .build();
    // A feed is written by a stranger, and the XML reader under feed-rs has panicked on
    // some malformed input (quick-xml's encoding switch, found by fuzzing:
    // tests/fixtures/fuzz/feed/): that is a feed that cannot be read, not a crash of
    // the poll.
    let feed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser.parse(text.as_bytes())
    }))
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        FeedError(format!("the feed parser failed on this input: {why}"))
    })?
    .map_err(|e| FeedError(e.to_string()))?;
    let ttl = feed
        .ttl
        .filter(|t| *t > 0)
        .map(|t| std::time::Duration::from_secs(u64::from(t) * 60));
    let entries = feed
        .entries
        .into_iter()
        .map(|e| {
            let link = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| e.links.first())
                .map(|l| resolve(base_url, &l.href))
                // RSS 2.0: a <guid> is a permalink unless isPermaLink="false"; an entry
                // with no <link> but an http(s) GUID is read at that address.
                .or_else(|| {
                    let id = e.id.trim();
                    url::Url::parse(id)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"))
                        .map(|u| u.to_string())
                });
            Entry {
                key: e.id.trim().to_string(),
                link,
                title: e.title.as_ref().map(text_of).filter(|t| !t.is_empty()),
                author: e
                    .authors
                    .iter()
                    .filter_map(|p| p.name.as_deref())
                    .map(|n| n.trim().to_string())
                    .find(|n| !n.is_empty()),
                // Placeholder dates (epoch 0, 0001-01-01, far future) are no dates.
                published: e
                    .published
                    .filter(|t| crate::extract::plausible(*t))
                    .or(e.updated.filter(|t| crate::extract::plausible(*t))),
            }
        })
        .collect();
    Ok(ParsedFeed {
        title: feed.title.as_ref().map(text_of).filter(|t| !t.is_empty()),
        entries,
        min_interval: ttl.max(sy),
    })
}

static SY_PERIOD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"<(?:\w+:)?updatePeriod\s*>\s*(\w+)\s*<").expect("regex")
});
static SY_FREQUENCY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"<(?:\w+:)?updateFrequency\s*>\s*(\d+)\s*<").expect("regex")
});

/// The poll interval asked by the RSS 1.0 syndication module: `updatePeriod` (hourly,
/// daily, weekly, monthly, yearly) divided by `updateFrequency` (default 1).
fn syndication_interval(text: &str) -> Option<std::time::Duration> {
    let mut end = text.len().min(64 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let period = SY_PERIOD.captures(head)?;
    let secs: u64 = match period[1].to_ascii_lowercase().as_str() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let freq: u64 = SY_FREQUENCY
        .captures(head)
        .and_then(|c| c[1].parse().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(std::time::Duration::from_secs(secs / freq))
}

/// The identity of an entry without a GUID.
fn generated_key(links: &[feed_rs::model::Link], title: &Option<feed_rs::model::Text>) -> String {
    if let Some(link) = links.first() {
        format!("link:{}", link.href.trim())
    } else {
        let t = title.as_ref().map_or("", |t| t.content.as_str());
        format!("sha256:{}", hex::encode(Sha256::digest(t.as_bytes())))
    }
}

fn resolve(base: &str, href: &str) -> String {
    let href = href.trim();
    url::Url::parse(base)
        .and_then(|b| b.join(href))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| href.to_string())
}

/// Plain text of a feed text construct. RSS titles and Atom `type="html"` text are HTML:
/// after XML parsing they are parsed once more as HTML to decode entities and drop tags.
fn text_of(t: &feed_rs::model::Text) -> String {
    let s = t.content.trim();
    if s.contains('<') || s.contains('&') {
        let frag = scraper::Html::parse_fragment(s);
        crate::text::collapse_ws(&frag.root_element().text().collect::<String>())
    } else {
        crate::text::collapse_ws(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xml_declaration_inside_content_is_no_crash() {
        // Found by fuzzing (tests/fixtures/fuzz/feed/): quick-xml panicked.
        let feed = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet href=\"s.xsl\"?>\
            <rss version=\"2.0\"><channel><title>T</title>\
            <description>News\n<?xml version=\"1.0\" encoding=\"utf-16\"?></description>\
            <item><title>a</title><link>https://ex.test/a</link></item></channel></rss>";
        let parsed =
            parse_http(feed.as_bytes(), "https://ex.test/feed", Some("shift_jis")).unwrap();
        assert_eq!(parsed.title.as_deref(), Some("T"));
        assert_eq!(parsed.entries.len(), 1);
        assert_eq!(
            late_declarations_neutralized(
                "<?xml version=\"1.0\"?><a><?xml-stylesheet x?>\n<?xml\tv?></a>"
            ),
            "<?xml version=\"1.0\"?><a><?xml-stylesheet x?>\n<?_xml\tv?></a>"
        );
    }

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>T</title><link>https://ex.test/</link>
<item><title>With guid</title><link>/a</link><guid isPermaLink="false">g-1</guid>
<pubDate>Sun, 14 Feb 2021 09:30:00 +0000</pubDate><author>x@ex.test (Ann)</author></item>
<item><title>No guid</title><link>https://ex.test/b</link></item>
<item><title>Nothing but a title</title></item>
</channel></rss>"#;

    #[test]
    fn entries_keep_a_stable_identity() {
        let a = parse(RSS.as_bytes(), "https://ex.test/feed.xml").unwrap();
        let b = parse(RSS.as_bytes(), "https://ex.test/feed.xml").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.title.as_deref(), Some("T"));
        assert_eq!(a.entries[0].key, "g-1");
        assert_eq!(a.entries[0].link.as_deref(), Some("https://ex.test/a"));
        assert_eq!(
            a.entries[0].published.unwrap().to_rfc3339(),
            "2021-02-14T09:30:00+00:00"
        );
        assert_eq!(a.entries[1].key, "link:https://ex.test/b");
        assert!(a.entries[2].key.starts_with("sha256:"));
        assert_eq!(a.entries[2].link, None);
    }

    #[test]
    fn html_in_titles_is_decoded_once() {
        let feed = r#"<rss version="2.0"><channel><title>T</title>
<item><title>Library drops &amp;#39;Quiet Hours&amp;#39; pilot</title><guid>1</guid></item>
<item><title>Q&amp;amp;A: Ferry &amp;amp; tram</title><guid>2</guid></item>
</channel></rss>"#;
        let f = parse(feed.as_bytes(), "https://ex.test/").unwrap();
        assert_eq!(
            f.entries[0].title.as_deref(),
            Some("Library drops 'Quiet Hours' pilot")
        );
        assert_eq!(f.entries[1].title.as_deref(), Some("Q&A: Ferry & tram"));
    }

    #[test]
    fn ttl_and_syndication_hints_are_read() {
        let rss = r#"<rss version="2.0"><channel><title>T</title><ttl>120</ttl>
<item><title>a</title><guid>1</guid></item></channel></rss>"#;
        let f = parse(rss.as_bytes(), "https://ex.test/").unwrap();
        assert_eq!(f.min_interval, Some(std::time::Duration::from_secs(7200)));
        let rdf = r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel rdf:about="https://ex.test/"><title>T</title><link>https://ex.test/</link>
<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel>
<item rdf:about="https://ex.test/1"><title>a</title><link>https://ex.test/1</link></item></rdf:RDF>"#;
        let f = parse(rdf.as_bytes(), "https://ex.test/").unwrap();
        assert_eq!(f.min_interval, Some(std::time::Duration::from_secs(43_200)));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"<html><body>not a feed</body></html>", "https://ex.test/").is_err());
        assert!(parse(b"", "https://ex.test/").is_err());
    }
}
