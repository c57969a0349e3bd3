//! Character decoding of HTML pages, following the WHATWG Encoding Standard and the HTML
//! standard's "determining the character encoding" algorithm.
//!
//! Order of precedence:
//! 1. a byte order mark (UTF-8, UTF-16LE/BE): the standard lets it override everything;
//! 2. the `charset` parameter of the HTTP `Content-Type` header;
//! 3. a `<meta charset>` or `<meta http-equiv="Content-Type" content="...; charset=">`
//!    in the first 1024 bytes (the prescan);
//! 4. otherwise a guess from the bytes by chardetng (the "autodetection" step the HTML
//!    standard allows), which picks UTF-8 for valid UTF-8 and a legacy encoding such as
//!    windows-1252 otherwise.
//!
//! Labels map through [`encoding_rs::Encoding::for_label`], so `iso-8859-1` and
//! `latin1` mean windows-1252 as the WHATWG table says. A declared UTF-16 in a meta tag
//! means UTF-8 (the prescan rule), and an unknown label is skipped.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use regex::bytes::Regex;

/// Which rule chose the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A byte order mark.
    Bom,
    /// The HTTP `Content-Type` charset parameter.
    Http,
    /// A `<meta>` declaration.
    Meta,
    /// A guess from the bytes.
    Guess,
}

/// The decoded text of a page and how its encoding was chosen.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text, without a BOM. Malformed sequences become U+FFFD.
    pub text: String,
    /// The encoding used.
    pub encoding: &'static Encoding,
    /// The rule that chose it.
    pub source: Source,
}

/// Returns the `charset` parameter of a `Content-Type` value, without quotes.
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|v| !v.is_empty())
    })
}

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_:.+-]+)"#).expect("regex")
});

/// Finds the encoding declared by a `<meta>` tag in the first 1024 bytes.
pub fn prescan_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    for caps in META_CHARSET.captures_iter(head) {
        if let Some(enc) = Encoding::for_label(&caps[1]) {
            // The HTML prescan turns a declared UTF-16 into UTF-8: the bytes being
            // scanned as ASCII prove it is not UTF-16.
            return Some(if enc == UTF_16LE || enc == UTF_16BE {
                UTF_8
            } else {
                enc
            });
        }
    }
    None
}

/// Decodes an HTML page. `http_charset` is the `Content-Type` charset parameter, if any.
pub fn decode_html(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    let (encoding, source) = if let Some((enc, _)) = Encoding::for_bom(bytes) {
        (enc, Source::Bom)
    } else if let Some(enc) = http_charset.and_then(|l| Encoding::for_label(l.as_bytes())) {
        (enc, Source::Http)
    } else if let Some(enc) = prescan_meta(bytes) {
        (enc, Source::Meta)
    } else {
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        detector.feed(bytes, true);
        (
            detector.guess(None, chardetng::Utf8Detection::Allow),
            Source::Guess,
        )
    };
    // `decode` sniffs and strips a BOM itself; with no BOM it uses `encoding`.
    let (text, used, _had_errors) = encoding.decode(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: used,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_parameter_is_read_with_or_without_quotes() {
        assert_eq!(
            charset_param("text/html; charset=ISO-8859-1"),
            Some("ISO-8859-1")
        );
        assert_eq!(charset_param("text/html;charset=\"utf-8\""), Some("utf-8"));
        assert_eq!(charset_param("text/html"), None);
    }

    #[test]
    fn iso_8859_1_label_means_windows_1252() {
        let page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"></head><body>\x93caf\xe9\x94 \x80</body></html>";
        let d = decode_html(page, None);
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(d.source, Source::Meta);
        assert!(d.text.contains("\u{201c}café\u{201d} €"), "{}", d.text);
    }

    #[test]
    fn http_charset_beats_meta_and_bom_beats_both() {
        let page = "<meta charset=\"windows-1252\"><p>é</p>".as_bytes();
        let d = decode_html(page, Some("utf-8"));
        assert_eq!(d.source, Source::Http);
        assert!(d.text.contains("<p>é</p>"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(page);
        let d = decode_html(&bom, Some("windows-1252"));
        assert_eq!(d.source, Source::Bom);
        assert!(d.text.starts_with("<meta"));
        assert!(d.text.contains("<p>é</p>"));
    }

    #[test]
    fn undeclared_pages_are_guessed() {
        let d = decode_html("<p>Ålesund – “quoted”</p>".as_bytes(), None);
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.source, Source::Guess);
        let d = decode_html(b"<p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>", None);
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1252);
        assert!(d.text.contains("café crème brûlée"));
    }
}
