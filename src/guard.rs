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
        r"(?i)\b(servers? (are|is) (busy|overloaded)|temporarily unavailable|service unavailable|high demand|try again (later|in a few minutes)|page not found|404 not found|no longer exists|subscribe to (continue|keep) reading|subscribers? only|read all of your free articles|log ?in to continue reading|sign in to continue reading|access denied|please enable javascript)\b",
    )
    .expect("regex")
});

static SCRIPTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(script|style|noscript|template)\b.*?</(script|style|noscript|template)\s*>")
        .expect("regex")
});
static TAGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("regex"));

/// The visible text of an HTML page, whitespace collapsed (scripts and styles dropped).
pub fn page_text(html: &str) -> String {
    let no_scripts = SCRIPTS.replace_all(html, " ");
    let text = TAGS.replace_all(&no_scripts, " ");
    crate::text::collapse_ws(&text)
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
}
