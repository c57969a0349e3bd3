//! Conditional GET (RFC 9110 §13): a second poll of an unchanged feed sends the stored
//! validators, gets 304 and adds nothing; an article re-check with an unchanged ETag
//! stores nothing new.

mod common;

use common::{Route, TestServer, Workdir};

const FEED_LM: &str = "Sun, 14 Feb 2021 09:31:00 GMT";

fn feed_xml(base: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>C</title>
<item><title>One</title><link>{base}/one</link><guid>one</guid></item>
</channel></rss>"#
    )
}

const PAGE: &str = "<html><head><title>One</title></head><body><article><h1>One</h1>\
<p>The first paragraph of the article, with enough words and commas, to be the body of it.</p>\
<p>The second paragraph of the article, with enough words and commas, to be the body of it.</p>\
</article></body></html>";

fn count(db: &std::path::Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn unchanged_feed_and_article_answer_304_and_store_nothing() {
    let server = TestServer::start();
    server.set(
        "/feed.xml",
        Route::ok("application/rss+xml", feed_xml(&server.base))
            .with_validators(Some("\"feed-v1\""), Some(FEED_LM)),
    );
    server.set(
        "/one",
        Route::html(PAGE).with_validators(Some("W/\"one-v1\""), None),
    );
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let db = w.dir.path().join("stet.db");

    w.ok(&["poll", "--all"]);
    // robots.txt is asked for first (RFC 9309), once: it is cached for a day.
    let first = server.seen();
    assert_eq!(first[0].path, "/robots.txt");
    let first: Vec<_> = first.into_iter().skip(1).collect();
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(!first[0].headers.contains_key("if-none-match"));
    assert!(first.iter().all(|r| r.status == 200));
    assert!(
        first[0].headers["user-agent"].starts_with("stet/"),
        "{:?}",
        first[0].headers
    );
    let (entries, versions, blobs) = (
        count(&db, "entries"),
        count(&db, "versions"),
        count(&db, "blobs"),
    );
    assert_eq!((entries, versions), (1, 1));

    server.clear_seen();
    w.ok(&["poll", "--all"]);
    let second = server.seen();
    assert_eq!(second.len(), 2, "{second:?}");
    let feed_req = second.iter().find(|r| r.path == "/feed.xml").unwrap();
    assert_eq!(feed_req.headers["if-none-match"], "\"feed-v1\"");
    assert_eq!(feed_req.headers["if-modified-since"], FEED_LM);
    assert_eq!(feed_req.status, 304);
    let article_req = second.iter().find(|r| r.path == "/one").unwrap();
    assert_eq!(article_req.headers["if-none-match"], "W/\"one-v1\"");
    assert_eq!(article_req.status, 304);
    assert_eq!(count(&db, "entries"), entries);
    assert_eq!(count(&db, "versions"), versions);
    assert_eq!(count(&db, "blobs"), blobs);
    // Every HTTP attempt is in the fetch log (robots.txt once).
    assert_eq!(count(&db, "fetches"), 5);

    // Nothing is due right after a poll: a plain `poll` fetches nothing.
    server.clear_seen();
    w.ok(&["poll"]);
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

#[test]
fn last_modified_alone_is_sent_back_as_if_modified_since() {
    let server = TestServer::start();
    server.set(
        "/feed.xml",
        Route::ok("application/rss+xml", feed_xml(&server.base))
            .with_validators(None, Some(FEED_LM)),
    );
    server.set("/one", Route::html(PAGE));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    server.clear_seen();
    w.ok(&["poll", "--all"]);
    let feed_req = server
        .seen()
        .into_iter()
        .find(|r| r.path == "/feed.xml")
        .unwrap();
    assert_eq!(feed_req.headers["if-modified-since"], FEED_LM);
    assert!(!feed_req.headers.contains_key("if-none-match"));
    assert_eq!(feed_req.status, 304);
    // The article has no validators: it is fetched in full, and the same bytes store nothing.
    let v = w.json(&["versions", &server.url("/one"), "--json"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
}
