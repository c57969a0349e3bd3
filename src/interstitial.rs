//! Consent and login interstitials: a page that stands between the reader and the
//! article (a cookie-consent wall, a "sign in to continue" page), often reached by a
//! redirect to another site (a consent manager's host). Such a page is never a version
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
    let page_chars = page_text.chars().count();
    let short = page_chars < SHORT_PAGE && extracted_chars.is_none_or(|n| n < SHORT_ARTICLE);
    if !short {
        return None;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
