//! Secrets never leave: credentials inside URLs are masked in every text stet shows or
//! keeps apart from what it needs to work (logs, errors, the outbox, `stet feeds`,
//! notifications).
//!
//! What is masked, in any text:
//! - the user information of a URL (`https://user:password@host/` becomes
//!   `https://***@host/`, RFC 3986 §3.2.1, which deprecates passwords in URLs);
//! - the value of every query (or fragment) parameter whose name, compared without case,
//!   is one of the secret words [`SECRET_WORDS`] or ends with one after `-`, `_` or `.`
//!   (`token`, `X-Amz-Security-Token`, `X-Amz-Signature`, `access_key`, `client_secret`,
//!   `sessionid`, `auth`): `?token=***`. Names such as `page`, `id`, `utm_source` or
//!   `monkey` are left alone; `code` (an OAuth authorization code, [`SECRET_NAMES`]) only
//!   as the whole name. A `:`, `,`, `.`, `;`, `)` or `!` that ends the value and is
//!   followed by white space, a quote or the end of the text belongs to the sentence
//!   around the URL (`GET http://h/?token=abc: failed`), and stays outside the mask.
//!
//! The logs pass through [`Writer`], so that nothing a library logs (at any level)
//! escapes either.

use std::borrow::Cow;
use std::io::Write;
use std::sync::LazyLock;

use regex::Regex;

/// The mask that replaces a secret.
pub const MASK: &str = "***";

static USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    // scheme "://" userinfo "@": userinfo has no "/", "?", "#", "@" or white space.
    Regex::new(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#@\s]+@").expect("regex")
});

/// The words that make a query parameter secret, as its whole name or as the name's last
/// part after `-`, `_` or `.` (case-insensitive): tokens, keys, signatures, passwords,
/// session ids and credentials (AWS SigV4's `X-Amz-Credential`, `X-Amz-Security-Token`,
/// `X-Amz-Signature`).
pub const SECRET_WORDS: [&str; 22] = [
    "token",
    "accesstoken",
    "authtoken",
    "refreshtoken",
    "signature",
    "sig",
    "key",
    "apikey",
    "accesskey",
    "secret",
    "clientsecret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "session",
    "sessionid",
    "sid",
];

/// Names that make a parameter secret only as the whole name: an OAuth 2.0 authorization
/// code (RFC 6749 §4.1.2), while `country_code` is ordinary.
pub const SECRET_NAMES: [&str; 1] = ["code"];

static SECRET_PARAM: LazyLock<Regex> = LazyLock::new(|| {
    // A parameter starts after "?", "&", ";" or "#"; its name may have any parts before
    // the secret word, each ending with "-", "_" or ".".
    Regex::new(&format!(
        r"(?i)([?&;#](?:(?:[a-z0-9\[\]]*[\-_.])*(?:{})|{})=)([^&#\s\x22'<>]+)",
        SECRET_WORDS.join("|"),
        SECRET_NAMES.join("|")
    ))
    .expect("regex")
});

/// Characters that end a sentence or a clause when they end a masked value.
const TRAILING: &[char] = &[':', ',', '.', ';', ')', '!'];

/// `text` with every URL credential masked (see the module documentation).
pub fn text(text: &str) -> Cow<'_, str> {
    let once = USERINFO.replace_all(text, |c: &regex::Captures<'_>| format!("{}{MASK}@", &c[1]));
    let masked = SECRET_PARAM.replace_all(&once, |c: &regex::Captures<'_>| {
        let value = c.get(2).expect("group 2");
        // The punctuation of the sentence around the URL stays: the value ends where the
        // text or a word ends.
        let ends_sentence = once[value.end()..]
            .chars()
            .next()
            .is_none_or(|n| n.is_whitespace() || matches!(n, '"' | '\'' | '<' | '>'));
        let kept = if ends_sentence {
            value.as_str().trim_end_matches(TRAILING)
        } else {
            value.as_str()
        };
        if kept.is_empty() {
            return c[0].to_string();
        }
        format!("{}{MASK}{}", &c[1], &value.as_str()[kept.len()..])
    });
    match masked {
        Cow::Borrowed(_) => once,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// An owned copy of [`text`].
pub fn string(s: &str) -> String {
    text(s).into_owned()
}

/// A log writer that masks credentials before the bytes reach `inner` (stderr).
/// tracing-subscriber's formatter writes each event with one `write_all`, so an event is
/// masked whole.
pub struct Writer<W: Write> {
    inner: W,
}

impl<W: Write> Writer<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Writer<W> {
        Writer { inner }
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let s = String::from_utf8_lossy(buf);
        self.inner.write_all(text(&s).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Makes masking writers to stderr, for `tracing_subscriber::fmt().with_writer(..)`.
pub fn stderr() -> Writer<std::io::Stderr> {
    Writer::new(std::io::stderr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_masked() {
        assert_eq!(
            text("POST http://alice:s3cret@hooks.example/x failed"),
            "POST http://***@hooks.example/x failed"
        );
        assert_eq!(
            text("see https://TOKEN123@example.org/feed?x=1&token=abc&y=2#f"),
            "see https://***@example.org/feed?x=1&token=***&y=2#f"
        );
        assert_eq!(
            text("https://h.example/hook?api_key=k1&Signature=zz"),
            "https://h.example/hook?api_key=***&Signature=***"
        );
        // Nothing to mask: unchanged, not copied.
        assert!(matches!(
            text("mail me at a@b.example, see https://x.example/a@b"),
            Cow::Borrowed(_)
        ));
        assert_eq!(text("url (http://u:p@h/) and"), "url (http://***@h/) and");
    }

    #[test]
    fn every_parameter_named_like_a_secret_is_masked() {
        assert_eq!(
            text(
                "GET https://b.example/o?X-Amz-Security-Token=T1&X-Amz-Signature=S1&key=K1&auth=A1&access_key=AK1&page=2&id=7&utm_source=x&monkey=m&client_secret=CS&sessionid=SI&X-Amz-Credential=C1"
            ),
            "GET https://b.example/o?X-Amz-Security-Token=***&X-Amz-Signature=***&key=***&auth=***&access_key=***&page=2&id=7&utm_source=x&monkey=m&client_secret=***&sessionid=***&X-Amz-Credential=***"
        );
        assert_eq!(
            text("http://h/cb#access_token=AT&state=s;api-key=Z"),
            "http://h/cb#access_token=***&state=s;api-key=***"
        );
        assert_eq!(
            text("http://h/?keyword=k&tokens=t&country_code=FR&code=C"),
            "http://h/?keyword=k&tokens=t&country_code=FR&code=***"
        );
    }

    #[test]
    fn the_punctuation_of_the_sentence_stays_outside_the_mask() {
        assert_eq!(
            text(
                "article failed: http://127.0.0.1:18211/missing.html?token=abc: http_status failed: HTTP 404"
            ),
            "article failed: http://127.0.0.1:18211/missing.html?token=***: http_status failed: HTTP 404"
        );
        assert_eq!(
            text("see (http://h/?sig=a.b), then http://h/?sig=c. And \"http://h/?sig=d,\""),
            "see (http://h/?sig=***), then http://h/?sig=***. And \"http://h/?sig=***,\""
        );
        // Inside the URL, the punctuation is part of the value.
        assert_eq!(text("http://h/?sig=a.b.&x=1"), "http://h/?sig=***&x=1");
        assert_eq!(text("http://h/?sig=abc:"), "http://h/?sig=***:");
    }

    #[test]
    fn the_writer_masks_each_write() {
        let mut out = Vec::new();
        Writer::new(&mut out)
            .write_all(b"error=http://u:pw@127.0.0.1:9/h\n")
            .unwrap();
        assert_eq!(out, b"error=http://***@127.0.0.1:9/h\n");
    }
}
