//! Fuzz targets: the code that reads what strangers write (feeds, page bytes, HTML) and
//! the text and diff code that every stored page goes through, each as a function of
//! arbitrary bytes that must never panic, hang or allocate without bound.
//!
//! The same functions run under cargo-fuzz (libFuzzer, `fuzz/fuzz_targets/*.rs`, see
//! the README) and in `cargo test` as a bounded smoke run over mutated fixtures
//! (`tests/fuzz_smoke.rs`). A crash found either way becomes a fixture test.

use crate::{diff, extract, feed, guard, http, text};

/// Charset labels a target picks from with its first byte (None: no HTTP charset).
const CHARSETS: [Option<&str>; 8] = [
    None,
    Some("utf-8"),
    Some("windows-1252"),
    Some("iso-8859-1"),
    Some("shift_jis"),
    Some("utf-16le"),
    Some("gb18030"),
    Some("x-unknown-label"),
];

/// Splits off the first byte as a choice among `n`; the rest is the input.
fn choice(data: &[u8], n: usize) -> (usize, &[u8]) {
    match data.split_first() {
        Some((b, rest)) => (usize::from(*b) % n, rest),
        None => (0, data),
    }
}

/// Feed parsing ([`feed::parse_http`]) of arbitrary bytes with an HTTP charset chosen by
/// the first byte. Every entry has a non-empty key, and every link is an absolute URL.
pub fn feed(data: &[u8]) {
    let (c, body) = choice(data, CHARSETS.len());
    if let Ok(parsed) = feed::parse_http(body, "https://example.org/feed/", CHARSETS[c]) {
        for e in &parsed.entries {
            assert!(!e.key.is_empty(), "an entry without a key");
        }
    }
}

/// Content codings: names the first byte picks.
const CODINGS: [&str; 5] = ["gzip", "deflate", "br", "gzip, br", "identity"];

/// Charset decoding of HTML and XML ([`http::decode`]) and content-coding decoding
/// ([`http::coding`], capped at 1 MiB) of arbitrary bytes. Decoded text is valid UTF-8
/// by construction; the decoder never returns more than its cap.
pub fn charset(data: &[u8]) {
    let (c, body) = choice(data, CHARSETS.len() * CODINGS.len());
    let cs = CHARSETS[c % CHARSETS.len()];
    let html = http::decode::decode_html(body, cs);
    let _ = http::decode::decode_xml(body, cs);
    let _ = http::decode::prescan_meta(body);
    let _ = guard::not_a_page(Some("text/html"), body);
    assert!(!html.encoding.name().is_empty());
    const CAP: u64 = 1 << 20;
    let mut d = http::coding::Decoder::new(Some(CODINGS[c / CHARSETS.len()]), CAP);
    if d.write(body).is_ok()
        && let Ok(out) = d.finish()
    {
        assert!(out.len() as u64 <= CAP);
    }
}

/// HTML extraction ([`extract::extract`]) and the guard's page text of arbitrary bytes
/// taken as (lossy) UTF-8.
pub fn extract(data: &[u8]) {
    let html = String::from_utf8_lossy(data);
    let _ = guard::page_text(&html);
    let _ = text::html_to_text(&html, None);
    if let Ok(x) = extract::extract(&html, "https://example.org/2024/01/a-page/") {
        let _ = text::normalize_for_hash(&x.text);
    }
}

/// Text normalization and every diff form of two texts (the input split at its first
/// NUL byte). A text diffed with itself has no hunks and an empty unified diff.
pub fn text_diff(data: &[u8]) {
    let (old, new) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len() / 2..]),
    };
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    for t in [&old, &new] {
        let _ = text::normalize_for_hash(t);
        let _ = text::collapse_ws(t);
        for p in t.lines() {
            let _ = text::sentences(p, None);
        }
    }
    let _ = diff::unified(&old, &new, "a", "b");
    let _ = diff::word(&old, &new, diff::Marks::Plain);
    let _ = diff::html_fragment(&old, &new);
    let _ = diff::hunks(&old, &new);
    assert!(
        diff::hunks(&old, &old).is_empty(),
        "a text differs from itself"
    );
    assert_eq!(diff::unified(&new, &new, "a", "b"), "");
}

/// A fuzz target: arbitrary bytes in, a panic on a bug.
pub type Target = fn(&[u8]);

/// Every target by name, as cargo-fuzz and the smoke run know them.
pub const TARGETS: [(&str, Target); 4] = [
    ("feed", feed),
    ("charset", charset),
    ("extract", extract),
    ("text_diff", text_diff),
];
