//! Consent and login interstitials: a page that stands between the reader and the
//! article (a cookie-consent wall, a "sign in to continue" page), often reached by a
//! redirect to another site (a consent manager's host), or by a meta refresh on a short
//! page served in place of the article ([`detect_refresh`]). Such a page is never a version
//! and never a report; the poll records it in the fetch log with the outcome
//! `interstitial` and the stage `extract`, and re-checks the article as usual.

use std::sync::LazyLock;

use regex::Regex;

/// Words of a cookie-consent wall (English, French, German, Spanish, Italian).
static CONSENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:we value your privacy|we care about your privacy|your privacy choices|before you continue|(?:accept|reject|refuse|allow) all(?: cookies)?|manage (?:cookie |your )?(?:preferences|settings|options|choices)|cookie (?:consent|settings|preferences)|use cookies (?:and similar technologies )?to|nous respectons votre vie privée|tout accepter|accepter et fermer|wir verwenden cookies|alle akzeptieren|aceptar (?:todo|todas|cookies)|accetta tutti)\b",
    )
    .expect("regex")
});

/// Words of a login or registration wall.
static LOGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(?:sign|log) ?in to (?:continue|read|keep reading)|create a free account|register to (?:continue|read)|already a subscriber|please (?:sign|log) ?in|connectez-vous pour (?:continuer|lire)|melden sie sich an|inicia sesión para)\b",
    )
    .expect("regex")
});

/// A page whose visible text is shorter than this (characters) and carries the words of
/// a wall may be an interstitial.
pub const SHORT_PAGE: usize = 2000;

/// An extraction shorter than this (characters) is no article.
pub const SHORT_ARTICLE: usize = 600;

/// Why a fetched page is a consent or login interstitial rather than the article, or
/// None. `page_text` is the page's visible text ([`crate::guard::page_text`]),
/// `article_url` the address asked for, `final_url` the address after redirects,
/// `extracted_chars` the length of the extracted text (None when nothing was found).
///
/// A page carrying the words of a consent or login wall is an interstitial when a
/// redirect took the request to another site (scheme, host or port) and the page and its
/// extraction are short ([`SHORT_PAGE_ELSEWHERE`], [`SHORT_ELSEWHERE`]), or when the page is short ([`SHORT_PAGE`]) and its
/// extraction is no article ([`SHORT_ARTICLE`]).
pub fn detect(
    page_text: &str,
    article_url: &str,
    final_url: &url::Url,
    extracted_chars: Option<usize>,
) -> Option<String> {
    // Length first: the wording regexes match Unicode word boundaries, which over a whole
    // page of non-ASCII text run on the slow engine, on the writer task.
    let page_chars = page_text.chars().count();
    let short = page_chars < SHORT_PAGE && extracted_chars.is_none_or(|n| n < SHORT_ARTICLE);
    if !short {
        return None;
    }
    let kind = if CONSENT.is_match(page_text) {
        "consent"
    } else if LOGIN.is_match(page_text) {
        "login"
    } else {
        return None;
    };
    let host = |u: &url::Url| match u.port() {
        Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
        None => u.host_str().unwrap_or("").to_string(),
    };
    let elsewhere = url::Url::parse(article_url).is_ok_and(|a| a.origin() != final_url.origin());
    Some(if elsewhere {
        format!(
            "{kind} interstitial at {} (redirected from the article), not the article",
            host(final_url)
        )
    } else {
        format!(
            "{kind} interstitial at {}, not the article",
            host(final_url)
        )
    })
}

/// A `<meta>` element (its attributes).
static META: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<meta\b([^>]*)>").expect("regex"));

/// `http-equiv="refresh"` and `content="0; url=..."` in a `<meta>` element's attributes.
static REFRESH: LazyLock<(Regex, Regex)> = LazyLock::new(|| {
    (
        Regex::new(r#"(?i)http-equiv\s*=\s*["']?\s*refresh\b"#).expect("regex"),
        Regex::new(
            r#"(?is)content\s*=\s*(?:"\s*(\d+)(?:\.\d*)?\s*[;,]\s*(?:url\s*=\s*)?['"]?([^"']+)|'\s*(\d+)(?:\.\d*)?\s*[;,]\s*(?:url\s*=\s*)?"?([^'"]+))"#,
        )
        .expect("regex"),
    )
});

/// A meta refresh is read in the first this many bytes of the page (its head).
const REFRESH_HEAD: usize = 16 * 1024;

/// A meta refresh that sends the reader on after at most this many seconds stands in
/// for a redirect.
const REFRESH_MAX_DELAY: u64 = 10;

/// The address a page sends the reader on to with a meta refresh (`<meta
/// http-equiv="refresh" content="0;url=https://consent.test/">`, HTML Living Standard
/// §4.2.5.3, the "refresh" pragma), when it does so within [`REFRESH_MAX_DELAY`] seconds
/// to another address than `page_url` (relative targets resolved against it), else None.
pub fn meta_refresh(html: &[u8], page_url: &url::Url) -> Option<url::Url> {
    let head = String::from_utf8_lossy(&html[..html.len().min(REFRESH_HEAD)]);
    if !head.to_ascii_lowercase().contains("refresh") {
        return None;
    }
    let (equiv, content) = &*REFRESH;
    META.captures_iter(&head).find_map(|m| {
        let attrs = m.get(1)?.as_str();
        if !equiv.is_match(attrs) {
            return None;
        }
        let c = content.captures(attrs)?;
        let delay: u64 = c.get(1).or(c.get(3))?.as_str().parse().ok()?;
        let target = c.get(2).or(c.get(4))?.as_str().trim();
        let target = page_url.join(target).ok()?;
        let same = |a: &url::Url, b: &url::Url| {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.set_fragment(None);
            b.set_fragment(None);
            a == b
        };
        (delay <= REFRESH_MAX_DELAY && !same(&target, page_url)).then_some(target)
    })
}

/// Why a fetched page is a redirect page in place of the article (a short page whose
/// meta refresh sends the reader on to another address, such as a consent manager), or
/// None. `html` is the page as fetched, `page_text` its visible text, `final_url` its
/// address, `extracted_chars` the length of the extracted text (None when nothing was
/// found). Like a consent wall, it is an interstitial when the page is short
/// ([`SHORT_PAGE`]) and its extraction is no article ([`SHORT_ARTICLE`]).
pub fn detect_refresh(
    html: &[u8],
    page_text: &str,
    final_url: &url::Url,
    extracted_chars: Option<usize>,
) -> Option<String> {
    if page_text.chars().count() >= SHORT_PAGE
        || extracted_chars.is_some_and(|n| n >= SHORT_ARTICLE)
    {
        return None;
    }
    let target = meta_refresh(html, final_url)?;
    let host = |u: &url::Url| match u.port() {
        Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
        None => u.host_str().unwrap_or("").to_string(),
    };
    Some(format!(
        "refresh interstitial at {} (a meta refresh to {}), not the article",
        host(final_url),
        host(&target)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_page_that_refreshes_elsewhere_is_an_interstitial() {
        let at = |u: &str| url::Url::parse(u).unwrap();
        let page = br#"<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.4:8811/consent"><title>Redirecting</title></head><body><p>Redirecting&hellip;</p></body></html>"#;
        assert_eq!(
            detect_refresh(
                page,
                "Redirecting…",
                &at("http://127.0.0.1:8811/a"),
                Some(12)
            )
            .as_deref(),
            Some(
                "refresh interstitial at 127.0.0.1:8811 (a meta refresh to 127.0.0.4:8811), not the article"
            )
        );
        // Attributes in any order, quotes of either kind, a relative target.
        assert_eq!(
            meta_refresh(
                b"<META CONTENT='3; URL=/consent?x=1' HTTP-EQUIV='Refresh'>",
                &at("http://news.test/a")
            )
            .map(|u| u.to_string()),
            Some("http://news.test/consent?x=1".to_string())
        );
        // A page that reloads itself, or refreshes after minutes, is the article.
        assert_eq!(
            meta_refresh(
                b"<meta http-equiv=\"refresh\" content=\"300\">",
                &at("http://news.test/a")
            ),
            None
        );
        assert_eq!(
            meta_refresh(
                b"<meta http-equiv=\"refresh\" content=\"600;url=/a\">",
                &at("http://news.test/a")
            ),
            None
        );
        assert_eq!(
            meta_refresh(
                b"<meta http-equiv=\"refresh\" content=\"0;url=/a#top\">",
                &at("http://news.test/a")
            ),
            None
        );
        // An article with a refresh is the article.
        assert_eq!(
            detect_refresh(
                page,
                &"The council met. ".repeat(200),
                &at("http://news.test/a"),
                Some(3400)
            ),
            None
        );
    }

    #[test]
    fn walls_elsewhere_or_alone_are_interstitials() {
        let at = |u: &str| url::Url::parse(u).unwrap();
        let wall = "Before you continue We value your privacy Accept all Reject all";
        assert_eq!(
            detect(
                wall,
                "https://news.test/a",
                &at("https://consent.test/?c=1"),
                None
            )
            .as_deref(),
            Some(
                "consent interstitial at consent.test (redirected from the article), not the article"
            )
        );
        assert_eq!(
            detect(
                "Sign in to continue reading. Create a free account.",
                "https://news.test/a",
                &at("https://news.test/a"),
                Some(40)
            )
            .as_deref(),
            Some("login interstitial at news.test, not the article")
        );
        // An article with a cookie banner is the article.
        let article = format!("{wall} {}", "The council met on Monday. ".repeat(100));
        assert_eq!(
            detect(
                &article,
                "https://news.test/a",
                &at("https://news.test/a"),
                Some(2700)
            ),
            None
        );
        // A tracking redirect to an article with a cookie banner is the article.
        assert_eq!(
            detect(
                &article,
                "https://t.test/r/1",
                &at("https://news.test/a"),
                Some(2700)
            ),
            None
        );
        // A redirect to another site without a wall (a tracking redirect) is no interstitial.
        assert_eq!(
            detect(
                "The council met.",
                "https://t.test/r/1",
                &at("https://news.test/a"),
                Some(20)
            ),
            None
        );
    }
}
