//! Extractor upgrades must not raise false alarms: a version made by an older extractor
//! is re-extracted from its stored raw HTML before comparing, and `stet reextract`
//! rebuilds cleaned content without refetching.

mod common;

use common::{Route, TestServer, Workdir, fixture, seed_server};

const ARTICLE: &str = common::SEED_ARTICLE;

fn setup() -> (TestServer, Workdir) {
    let server = seed_server();
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    (server, w)
}

/// Makes the article's version look like the output of an older extractor.
fn age_the_version(w: &Workdir) {
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    let n = conn
        .execute(
            "UPDATE versions SET extractor_version = 0, title = 'Old extractor headline | Site',
               content_sha256 = zeroblob(32), body_sha256 = zeroblob(32)
             WHERE article_id = 1",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn an_extractor_upgrade_is_not_reported_as_an_edit() {
    let (server, w) = setup();
    age_the_version(&w);
    w.ok(&["poll", "--all"]);
    let v = w.json(&["versions", &server.url(ARTICLE), "--json"]);
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 1, "an extractor upgrade made a new version: {v:?}");
    assert_eq!(v[0]["title"], "Mexico-US: Time to reset relations");
    assert_eq!(v[0]["extractor_version"], stet::extract::EXTRACTOR_VERSION);
    assert_eq!(w.json(&["changes", "--json"]), serde_json::json!([]));
    // A real edit after the upgrade is still seen, as a body change only.
    server.set(ARTICLE, Route::html(fixture("seed-article/v2-edited.html")));
    w.ok(&["poll", "--all"]);
    let v = w.json(&["versions", &server.url(ARTICLE), "--json"]);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["changes"], serde_json::json!(["body"]));
}

#[test]
fn reextract_rebuilds_from_raw_html_without_refetching() {
    let (server, w) = setup();
    age_the_version(&w);
    server.clear_seen();
    let out = w.stet(&["reextract", "--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("re-extracted 1 version(s) of 1 article(s); 0 failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        server.seen().is_empty(),
        "reextract fetched: {:?}",
        server.seen()
    );
    let v = w.json(&["versions", "1", "--json"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["title"], "Mexico-US: Time to reset relations");
    // Nothing left to do; --article with --force rebuilds anyway.
    let out = w.stet(&["reextract", "--all"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("re-extracted 0 version(s)"));
    let out = w.stet(&["reextract", "--article", &server.url(ARTICLE), "--force"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("re-extracted 1 version(s) of 1 article(s)")
    );
    // One of --article or --all is required.
    assert_eq!(w.stet(&["reextract"]).status.code(), Some(2));
}
