//! Migration 0006 merges the duplicates an older archive holds: a database with the
//! previous schema (version 4) and one story stored as two articles opens as one
//! article, its versions in time order and re-labelled, nothing else lost.

mod common;

use common::Workdir;
use rusqlite::{Connection, params};
use serde_json::Value;
use stet::store::blob;

const STORY: &str = "https://news.example/2024/05/council-budget/";
const TRACKED: &str = "https://news.example/2024/05/council-budget/?utm_source=rss&fbclid=IwAR1";

const T1: &str = "The council voted on Tuesday.\nThe budget grows by 4%.\nSchools get most of it.\nThe mayor welcomed the vote.\n";
const T2: &str = "The council voted on Tuesday.\nThe budget grows by 5%.\nSchools get most of it.\nThe mayor welcomed the vote.\n";
const OTHER: &str =
    "A storm hit the coast.\nRoads were closed.\nThousands lost power.\nRepairs will take days.\n";

/// A database with the schema of migrations 0001 to 0004, as the previous stet left it.
fn old_database(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    for sql in [
        include_str!("../migrations/0001_initial.sql"),
        include_str!("../migrations/0002_fetching.sql"),
        include_str!("../migrations/0003_reports.sql"),
        include_str!("../migrations/0004_delta_blobs.sql"),
    ] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 4).unwrap();
    conn
}

fn feed(conn: &Connection, url: &str) -> i64 {
    conn.execute(
        "INSERT INTO feeds (url, config_url, interval_secs) VALUES (?1, ?1, 1800)",
        [url],
    )
    .unwrap();
    conn.last_insert_rowid()
}

fn article(conn: &Connection, url: &str, feed_id: i64, first_seen: &str) -> i64 {
    conn.execute(
        "INSERT INTO articles (url, feed_id, first_seen, next_check_at) VALUES (?1, ?2, ?3, ?3)",
        params![url, feed_id, first_seen],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO entries (feed_id, entry_key, article_id, link, first_seen)
         VALUES (?1, ?2, ?3, ?2, ?4)",
        params![feed_id, url, id, first_seen],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO fetches (url, feed_id, article_id, started_at, status, bytes, duration_ms, outcome)
         VALUES (?1, ?2, ?3, ?4, 200, 100, 5, 'new_version')",
        params![url, feed_id, id, first_seen],
    )
    .unwrap();
    id
}

/// Stores a version as the previous stet did: blobs, hashes over title and text.
fn version(
    conn: &Connection,
    article_id: i64,
    at: &str,
    title: &str,
    text: &str,
    canonical: Option<&str>,
    changes: &str,
) -> i64 {
    let raw = blob::put(conn, format!("<html>{title} {text} {at}</html>").as_bytes()).unwrap();
    let html = blob::put(conn, format!("<p>{text}</p>").as_bytes()).unwrap();
    let txt = blob::put(conn, text.as_bytes()).unwrap();
    let content = blob::sha256(format!("{title}\n{text}").as_bytes());
    let body = blob::sha256(text.as_bytes());
    conn.execute(
        "INSERT INTO versions (article_id, fetched_at, content_sha256, body_sha256, raw_sha256,
           html_sha256, text_sha256, title, canonical_url, comments, changes, extractor_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10, ?11)",
        params![
            article_id,
            at,
            &content[..],
            &body[..],
            &raw[..],
            &html[..],
            &txt[..],
            title,
            canonical,
            changes,
            stet::extract::EXTRACTOR_VERSION
        ],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    conn.execute(
        "UPDATE articles SET last_changed = ?2, last_checked = ?2 WHERE id = ?1",
        params![article_id, at],
    )
    .unwrap();
    id
}

/// One story served at `/2024/05/council-budget/` (and with tracking parameters), listed
/// by feed `/a.xml` directly and by feed `/b.xml` through a temporary (302) tracking
/// redirect `/r/x7`: (server, story URL, the tracked URL, redirect link, feed A, feed B).
fn story_behind_a_tracker(
    html: &str,
) -> (common::TestServer, String, String, String, String, String) {
    let server = common::TestServer::start();
    let story = server.url("/2024/05/council-budget/");
    let tracked = format!("{story}?utm_source=feedb&fbclid=IwAR9");
    let html = html.to_string();
    server.set(
        "/2024/05/council-budget/",
        common::Route::html(html.clone()),
    );
    server.set(
        &tracked.replacen(&server.base, "", 1),
        common::Route::html(html.clone()),
    );
    let mut redirect = common::Route::ok("text/plain", "moved").status(302);
    redirect.headers.push(("Location".into(), tracked.clone()));
    server.set("/r/x7", redirect);
    let link_b = server.url("/r/x7");
    let item = |link: &str| {
        format!(
            "<rss version=\"2.0\"><channel><title>F</title><item><title>Budget</title><link>{link}</link><guid>{link}</guid></item></channel></rss>"
        )
    };
    server.set(
        "/a.xml",
        common::Route::ok("application/rss+xml", item(&story)),
    );
    server.set(
        "/b.xml",
        common::Route::ok("application/rss+xml", item(&link_b)),
    );
    let (feed_a, feed_b) = (server.url("/a.xml"), server.url("/b.xml"));
    (server, story, tracked, link_b, feed_a, feed_b)
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn duplicates_stored_by_an_older_stet_merge_when_the_database_opens() {
    let w = Workdir::new("");
    let path = w.dir.path().join("stet.db");
    {
        let conn = old_database(&path);
        let fa = feed(&conn, "https://news.example/feed.xml");
        let fb = feed(&conn, "https://aggregator.example/rss");
        // The story, from feed A directly and from feed B with tracking parameters.
        let a = article(&conn, STORY, fa, "2024-05-01T10:00:00Z");
        let b = article(&conn, TRACKED, fb, "2024-05-01T10:30:00Z");
        // Two different stories whose pages name the home page as canonical URL.
        let c = article(
            &conn,
            "https://news.example/2024/05/storm/",
            fa,
            "2024-05-01T10:00:00Z",
        );
        let d = article(
            &conn,
            "https://news.example/2024/05/fire/",
            fa,
            "2024-05-01T10:00:00Z",
        );
        let home = Some("https://news.example/");
        let v1 = version(
            &conn,
            a,
            "2024-05-01T10:00:05Z",
            "Budget",
            T1,
            Some(STORY),
            r#"["new"]"#,
        );
        let v2 = version(
            &conn,
            b,
            "2024-05-01T10:30:05Z",
            "Budget passes",
            T1,
            Some(STORY),
            r#"["new"]"#,
        );
        let v3 = version(
            &conn,
            a,
            "2024-05-01T12:00:05Z",
            "Budget",
            T2,
            Some(STORY),
            r#"["body"]"#,
        );
        // B saw the same edit later: the same content as v3, a duplicate once merged.
        let v4 = version(
            &conn,
            b,
            "2024-05-01T12:30:05Z",
            "Budget",
            T2,
            Some(STORY),
            r#"["title","body"]"#,
        );
        version(
            &conn,
            c,
            "2024-05-01T10:00:06Z",
            "Storm",
            OTHER,
            home,
            r#"["new"]"#,
        );
        version(
            &conn,
            d,
            "2024-05-01T10:00:07Z",
            "Fire",
            &OTHER.replace("storm", "fire"),
            home,
            r#"["new"]"#,
        );
        conn.execute(
            "INSERT INTO events (article_id, feed_id, at, kind, detail)
             VALUES (?1, ?2, '2024-05-01T11:00:00Z', 'extraction_failed', 'collapsed')",
            params![b, fb],
        )
        .unwrap();
        let payload = serde_json::json!({"id": format!("version:{v4}"), "article_id": b, "article_url": TRACKED});
        conn.execute(
            "INSERT INTO outbox (notifier, change_id, payload, created_at, next_attempt_at)
             VALUES ('hook', ?1, ?2, '2024-05-01T12:30:06Z', '2024-05-01T12:30:06Z')",
            params![format!("version:{v4}"), payload.to_string()],
        )
        .unwrap();
        conn.execute(
            "UPDATE articles SET etag = '\"e3\"', last_raw_sha256 = x'00' WHERE id = ?1",
            [c],
        )
        .unwrap();
        assert_eq!((v1, v2, v3, v4), (1, 2, 3, 4));
    }

    let store = stet::store::Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    store.close();

    let list = w.json(&["articles", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3, "{list:#?}");
    let merged = &list[0];
    assert_eq!(merged["id"], 1);
    assert_eq!(merged["url"], STORY);
    assert_eq!(
        merged["feeds"],
        serde_json::json!([
            "https://news.example/feed.xml",
            "https://aggregator.example/rss"
        ])
    );
    assert_eq!(merged["first_seen"], "2024-05-01T10:00:00Z");
    assert_eq!(merged["last_changed"], "2024-05-01T12:00:05Z");
    assert_eq!(list[1]["url"], "https://news.example/2024/05/storm/");
    assert_eq!(list[2]["url"], "https://news.example/2024/05/fire/");

    // Versions in time order, re-labelled along the one history: v2 changed the title,
    // v3 changed it back and edited the body, v4 (the same content as v3) is gone.
    let versions = w.json(&["versions", "1", "--json"]);
    assert_eq!(ids(&versions), [1, 2, 3]);
    let kinds: Vec<Value> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["changes"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            serde_json::json!(["new"]),
            serde_json::json!(["title"]),
            serde_json::json!(["title", "body"])
        ]
    );
    let times: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["fetched_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        [
            "2024-05-01T10:00:05Z",
            "2024-05-01T10:30:05Z",
            "2024-05-01T12:00:05Z"
        ]
    );
    // Every way to name the story finds it, the old id too.
    for arg in [
        "2",
        STORY,
        TRACKED,
        "http://www.news.example/2024/05/council-budget/",
    ] {
        assert_eq!(w.json(&["versions", arg, "--json"]), versions, "{arg}");
    }

    // Nothing else lost: entries, fetches, events and pending notifications follow.
    let conn = Connection::open(&path).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM entries WHERE article_id = 1"),
        2
    );
    assert_eq!(
        count("SELECT count(*) FROM fetches WHERE article_id = 1"),
        2
    );
    assert_eq!(count("SELECT count(*) FROM events WHERE article_id = 1"), 1);
    assert_eq!(count("SELECT count(*) FROM articles WHERE id = 2"), 0);
    let payload: String = conn
        .query_row("SELECT payload FROM outbox", [], |r| r.get(0))
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["article_id"], 1);
    assert_eq!(payload["article_url"], STORY);
    // The next check of a re-checked article reads its page in full once, to see where
    // its fetch ends.
    assert_eq!(
        count(
            "SELECT count(*) FROM articles WHERE etag IS NOT NULL OR last_raw_sha256 IS NOT NULL"
        ),
        0
    );
    // The two stories that only shared a home-page canonical keep their own versions.
    assert_eq!(
        count("SELECT count(*) FROM versions WHERE article_id = 3"),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM versions WHERE article_id = 4"),
        1
    );
}

/// An older archive holds one story twice: from feed A directly and from feed B through a
/// temporary tracking redirect (whose target the previous stet did not record). The
/// migration cannot see it; the next check of both reads where the fetch ends, and they
/// become one.
#[test]
fn duplicates_joined_only_by_a_temporary_redirect_merge_at_the_next_check() {
    let html = format!(
        "<!doctype html><html><head><title>Budget</title></head><body><article><h1>Budget</h1>{}</article></body></html>",
        (1..=5)
            .map(|i| format!("<p>The council met on day {i} and voted the budget, with figures, after a long debate.</p>"))
            .collect::<String>()
    );
    let (_server, story, tracked, link_b, feed_a, feed_b) = story_behind_a_tracker(&html);

    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{feed_a}\"\n[[feed]]\nurl = \"{feed_b}\"\n"
    ));
    let path = w.dir.path().join("stet.db");
    {
        let conn = old_database(&path);
        let fa = feed(&conn, &feed_a);
        let fb = feed(&conn, &feed_b);
        let a = article(&conn, &story, fa, "2024-05-01T10:00:00Z");
        let b = article(&conn, &link_b, fb, "2024-05-01T10:00:00Z");
        let text = stet::extract::extract_with(&html, &story, &[])
            .unwrap()
            .text;
        version(
            &conn,
            a,
            "2024-05-01T10:00:05Z",
            "Budget",
            &text,
            None,
            r#"["new"]"#,
        );
        version(
            &conn,
            b,
            "2024-05-01T10:00:06Z",
            "Budget",
            &text,
            None,
            r#"["new"]"#,
        );
        // As the previous stet left them: the page's raw bytes were those of the last
        // check, which a re-check would take as "not modified" without reading the page.
        let raw = blob::sha256(html.as_bytes());
        conn.execute(
            "UPDATE articles SET etag = '\"same\"', last_raw_sha256 = ?1",
            [&raw[..]],
        )
        .unwrap();
    }
    w.ok(&["poll", "--all"]);
    let list = w.json(&["articles", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["feeds"], serde_json::json!([feed_a, feed_b]));
    for arg in [story.as_str(), tracked.as_str(), link_b.as_str()] {
        let v = w.json(&["versions", arg, "--json"]);
        assert_eq!(v[0]["article_id"], list[0]["id"], "{arg}");
    }
}

/// An older archive, made by an older extractor, holds one story twice (directly and
/// through a temporary tracking redirect). The new stet re-extracts and merges them at
/// the next check: the copy is no change, nothing is reported.
#[test]
fn an_upgrade_then_a_merge_reports_no_change() {
    let html = format!(
        "<!doctype html><html><head><title>Budget | News</title>\
         <meta property=\"og:title\" content=\"Council passes the budget\"></head><body>\
         <article><h1>Council passes the budget</h1>{}</article></body></html>",
        (1..=5)
            .map(|i| format!("<p>The council met on day {i} and voted the budget, with figures, after a long debate.</p>"))
            .collect::<String>()
    );
    let (_server, story, _tracked, link_b, feed_a, feed_b) = story_behind_a_tracker(&html);
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{feed_a}\"\n[[feed]]\nurl = \"{feed_b}\"\n"
    ));
    let path = w.dir.path().join("stet.db");
    {
        let conn = old_database(&path);
        let fa = feed(&conn, &feed_a);
        let fb = feed(&conn, &feed_b);
        let a = article(&conn, &story, fa, "2024-05-01T10:00:00Z");
        let b = article(&conn, &link_b, fb, "2024-05-01T10:00:00Z");
        // As the older extractor stored it: its own hashes, no social or document title.
        let text = stet::extract::extract_with(&html, &story, &[])
            .unwrap()
            .text;
        for (id, at) in [(a, "2024-05-01T10:00:05Z"), (b, "2024-05-01T10:00:06Z")] {
            let raw = blob::put(&conn, html.as_bytes()).unwrap();
            let h = blob::put(&conn, format!("<p>{text}</p>").as_bytes()).unwrap();
            let txt = blob::put(&conn, text.as_bytes()).unwrap();
            let content = blob::sha256(format!("Council passes the budget\n{text}").as_bytes());
            let body = blob::sha256(text.as_bytes());
            conn.execute(
                "INSERT INTO versions (article_id, fetched_at, content_sha256, body_sha256,
                   raw_sha256, html_sha256, text_sha256, title, comments, changes,
                   extractor_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'Council passes the budget', 'open',
                   '[\"new\"]', ?8)",
                params![
                    id,
                    at,
                    &content[..],
                    &body[..],
                    &raw[..],
                    &h[..],
                    &txt[..],
                    stet::extract::EXTRACTOR_VERSION - 1
                ],
            )
            .unwrap();
            conn.execute(
                "UPDATE articles SET last_changed = ?2, last_checked = ?2 WHERE id = ?1",
                params![id, at],
            )
            .unwrap();
        }
    }
    w.ok(&["poll", "--all"]);
    let list = w.json(&["articles", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["feeds"], serde_json::json!([feed_a, feed_b]));
    // One version: the copy from the tracking link is the same page, dropped.
    let versions = w.json(&["versions", "1", "--json"]);
    assert_eq!(ids(&versions), [1]);
    assert_eq!(versions[0]["changes"], serde_json::json!(["new"]));
    assert_eq!(
        versions[0]["extractor_version"],
        stet::extract::EXTRACTOR_VERSION
    );
    assert_eq!(w.json(&["changes", "--json"]), serde_json::json!([]));
    // A later check changes nothing either.
    w.ok(&["poll", "--all"]);
    assert_eq!(ids(&w.json(&["versions", "1", "--json"])), [1]);
    assert_eq!(w.json(&["changes", "--json"]), serde_json::json!([]));
}

/// Two stories of one template stored by an older stet: one generic headline, one
/// sentence of their own each among seven of boilerplate, the same canonical URL. A
/// third URL neither is known by joins nothing; one's own URL declared by both joins
/// nothing either, as their texts are two stories. Four articles stay four.
#[test]
fn stories_of_one_template_stored_by_an_older_stet_stay_apart() {
    let w = Workdir::new("");
    let path = w.dir.path().join("stet.db");
    let boiler = "Local news is updated daily.\nSend your tips to the newsroom.\nOur reporters cover the council.\nComments are moderated.\nRead more local stories.\nSubscribers read without limits.\nThe forecast is on the weather page.\n";
    {
        let conn = old_database(&path);
        let f = feed(&conn, "https://local.example/feed.xml");
        let pairs = [
            ("news", "https://local.example/news/other.html"),
            ("town", "https://local.example/town/d2.html"),
        ];
        for (section, canonical) in pairs {
            for (n, own) in [
                (1, "A water main burst on the high street."),
                (2, "The farmers market moves to the station."),
            ] {
                let url = format!("https://local.example/{section}/d{n}.html");
                let id = article(&conn, &url, f, "2024-05-01T10:00:00Z");
                version(
                    &conn,
                    id,
                    &format!("2024-05-01T10:00:0{n}Z"),
                    "Local news",
                    &format!("{own}\n{boiler}"),
                    Some(canonical),
                    r#"["new"]"#,
                );
            }
        }
    }
    let store = stet::store::Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    store.close();
    let list = w.json(&["articles", "--json"]);
    assert_eq!(ids(&list), [1, 2, 3, 4]);
    let conn = Connection::open(&path).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM merged_articles"), 0);
    assert_eq!(
        count(
            "SELECT count(*) FROM (SELECT article_id FROM versions
               GROUP BY article_id HAVING count(*) = 1)"
        ),
        4
    );
}
