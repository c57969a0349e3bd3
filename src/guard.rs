//! Guards against archiving what is not the article: soft error pages (a 200 that says
//! "servers are busy", "page not found" or "subscribe to continue reading") and
//! extraction collapse (a script-rendered shell whose extracted text is a fraction of
//! the stored version's).
//!
//! Both are judged on plain text: the visible text of the whole page (markers often sit
//! outside what the extractor keeps) and the length of the extracted body.

use std::sync::LazyLock;

use regex::Regex;

/// An extraction shorter than this share of the previous version's text is a collapse.
pub const COLLAPSE_RATIO: f64 = 0.5;

/// Content types that are a web page (or may be one, and are sniffed).
const PAGE_TYPES: [&str; 3] = ["text/html", "application/xhtml+xml", "text/xml"];
/// Content types often sent for anything, HTML included: the body decides.
const SNIFFED_TYPES: [&str; 3] = ["text/plain", "application/octet-stream", "application/xml"];
/// How much of a body is sniffed for binary bytes (WHATWG MIME Sniffing, "resource
/// header": 1445 bytes).
const SNIFF_LEN: usize = 1445;

/// Why a fetched article body is not a web page, or None when it is one: a content type
/// that is neither HTML nor a type that is sniffed (`application/pdf`, `image/png`), or
/// a body whose first 1,445 bytes hold a binary data byte (0x00-0x08, 0x0B, 0x0E-0x1A,
/// 0x1C-0x1F: WHATWG MIME Sniffing, section 7.1) without a UTF-16 or UTF-8 byte order
/// mark. Such a body would otherwise become a version of garbage text.
pub fn not_a_page(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    if let Some(ct) = content_type {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !essence.is_empty()
            && !PAGE_TYPES.contains(&essence.as_str())
            && !SNIFFED_TYPES.contains(&essence.as_str())
        {
            return Some(format!("not a web page (Content-Type {essence})"));
        }
    }
    let bom = [&[0xFE, 0xFF][..], &[0xFF, 0xFE], &[0xEF, 0xBB, 0xBF]];
    if bom.iter().any(|b| body.starts_with(b)) {
        return None;
    }
    let binary = body[..body.len().min(SNIFF_LEN)]
        .iter()
        .any(|&b| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F));
    binary.then(|| "not a web page (binary content)".to_string())
}

/// What the guard makes of a fetched, extracted page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The page is the article.
    Usable,
    /// An error, "busy" or paywall page; the reason in words.
    SoftError(String),
    /// The extracted text collapsed against the previous version; the numbers in words.
    Collapsed(String),
}

static MARKERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(servers? (are|is) (busy|overloaded)|temporarily unavailable|service unavailable|high demand|try again (later|in a few minutes)|page not found|404 not found|no longer exists|subscribe to (continue|keep) reading|subscribers? only|read all of your free articles|log ?in to continue reading|sign in to continue reading|access denied|please enable javascript)(?-u:\b)",
    )
    .expect("regex")
});

/// Elements whose content is not visible text.
const HIDDEN: [&[u8]; 4] = [b"script", b"style", b"noscript", b"template"];

fn starts_with_ci(b: &[u8], at: usize, pat: &[u8]) -> bool {
    b.len() >= at + pat.len() && b[at..at + pat.len()].eq_ignore_ascii_case(pat)
}

/// The end of a `</script\s*>` (or another hidden element's end tag) at `at`, if one is.
fn hidden_end_tag(b: &[u8], at: usize) -> Option<usize> {
    if !starts_with_ci(b, at, b"</") {
        return None;
    }
    let name = HIDDEN.iter().find(|n| starts_with_ci(b, at + 2, n))?;
    let mut k = at + 2 + name.len();
    while k < b.len() && b[k].is_ascii_whitespace() {
        k += 1;
    }
    (b.get(k) == Some(&b'>')).then_some(k + 1)
}

/// The visible text of an HTML page, whitespace collapsed (scripts and styles dropped).
///
/// Two passes over the bytes, as the regular expressions they replaced: every
/// `script`, `style`, `noscript` or `template` element is dropped up to the first such end
/// tag (wherever it starts, comments included), then every tag becomes a space. The
/// regexes' Unicode word boundary sent the regex engine to its slowest path on
/// non-ASCII pages (6 ms for a 170 KB page, now a fraction of that).
pub fn page_text(html: &str) -> String {
    let b = html.as_bytes();
    let mut visible = String::with_capacity(html.len());
    let mut i = 0;
    let mut from = 0;
    while let Some(off) = html[from..].find('<') {
        let lt = from + off;
        from = lt + 1;
        // A hidden element: its name, then a character that is not a word character.
        let Some(name) = HIDDEN.iter().find(|n| {
            starts_with_ci(b, lt + 1, n)
                && html[lt + 1 + n.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| !(c.is_alphanumeric() || c == '_'))
        }) else {
            continue;
        };
        let body = lt + 1 + name.len();
        let end = (body..b.len())
            .filter(|&k| b[k] == b'<')
            .find_map(|k| hidden_end_tag(b, k));
        // With no end tag after this start, none follows a later start either.
        let Some(end) = end else { break };
        visible.push_str(&html[i..lt]);
        visible.push(' ');
        i = end;
        from = end;
    }
    visible.push_str(&html[i..]);
    let mut out = String::with_capacity(visible.len());
    let mut i = 0;
    while let Some(off) = visible[i..].find('<') {
        let lt = i + off;
        out.push_str(&visible[i..lt]);
        match visible[lt..].find('>') {
            Some(gt) => {
                out.push(' ');
                i = lt + gt + 1;
            }
            None => {
                out.push('<');
                i = lt + 1;
            }
        }
    }
    out.push_str(&visible[i..]);
    crate::text::collapse_ws(&out)
}

/// The first soft-error marker in `text`, if any.
pub fn marker(text: &str) -> Option<String> {
    MARKERS.find(text).map(|m| m.as_str().to_lowercase())
}

/// Judges a page whose extracted body text has `new_len` characters (None when the
/// extractor found nothing), against the previous version's `prev_len` characters.
///
/// - A page with a soft-error marker is a soft error when its extraction is missing,
///   shorter than the previous version, or (with no previous version) short.
/// - Otherwise an extraction under [`COLLAPSE_RATIO`] of the previous version's is a
///   collapse.
pub fn judge(page_text: &str, new_len: Option<usize>, prev_len: Option<usize>) -> Verdict {
    if let Some(m) = marker(page_text) {
        let suspicious = match (new_len, prev_len) {
            (None, _) => true,
            (Some(n), Some(p)) => (n as f64) < p as f64 * 0.9,
            (Some(n), None) => n < 1500,
        };
        if suspicious {
            return Verdict::SoftError(format!("the page says {m:?}"));
        }
    }
    if let (Some(n), Some(p)) = (new_len, prev_len)
        && p > 0
        && (n as f64) < p as f64 * COLLAPSE_RATIO
    {
        return Verdict::Collapsed(format!(
            "extracted text collapsed to {n} characters from {p} in the stored version"
        ));
    }
    Verdict::Usable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_pages_are_soft_errors() {
        let t = page_text(
            "<title>x</title><script>var a='page not found'</script><p>Our servers are busy right now.</p>",
        );
        assert_eq!(t, "x Our servers are busy right now.");
        assert!(matches!(judge(&t, None, Some(900)), Verdict::SoftError(_)));
        assert!(matches!(judge(&t, Some(40), None), Verdict::SoftError(_)));
    }

    #[test]
    fn collapse_is_judged_against_the_previous_version() {
        assert!(matches!(
            judge("plain", Some(100), Some(1000)),
            Verdict::Collapsed(_)
        ));
        assert_eq!(judge("plain", Some(900), Some(1000)), Verdict::Usable);
        assert_eq!(judge("plain", Some(100), None), Verdict::Usable);
        // A long article that merely mentions a marker is kept.
        assert_eq!(
            judge(
                "the minister said the page not found error",
                Some(5000),
                Some(5000)
            ),
            Verdict::Usable
        );
    }

    #[test]
    fn bodies_that_are_not_web_pages_are_named() {
        let html = b"<!doctype html><html><body><p>Hello</p></body></html>";
        for ct in [
            None,
            Some("text/html; charset=utf-8"),
            Some("TEXT/HTML"),
            Some("application/xhtml+xml"),
            Some("text/plain"),
            Some("application/octet-stream"),
            Some(""),
        ] {
            assert_eq!(not_a_page(ct, html), None, "{ct:?}");
        }
        assert_eq!(
            not_a_page(Some("application/pdf"), b"%PDF-1.4"),
            Some("not a web page (Content-Type application/pdf)".into())
        );
        assert_eq!(
            not_a_page(Some("image/png; q=1"), b"\x89PNG"),
            Some("not a web page (Content-Type image/png)".into())
        );
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend([0x25, 0xE2, 0xE3, 0x01, 0x0C, 0x00]);
        assert_eq!(
            not_a_page(Some("text/html"), &pdf),
            Some("not a web page (binary content)".into())
        );
        assert_eq!(
            not_a_page(None, &pdf),
            Some("not a web page (binary content)".into())
        );
        // Form feeds and escapes are text; UTF-16 with a byte order mark is text.
        assert_eq!(not_a_page(None, b"<p>a\x0cb\x1b[0m</p>"), None);
        assert_eq!(not_a_page(None, &[0xFF, 0xFE, b'<', 0, b'p', 0]), None);
        // A binary byte after the sniffed prefix is not looked at.
        let mut late = vec![b' '; SNIFF_LEN];
        late.push(0);
        assert_eq!(not_a_page(None, &late), None);
    }
}

#[cfg(test)]
mod page_text_tests {
    use std::io::Read;

    /// The regular expressions that `page_text` replaced, as its definition.
    fn by_regex(html: &str) -> String {
        let scripts = regex::Regex::new(
            r"(?is)<(script|style|noscript|template)\b.*?</(script|style|noscript|template)\s*>",
        )
        .unwrap();
        let tags = regex::Regex::new(r"(?s)<[^>]*>").unwrap();
        crate::text::collapse_ws(&tags.replace_all(&scripts.replace_all(html, " "), " "))
    }

    #[test]
    fn page_text_equals_its_regex_definition() {
        let mut cases: Vec<String> = [
            "<p>a<script>x</script>b<STYLE >y</style  >c</p>",
            "<!-- <script>gtm()</script> -->text<noscript>no</noscript>",
            "<scripts>kept</scripts> a < b <template>t</TEMPLATE> <script>open",
            "plain <b>bold</b> <i",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut files: Vec<_> = std::fs::read_dir("benches/data")
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for p in files
            .iter()
            .filter(|p| p.to_string_lossy().ends_with(".gz"))
            .take(6)
        {
            let mut s = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
                .read_to_string(&mut s)
                .unwrap();
            cases.push(s);
        }
        for c in &cases {
            assert_eq!(
                super::page_text(c),
                by_regex(c),
                "{}",
                &c[..c.len().min(80)]
            );
        }
    }
}
