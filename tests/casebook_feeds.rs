//! Casebook cases 01, 03, 05, 06 and 16 at the feed-parsing level, and address safety
//! at the fetcher level (loopback only).

mod common;

use common::fixture;

fn cb(rel: &str) -> Vec<u8> {
    fixture(&format!("casebook/{rel}"))
}

#[test]
fn case_01_bom_and_leading_whitespace() {
    let d = "01-feed-bom-leading-whitespace";
    let clean = stet::feed::parse_http(
        &cb(&format!("{d}/feed-clean.xml")),
        "https://example.com/",
        None,
    )
    .unwrap();
    assert_eq!(clean.title.as_deref(), Some("Harbour Notes"));
    assert_eq!(clean.entries.len(), 2);
    assert_eq!(
        clean.entries[0].title.as_deref(),
        Some("Ferry timetable changes in Ålesund")
    );
    for f in [
        "feed-leading-newlines.xml",
        "feed-bom.xml",
        "feed-bom-then-whitespace.xml",
    ] {
        let p = stet::feed::parse_http(
            &cb(&format!("{d}/{f}")),
            "https://example.com/",
            Some("utf-8"),
        )
        .unwrap();
        assert_eq!(p, clean, "{f}");
    }
}

#[test]
fn case_03_titles_are_decoded_once() {
    let d = "03-title-double-escaped-entities";
    let t = |f: &str| -> Vec<String> {
        stet::feed::parse(&cb(&format!("{d}/{f}")), "https://example.com/")
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.title.unwrap())
            .collect()
    };
    assert_eq!(
        t("feed.xml"),
        [
            "Library drops 'Quiet Hours' pilot",
            "Q&A: Ferry & tram fares explained",
            "Café owners \"relieved\" by ruling"
        ]
    );
    assert_eq!(
        t("atom.xml"),
        [
            "Why <dialog> needs a polyfill",
            "Council votes on cycle lanes"
        ]
    );
}

#[test]
fn case_05_nonstandard_dates() {
    let p = stet::feed::parse(
        &cb("05-nonstandard-pubdates/feed.xml"),
        "https://example.com/",
    )
    .unwrap();
    let got: Vec<Option<String>> = p
        .entries
        .iter()
        .map(|e| {
            e.published
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        })
        .collect();
    let want = common::CASE_05_PUBLISHED;
    assert_eq!(got, want.map(|w| w.map(str::to_string)));
}

#[test]
fn case_06_relative_links_use_xml_base_and_the_final_url() {
    let d = "06-relative-urls-xml-base";
    let a = stet::feed::parse(
        &cb(&format!("{d}/atom.xml")),
        "https://example.com/blog/atom.xml",
    )
    .unwrap();
    assert_eq!(
        a.entries[0].link.as_deref(),
        Some("https://example.com/blog/2024/10/bridge-reopens.html")
    );
    assert_eq!(
        a.entries[1].link.as_deref(),
        Some("https://example.com/blog/notes/2.html")
    );
    let r = stet::feed::parse(
        &cb(&format!("{d}/rss.xml")),
        "https://example.com/feeds/main.xml",
    )
    .unwrap();
    assert_eq!(
        r.entries[0].link.as_deref(),
        Some("https://example.com/posts/7")
    );
}

#[test]
fn case_16_a_feed_of_thousands_is_read_whole_and_quickly() {
    let t0 = std::time::Instant::now();
    let p = stet::feed::parse(
        &cb("16-huge-feed-size-cap/big-feed.xml"),
        "https://example.com/",
    )
    .unwrap();
    assert_eq!(p.entries.len(), 3000);
    assert_eq!(p.entries[0].title.as_deref(), Some("Episode 3000"));
    assert_eq!(p.entries[2999].title.as_deref(), Some("Episode 1"));
    let keys: std::collections::HashSet<_> = p.entries.iter().map(|e| e.key.clone()).collect();
    assert_eq!(keys.len(), 3000);
    let mut store = stet::store::Store::open_in_memory().unwrap();
    let cfg = stet::config::FeedConfig {
        url: "https://example.com/f".into(),
        name: None,
        interval: std::time::Duration::from_secs(60),
        noise: Default::default(),
    };
    store.sync_feeds(&[cfg]).unwrap();
    let id = store.feeds().unwrap()[0].id;
    let now = chrono::Utc::now();
    assert_eq!(
        store.record_entries(id, &p.entries, now).unwrap().len(),
        3000
    );
    assert_eq!(store.record_entries(id, &p.entries, now).unwrap().len(), 0);
    assert!(t0.elapsed() < std::time::Duration::from_secs(30));
}

#[tokio::test(flavor = "current_thread")]
async fn private_addresses_are_refused_unless_allowed() {
    let server = common::TestServer::start();
    server.set("/x", common::Route::html("<p>x</p>"));
    let cfg =
        stet::config::Config::from_toml("", std::path::Path::new("t"), std::path::Path::new("."))
            .unwrap();
    let f =
        stet::http::Fetcher::with_politeness(&cfg.user_agent, cfg.http, cfg.politeness).unwrap();
    let v = stet::http::Validators::default();
    let url = server.url("/x");
    let req = stet::http::Request {
        url: &url,
        validators: &v,
        allow_private: false,
        force: false,
    };
    let (_, r) = f.fetch(&req).await;
    assert_eq!(r.unwrap_err().stage, stet::http::Stage::Address);
    assert!(server.seen().is_empty());
    let (_, r) = f
        .fetch(&stet::http::Request {
            allow_private: true,
            ..req
        })
        .await;
    assert_eq!(r.unwrap().status, 200);
}
