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

static XML_DECL_ENCODING: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"^\s*<\?xml[^>]*?\bencoding\s*=\s*["']\s*([A-Za-z0-9._:-]+)\s*["']"#)
        .expect("regex")
});

/// The `encoding` of an XML declaration (single or double quotes) at the start of
/// `bytes`, read as ASCII.
pub fn xml_declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    let caps = XML_DECL_ENCODING.captures(&head)?;
    Encoding::for_label(caps[1].as_bytes())
}

/// Decodes an XML (or JSON) feed to UTF-8 text.
///
/// Precedence (RFC 7303 §3 and XML 1.0 Appendix F): a byte order mark, then the HTTP
/// `charset` parameter, then the XML declaration's `encoding`, else UTF-8. When the
/// chosen charset is contradicted by the bytes (a declared UTF-8 that is not valid
/// UTF-8, a declared single-byte charset on bytes that are valid non-ASCII UTF-8, or a
/// declared UTF-16 on ASCII bytes), the bytes win: valid UTF-8 is read as UTF-8, and
/// anything else as chardetng guesses. The returned text has no BOM, and its XML
/// declaration (if any) says `UTF-8`, so that an XML parser reads it as it is.
pub fn decode_xml(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    let declared = if let Some((enc, _)) = Encoding::for_bom(bytes) {
        Some((enc, Source::Bom))
    } else if let Some(enc) = http_charset.and_then(|l| Encoding::for_label(l.as_bytes())) {
        Some((enc, Source::Http))
    } else {
        xml_declared(bytes).map(|e| (e, Source::Meta))
    };
    let valid_utf8 = std::str::from_utf8(bytes).is_ok();
    let (encoding, source) = match declared {
        Some((enc, Source::Bom)) => (enc, Source::Bom),
        Some((enc, src)) => {
            let contradicted = if enc == UTF_8 {
                !valid_utf8
            } else if enc == UTF_16LE || enc == UTF_16BE {
                !bytes.contains(&0)
            } else {
                valid_utf8 && !bytes.is_ascii() && enc.is_single_byte()
            };
            if contradicted {
                (guess(bytes, valid_utf8), Source::Guess)
            } else {
                (enc, src)
            }
        }
        None if valid_utf8 => (UTF_8, Source::Guess),
        None => (guess(bytes, false), Source::Guess),
    };
    let (text, used, _) = encoding.decode(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let text = match XML_DECL_ENCODING.captures(text).and_then(|c| c.get(1)) {
        Some(m) => format!("{}UTF-8{}", &text[..m.start()], &text[m.end()..]),
        None => text.to_string(),
    };
    Decoded {
        text,
        encoding: used,
        source,
    }
}

fn guess(bytes: &[u8], valid_utf8: bool) -> &'static Encoding {
    if valid_utf8 {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_charsets_follow_the_precedence_and_yield_to_the_bytes() {
        // Declaration in single quotes, ISO-8859-1 bytes.
        let d = decode_xml(
            b"<?xml version='1.0' encoding='iso-8859-1'?><t>caf\xe9</t>",
            None,
        );
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(d.text, "<?xml version='1.0' encoding='UTF-8'?><t>café</t>");
        // The HTTP charset beats the declaration.
        let d = decode_xml(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>caf\xe9</t>",
            Some("windows-1252"),
        );
        assert_eq!(d.source, Source::Http);
        assert!(d.text.ends_with("<t>café</t>"));
        // A BOM beats both.
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>Å</t>".as_bytes());
        let d = decode_xml(&b, Some("iso-8859-1"));
        assert_eq!(d.source, Source::Bom);
        assert!(
            d.text.starts_with("<?xml") && d.text.ends_with("<t>Å</t>"),
            "{}",
            d.text
        );
        // Declared UTF-8, but the bytes are windows-1252: the bytes win.
        let d = decode_xml(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>caf\xe9 cr\xe8me</t>",
            None,
        );
        assert_eq!(d.source, Source::Guess);
        assert!(d.text.contains("café crème"), "{}", d.text);
        // Declared ISO-8859-1, but the bytes are UTF-8: read as UTF-8.
        let d = decode_xml(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Ålesund</t>".as_bytes(),
            None,
        );
        assert!(d.text.contains("<t>Ålesund</t>"), "{}", d.text);
    }

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
