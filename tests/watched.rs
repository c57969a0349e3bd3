//! What a reader sees is what is watched (issue 10): the visible headline is the title,
//! a social or document title changed alone is a change kind of its own, comment state
//! changes are never suppressed as seen before, `stet versions` says why a version was
//! not reported, and placeholder dates are no publication time. Through the binary,
//! against the seed article served on 127.0.0.1.

mod common;

use common::{Route, TestServer, Workdir, fixture, seed_server};
use serde_json::{Value, json};

const ARTICLE: &str = common::SEED_ARTICLE;
const H1: &str = "<h1 class=\"entry-title\">Mexico-US: Time to reset relations</h1>";
const OG: &str = "<meta property=\"og:title\" content=\"Mexico-US: Time to reset relations\">";

fn page(name: &str) -> String {
    String::from_utf8(fixture(&format!("seed-article/{name}"))).unwrap()
}

fn feed_block(server: &TestServer) -> String {
    format!("[[feed]]\nurl = \"{}\"\n", server.url("/feed.xml"))
}

fn versions(w: &Workdir, server: &TestServer) -> Vec<Value> {
    w.json(&["versions", &server.url(ARTICLE), "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn kinds(changes: &Value) -> Vec<Value> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kinds"].clone())
        .collect()
}

#[test]
fn a_changed_h1_alone_is_a_title_change() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    let v1 = page("v1.html");
    assert!(v1.contains(H1) && v1.contains(OG));
    // The newsroom rewrites the visible headline; og:title and <title> stay as they were.
    server.set(
        ARTICLE,
        Route::html(v1.replace(
            H1,
            "<h1 class=\"entry-title\">Mexico-US: Time to reset relations after the election</h1>",
        )),
    );
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &server);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["title"], "Mexico-US: Time to reset relations");
    assert_eq!(
        v[1]["title"],
        "Mexico-US: Time to reset relations after the election"
    );
    assert_eq!(
        v[1]["headline"],
        "Mexico-US: Time to reset relations after the election"
    );
    assert_eq!(v[1]["social_title"], "Mexico-US: Time to reset relations");
    assert_eq!(v[1]["changes"], json!(["title"]));
    assert_eq!(v[1]["suppressed"], Value::Null);
    let changes = w.json(&["changes", "--json"]);
    assert_eq!(kinds(&changes), [json!(["title"])]);
    assert_eq!(
        changes[0]["summary"],
        "title: \"Mexico-US: Time to reset relations\" -> \"Mexico-US: Time to reset relations after the election\""
    );
}

#[test]
fn a_changed_social_title_alone_is_its_own_kind_reported_on_request() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    // An A/B test of the social headline: og:title only.
    let ab = page("v1.html").replace(
        OG,
        "<meta property=\"og:title\" content=\"Why Mexico and the US must start over\">",
    );
    server.set(ARTICLE, Route::html(ab.clone()));
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &server);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["title"], "Mexico-US: Time to reset relations");
    assert_eq!(
        v[1]["social_title"],
        "Why Mexico and the US must start over"
    );
    assert_eq!(v[1]["changes"], json!(["social_title"]));
    // Stored, not reported by default, and `stet versions` says why.
    assert_eq!(v[1]["suppressed"], "social_title");
    assert_eq!(w.json(&["changes", "--json"]), json!([]));
    let table = w.ok(&["versions", &server.url(ARTICLE)]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "    ID  FETCHED               COMMENTS  CHANGES                   REPORTED            TITLE"
    );
    let id = v[1]["id"].as_i64().unwrap();
    assert_eq!(
        lines[2],
        format!(
            "{id:>6}  {}  open      social_title              no: social_title    Mexico-US: Time to reset relations",
            v[1]["fetched_at"].as_str().unwrap()
        )
    );
    assert!(
        lines[1].contains("  new                       yes                 Mexico"),
        "{table}"
    );

    // A user who wants to be told says so; the kind is then reported and filterable.
    let w2 = Workdir::new(&format!(
        "[noise]\nreport_social_title = true\n{}",
        feed_block(&server)
    ));
    server.set(ARTICLE, Route::html(page("v1.html")));
    w2.ok(&["poll", "--all"]);
    server.set(ARTICLE, Route::html(ab));
    w2.ok(&["poll", "--all"]);
    let changes = w2.json(&["changes", "--json", "--kind", "social_title"]);
    assert_eq!(kinds(&changes), [json!(["social_title"])]);
    assert_eq!(
        changes[0]["summary"],
        "social title: \"Mexico-US: Time to reset relations\" -> \"Why Mexico and the US must start over\""
    );
}

#[test]
fn every_comment_state_change_is_reported_even_when_seen_before() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    // open -> closed -> open -> closed: the last two equal earlier versions.
    for name in [
        "v2-edited.html",
        "v3-comments-closed.html",
        "v2-edited.html",
        "v3-comments-closed.html",
    ] {
        server.set(ARTICLE, Route::html(page(name)));
        w.ok(&["poll", "--all"]);
    }
    let v = versions(&w, &server);
    let seen: Vec<(Value, Value)> = v
        .iter()
        .map(|v| (v["changes"].clone(), v["suppressed"].clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (json!(["new"]), Value::Null),
            (json!(["comments_closed"]), Value::Null),
            (json!(["comments_opened"]), Value::Null),
            (json!(["comments_closed"]), Value::Null),
        ]
    );
    let changes = w.json(&["changes", "--json"]);
    assert_eq!(
        kinds(&changes),
        [
            json!(["comments_closed"]),
            json!(["comments_opened"]),
            json!(["comments_closed"])
        ]
    );
}

#[test]
fn a_body_flip_flop_is_still_seen_before_and_versions_says_so() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    for name in ["v1.html", "v2-edited.html", "v1.html"] {
        server.set(ARTICLE, Route::html(page(name)));
        w.ok(&["poll", "--all"]);
    }
    let v = versions(&w, &server);
    assert_eq!(v[2]["suppressed"], "seen_before");
    let table = w.ok(&["versions", &server.url(ARTICLE)]);
    let line = table.lines().nth(3).unwrap();
    assert_eq!(
        line,
        format!(
            "{:>6}  {}  open      body                      no: seen_before     Mexico-US: Time to reset relations",
            v[2]["id"].as_i64().unwrap(),
            v[2]["fetched_at"].as_str().unwrap()
        )
    );
}

#[test]
fn a_placeholder_date_is_no_publication_time() {
    let server = TestServer::start();
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>T</title>\
         <item><title>Ferry timetable approved</title><link>{b}/a</link>\
         <pubDate>Fri, 04 Oct 2024 06:00:00 +0000</pubDate></item>\
         <item><title>Tram depot to close</title><link>{b}/b</link>\
         <pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate></item></channel></rss>",
        b = server.base
    );
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    let body = "<p>The harbour board met on Tuesday evening and agreed, after a long debate, \
        to extend the winter timetable by two weeks.</p><p>Ferry operators said the change \
        would cost little, and passengers welcomed it, according to the board's own survey.</p>";
    let with_date = |date: &str| {
        format!(
            "<html><head><script type=\"application/ld+json\">{{\"@type\":\"NewsArticle\",\
             \"headline\":\"Ferry timetable approved\",\"datePublished\":\"{date}\"}}</script>\
             </head><body><article><h1>Ferry timetable approved</h1>{body}</article></body></html>"
        )
    };
    server.set("/a", Route::html(with_date("0001-01-01T00:00:00Z")));
    server.set("/b", Route::html(with_date("1970-01-01T00:00:00Z")));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    let a = w.json(&["versions", &server.url("/a"), "--json"]);
    // The placeholder is skipped: the feed's date is the publication time.
    assert_eq!(a[0]["published"], "2024-10-04T06:00:00Z");
    // Epoch 0 in the page and in the feed: no publication time at all.
    let b = w.json(&["versions", &server.url("/b"), "--json"]);
    assert_eq!(b[0]["published"], Value::Null);
}

#[test]
fn an_archive_of_the_previous_extractor_upgrades_without_a_false_change() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    // The version as the previous extractor stored it: no watched titles, the old
    // content hash, the <title> as title, the byline with its label.
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    conn.execute(
        "UPDATE versions SET extractor_version = ?1, headline = NULL, social_title = NULL,
           document_title = NULL, content_sha256 = zeroblob(32),
           title = 'Mexico-US: Time to reset relations | Borderlines Review',
           byline = 'By ' || byline",
        [stet::extract::EXTRACTOR_VERSION - 1],
    )
    .unwrap();
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &server);
    assert_eq!(v.len(), 1, "an upgrade is no edit: {v:?}");
    assert_eq!(v[0]["extractor_version"], stet::extract::EXTRACTOR_VERSION);
    assert_eq!(v[0]["headline"], "Mexico-US: Time to reset relations");
    assert_eq!(v[0]["title"], "Mexico-US: Time to reset relations");
    assert_eq!(w.json(&["changes", "--json"]), json!([]));
}
