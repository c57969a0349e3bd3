//! Casebook cases through the real binary and a local server: a windows-1252 page
//! (14), feed metadata as the fallback of pages without their own (05, 03), and the
//! feed size cap (16, parts 3 and 4).

mod common;

use common::{Route, TestServer, Workdir, fixture};
use serde_json::Value;

fn versions(w: &Workdir, url: &str) -> Vec<Value> {
    w.json(&["versions", url, "--json"])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn case_14_windows_1252_pages_decode_and_extract_like_utf8() {
    let server = TestServer::start();
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>T</title>\
         <item><title>a</title><link>{b}/win</link></item>\
         <item><title>b</title><link>{b}/utf8</link></item></channel></rss>",
        b = server.base
    );
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    // HTTP Content-Type without a charset: the page's own declaration decides.
    server.set(
        "/win",
        Route::ok(
            "text/html",
            fixture("casebook/14-windows-1252-html/page-win1252.html"),
        ),
    );
    server.set(
        "/utf8",
        Route::ok(
            "text/html",
            fixture("casebook/14-windows-1252-html/page-utf8-meta.html"),
        ),
    );
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    let win = versions(&w, &server.url("/win"));
    let utf = versions(&w, &server.url("/utf8"));
    assert_eq!(win.len(), 1);
    assert_eq!(win[0]["title"], "Café owners “cautiously optimistic”");
    assert_eq!(win[0]["content_sha256"], utf[0]["content_sha256"]);
    let text = w.ok(&["show", &win[0]["id"].to_string()]);
    assert_eq!(text, w.ok(&["show", &utf[0]["id"].to_string()]));
    assert!(
        text.contains("The mayor’s plan – costing €2 million – won’t affect the Ålesund route."),
        "{text}"
    );
    assert!(
        text.contains("Terraces may stay open until 23:00 from May; the “quiet zone” near the cathedral is unchanged."),
        "{text}"
    );
    for bad in ['\u{FFFD}', 'Ã'] {
        assert!(!text.contains(bad), "{bad:?} in {text}");
    }
    assert!(
        !text.chars().any(|c| ('\u{80}'..='\u{9F}').contains(&c)),
        "C1 control in {text}"
    );
    assert!(!text.contains("â€"));
    assert!(
        !text.contains("Home") && !text.contains("Town"),
        "menu in {text}"
    );
}

/// An article page with a body but no headline, byline or date of its own.
const BARE_PAGE: &str = "<html><body><div class=\"story\"><p>The harbour board met on Tuesday \
    evening and agreed, after a long debate, to extend the winter timetable by two weeks.</p>\
    <p>Ferry operators said the change would cost little, and passengers welcomed it, \
    according to the board's own survey of regular travellers.</p></div></body></html>";

#[test]
fn case_05_pages_without_dates_take_the_feed_values() {
    let server = TestServer::start();
    let feed = String::from_utf8(fixture("casebook/05-nonstandard-pubdates/feed.xml"))
        .unwrap()
        .replace("https://example.com", &server.base);
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    for n in 1..=9 {
        server.set(&format!("/gazette/{n}"), Route::html(BARE_PAGE));
    }
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    let expected = common::CASE_05_PUBLISHED;
    let articles = w.json(&["articles", "--json"]);
    assert_eq!(articles.as_array().unwrap().len(), 9);
    for (n, want) in (1..=9).zip(expected) {
        let v = versions(&w, &server.url(&format!("/gazette/{n}")));
        assert_eq!(v.len(), 1, "item {n}");
        assert_eq!(v[0]["published"].as_str(), want, "item {n}");
        assert!(
            v[0]["title"]
                .as_str()
                .unwrap()
                .starts_with(&format!("item-{n} ")),
            "item {n}: {}",
            v[0]["title"]
        );
    }
}

#[test]
fn case_03_titles_show_their_feed_values_once_decoded() {
    let server = TestServer::start();
    let feed = String::from_utf8(fixture(
        "casebook/03-title-double-escaped-entities/feed.xml",
    ))
    .unwrap()
    .replace("https://example.com", &server.base);
    server.set("/feed.xml", Route::ok("application/rss+xml", feed.clone()));
    for link in feed
        .split("<link>")
        .skip(2)
        .filter_map(|s| s.split("</link>").next())
    {
        server.set(
            link.trim_start_matches(&server.base),
            Route::html(BARE_PAGE),
        );
    }
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    let titles: Vec<String> = w
        .json(&["articles", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        titles,
        [
            "Library drops 'Quiet Hours' pilot",
            "Q&A: Ferry & tram fares explained",
            "Café owners \"relieved\" by ruling"
        ]
    );
}

#[test]
fn case_16_a_capped_fetch_stores_nothing_and_keeps_what_was_stored() {
    let server = TestServer::start();
    let big = fixture("casebook/16-huge-feed-size-cap/big-feed.xml");
    server.set("/big.xml", Route::ok("application/rss+xml", big));
    let feed_block = format!("[[feed]]\nurl = \"{}\"\n", server.url("/big.xml"));
    // Article fetching is not what this case tests: point the links nowhere reachable.
    let w = Workdir::new(&format!(
        "[politeness]\nper_host_delay = \"0s\"\n{feed_block}"
    ));
    w.stet(&["poll", "--all"]);
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    let entries = |c: &rusqlite::Connection| -> i64 {
        c.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(entries(&conn), 3000);
    // The same feed with a 512 KiB body limit: "response too large", nothing stored.
    std::fs::write(
        w.config(),
        format!("database = \"stet.db\"\n[http]\nmax_body_bytes = 524288\n[politeness]\nper_host_delay = \"0s\"\n{feed_block}"),
    )
    .unwrap();
    let out = w.stet(&["poll", "--all"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("response too large"), "{stderr}");
    assert_eq!(entries(&conn), 3000);
}

#[test]
fn case_16_default_limits_exist_and_are_bounded() {
    let cfg =
        stet::config::Config::from_toml("", std::path::Path::new("x"), std::path::Path::new("."))
            .unwrap();
    assert!(cfg.http.max_body_bytes <= 64 << 20);
    assert!(cfg.http.timeout <= std::time::Duration::from_secs(120));
}
