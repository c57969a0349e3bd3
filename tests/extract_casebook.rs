//! Casebook cases for extraction (tests/fixtures/casebook/*/CASE.md): each test
//! asserts the expected values its CASE.md lists.

use std::path::PathBuf;

use dom_query::Document;
use stet::extract::{CommentState, extract};

fn fixture(case: &str, file: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/casebook")
        .join(case)
        .join(file);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixture_str(case: &str, file: &str) -> String {
    String::from_utf8(fixture(case, file)).expect("utf-8 fixture")
}

/// 12: lazy images (`data-src`, `data-srcset`, `<noscript>`) keep their real URLs.
#[test]
fn case_12_lazy_loaded_images_resolve_to_real_urls() {
    let html = fixture_str("12-lazy-loaded-images", "page.html");
    let x = extract(&html, "https://example.com/features/harbour-cranes").unwrap();
    let doc = Document::fragment(x.html.as_str());
    let imgs: Vec<(String, String)> = doc
        .select("img")
        .iter()
        .map(|i| {
            (
                i.attr("src").map(|s| s.to_string()).unwrap_or_default(),
                i.attr("alt").map(|s| s.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(imgs.len(), 3, "{imgs:?}\n{}", x.html);
    assert_eq!(imgs[0].0, "https://example.com/media/harbour-1.jpg");
    assert!(
        imgs[1].0 == "https://example.com/media/harbour-2-1280.jpg"
            || imgs[1].0 == "https://example.com/media/harbour-2-640.jpg",
        "{imgs:?}"
    );
    assert_eq!(imgs[2].0, "https://example.com/media/harbour-3.jpg");
    assert_eq!(
        imgs.iter().map(|i| i.1.as_str()).collect::<Vec<_>>(),
        [
            "The terminal at dawn",
            "A crane lifting a container",
            "Drivers changing shift"
        ]
    );
    for el in doc.select("[src], [srcset]").iter() {
        for a in ["src", "srcset"] {
            if let Some(v) = el.attr(a) {
                assert!(
                    !v.starts_with("data:") && !v.contains("placeholder.svg"),
                    "{a}={v}"
                );
            }
        }
    }
    for p in [
        "The container terminal never sleeps.",
        "Each driver sits in a glass cabin",
        "The shift ends when the ship's hold is empty.",
        "The port plans to add two automated cranes",
    ] {
        assert!(x.text.contains(p), "{p} missing from\n{}", x.text);
    }
    for gone in ["Home", "Features", "© 2024"] {
        assert!(!x.text.contains(gone), "{gone} in\n{}", x.text);
    }
}

const TRAM_PARAS: [&str; 4] = [
    "The tram that once ran along the river road was closed in 1968 to make room for cars. Half a century later, the road is full and the buses are slow.",
    "Rebuilding the line would cost less than widening the road again. Most of the old track bed is still owned by the city and lies under a footpath.",
    "A tram every ten minutes would carry more people than two extra traffic lanes, and it would not need a new bridge over the canal.",
    "The council should commission a feasibility study this year, before the land is sold for development.",
];

/// 13: comment threads stay out of the body; v1 open, v2 closed; the body is the same.
///
/// stet stores the headline as the version's title and the body as its text, so "article
/// text == headline + the 4 paragraphs" is checked as title + text.
#[test]
fn case_13_comments_stay_out_and_closure_is_detected() {
    let url = "https://example.com/opinion/tram-line";
    let v1 = extract(&fixture_str("13-comments-leak-and-closure", "v1.html"), url).unwrap();
    let v2 = extract(&fixture_str("13-comments-leak-and-closure", "v2.html"), url).unwrap();
    let expected_body: Vec<String> = TRAM_PARAS
        .iter()
        .map(|p| stet::text::html_to_text(&format!("<p>{p}</p>"), None))
        .collect();
    for x in [&v1, &v2] {
        assert_eq!(
            x.title.as_deref(),
            Some("Why the old tram line should come back")
        );
        let mut article = format!("{}\n\n{}", x.title.as_deref().unwrap_or(""), x.text);
        // If the extractor keeps the headline in the body too, it must be its first line.
        if let Some(rest) = x
            .text
            .strip_prefix("Why the old tram line should come back\n\n")
        {
            article = format!("Why the old tram line should come back\n\n{rest}");
        }
        assert_eq!(
            article,
            format!(
                "Why the old tram line should come back\n\n{}",
                expected_body.join("\n\n")
            )
        );
        for s in [
            "Posted by",
            "buses really are slower than walking",
            "Who pays for the running costs",
            "Study first, then decide",
            "Leave a comment",
            "Comments are closed",
            "3 comments",
            "4 comments",
        ] {
            assert!(!x.text.contains(s), "{s} leaked into\n{}", x.text);
            assert!(!x.html.contains(s), "{s} leaked into the HTML");
        }
    }
    assert_eq!(v1.comments, CommentState::Open);
    assert_eq!(v2.comments, CommentState::Closed);
    assert_eq!(v1.text, v2.text);
    assert_eq!(
        stet::text::normalize_for_hash(&v1.text),
        stet::text::normalize_for_hash(&v2.text)
    );
}

/// 14: a windows-1252 page decodes right and extracts exactly like its UTF-8 twin.
#[test]
fn case_14_windows_1252_decodes_and_extracts_identically() {
    let url = "https://example.com/town/cafe-terraces";
    let mut outs = Vec::new();
    for file in ["page-win1252.html", "page-utf8-meta.html"] {
        let bytes = fixture("14-windows-1252-html", file);
        let decoded = stet::http::decode::decode_html(&bytes, None);
        let x = extract(&decoded.text, url).unwrap();
        let doc = Document::from(decoded.text.as_str());
        assert_eq!(
            doc.select("h1").text().trim(),
            "Café owners “cautiously optimistic”",
            "{file}"
        );
        assert_eq!(
            doc.select("title").text().trim(),
            "Café owners “cautiously optimistic” - Example Post",
            "{file}"
        );
        // The headline, not the <title> with the site name (rule `site-suffix`).
        assert_eq!(
            x.title.as_deref(),
            Some("Café owners “cautiously optimistic”"),
            "{file}"
        );
        assert!(
            x.text.starts_with("Café owners “cautiously optimistic”")
                || !x.text.contains("Example Post"),
            "{file}"
        );
        let paras: Vec<&str> = x.text.split("\n\n").collect();
        let body: Vec<String> = paras.iter().map(|p| p.replace('\n', " ")).collect();
        assert!(
            body.contains(
                &"The mayor’s plan – costing €2 million – won’t affect the Ålesund route."
                    .to_string()
            ),
            "{file}: {body:?}"
        );
        assert!(
            body.contains(
                &"Terraces may stay open until 23:00 from May; the “quiet zone” near the cathedral is unchanged."
                    .to_string()
            ),
            "{file}: {body:?}"
        );
        assert!(!x.text.contains('\u{FFFD}'), "{file}");
        assert!(
            !x.text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)),
            "{file}"
        );
        assert!(!x.text.contains('Ã') && !x.text.contains("â€"), "{file}");
        for gone in ["Home", "Town"] {
            assert!(
                !x.text.lines().any(|l| l.trim() == gone),
                "{file}: menu item {gone}"
            );
        }
        outs.push(stet::text::normalize_for_hash(&x.text));
    }
    assert_eq!(outs[0], outs[1]);
}
