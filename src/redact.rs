//! Secrets never leave: credentials inside URLs are masked in every text stet shows or
//! keeps apart from what it needs to work (logs, errors, the outbox, `stet feeds`,
//! notifications).
//!
//! What is masked, in any text:
//! - the user information of a URL (`https://user:password@host/` becomes
//!   `https://***@host/`, RFC 3986 §3.2.1, which deprecates passwords in URLs);
//! - the values of query parameters that conventionally carry a credential
//!   (`token`, `access_token`, `api_key`, `apikey`, `secret`, `client_secret`,
//!   `password`, `passwd`, `sig`, `signature`): `?token=***`.
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

static SECRET_PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([?&](?:access_token|token|api_key|apikey|client_secret|secret|password|passwd|sig|signature)=)[^&#\s\x22'<>]+",
    )
    .expect("regex")
});

/// `text` with every URL credential masked (see the module documentation).
pub fn text(text: &str) -> Cow<'_, str> {
    let once = USERINFO.replace_all(text, |c: &regex::Captures<'_>| format!("{}{MASK}@", &c[1]));
    match SECRET_PARAM.replace_all(&once, |c: &regex::Captures<'_>| format!("{}{MASK}", &c[1])) {
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
    fn the_writer_masks_each_write() {
        let mut out = Vec::new();
        Writer::new(&mut out)
            .write_all(b"error=http://u:pw@127.0.0.1:9/h\n")
            .unwrap();
        assert_eq!(out, b"error=http://***@127.0.0.1:9/h\n");
    }
}
