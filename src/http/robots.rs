//! robots.txt (RFC 9309): fetched once per origin, kept for 24 hours, obeyed for feeds
//! and article pages under the product token of the configured `User-Agent` (the part
//! before the first `/`, e.g. `stet`). Parsing and matching are texting_robots's, which
//! follows RFC 9309 and Google's reference tests.
//!
//! Status handling follows RFC 9309 §2.3.1: a 2xx file is parsed; 4xx ("unavailable")
//! allows everything; 5xx or an unreachable server ("unreachable") disallows everything
//! for now, and is not cached, so the next cycle asks again.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How long a fetched robots.txt is trusted: 24 hours (RFC 9309 §2.4 asks for at most
/// 24 hours unless unreachable).
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);

/// Bytes of robots.txt parsed at most: RFC 9309 §2.5 requires at least 500 KiB.
pub const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// A cached robots.txt fetch, as stored in the `robots` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotsEntry {
    /// `scheme://host[:port]`.
    pub origin: String,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// HTTP status of the fetch.
    pub status: Option<u16>,
    /// The file's bytes (empty unless 2xx).
    pub body: Vec<u8>,
}

impl RobotsEntry {
    /// True while the entry is younger than [`ROBOTS_TTL`] at `now`.
    pub fn fresh(&self, now: DateTime<Utc>) -> bool {
        now - self.fetched_at < crate::schedule::delta(ROBOTS_TTL)
    }
}

/// The rules of one origin for one product token.
pub enum Rules {
    /// Everything allowed (4xx, or an empty or unparsable file).
    AllowAll,
    /// Nothing allowed (5xx or unreachable).
    DisallowAll(String),
    /// The parsed file.
    Parsed(Box<texting_robots::Robot>),
}

impl Rules {
    /// The rules that `entry` gives `token`.
    pub fn new(entry: &RobotsEntry, token: &str) -> Rules {
        match entry.status {
            Some(s) if (200..300).contains(&s) => {
                match texting_robots::Robot::new(token, &entry.body) {
                    Ok(r) => Rules::Parsed(Box::new(r)),
                    Err(_) => Rules::AllowAll,
                }
            }
            Some(s) if (400..500).contains(&s) => Rules::AllowAll,
            Some(s) => Rules::DisallowAll(format!("robots.txt answered HTTP {s}")),
            None => Rules::DisallowAll("robots.txt unreachable".into()),
        }
    }

    /// Whether `url` may be fetched. `/robots.txt` itself always may.
    pub fn allowed(&self, url: &url::Url) -> bool {
        if url.path() == "/robots.txt" {
            return true;
        }
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll(_) => false,
            Rules::Parsed(r) => r.allowed(url.as_str()),
        }
    }

    /// The `Crawl-delay` asked for this token, if any.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::Parsed(r) => r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(3600.0))),
            _ => None,
        }
    }
}

/// The product token of a `User-Agent` value: `stet/0.1.0 (+url)` → `stet`.
pub fn product_token(user_agent: &str) -> String {
    let t: String = user_agent
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if t.is_empty() { "stet".into() } else { t }
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(status: Option<u16>, body: &str) -> RobotsEntry {
        RobotsEntry {
            origin: "https://ex.test".into(),
            fetched_at: Utc::now(),
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_token_group_decides() {
        let e = entry(
            Some(200),
            "User-agent: *\nDisallow: /private/\n\nUser-agent: stet\nDisallow: /no-stet/\nCrawl-delay: 2\n",
        );
        let r = Rules::new(&e, &product_token("stet/0.1.0 (+https://x)"));
        let u = |p: &str| url::Url::parse(&format!("https://ex.test{p}")).unwrap();
        assert!(!r.allowed(&u("/no-stet/a")));
        assert!(
            r.allowed(&u("/private/a")),
            "the stet group replaces the * group"
        );
        assert!(r.allowed(&u("/robots.txt")));
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn status_codes_follow_rfc_9309() {
        let u = url::Url::parse("https://ex.test/a").unwrap();
        assert!(Rules::new(&entry(Some(404), ""), "stet").allowed(&u));
        assert!(!Rules::new(&entry(Some(503), ""), "stet").allowed(&u));
        assert!(!Rules::new(&entry(None, ""), "stet").allowed(&u));
    }
}
