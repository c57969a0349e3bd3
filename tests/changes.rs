//! Change reports (issue 4): `stet changes`, diff formats, the Atom feed of changes,
//! notifiers (webhook, command, email through a local SMTP sink) and noise controls.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::{Route, TestServer, Workdir, fixture, seed_server};
use serde_json::Value;

const ARTICLE: &str = common::SEED_ARTICLE;

fn serve(server: &TestServer, page: &str) {
    server.set(
        ARTICLE,
        Route::html(fixture(&format!("seed-article/{page}"))),
    );
}

fn feed_block(server: &TestServer) -> String {
    format!("[[feed]]\nurl = \"{}\"\n", server.url("/feed.xml"))
}

fn db_query(w: &Workdir, sql: &str) -> Vec<Vec<Value>> {
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(v) => v.into(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                other => format!("{other:?}").into(),
            })
            .collect())
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn changes_list_kinds_summaries_and_filters() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    assert_eq!(w.json(&["changes", "--json"]), serde_json::json!([]));
    serve(&server, "v2-edited.html");
    w.ok(&["poll", "--all"]);
    serve(&server, "v3-comments-closed.html");
    w.ok(&["poll", "--all"]);

    let list = w.json(&["changes", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let (closed, edited) = (&list[0], &list[1]);
    assert_eq!(closed["kinds"], serde_json::json!(["comments_closed"]));
    assert_eq!(closed["summary"], "comments closed");
    assert_eq!(edited["kinds"], serde_json::json!(["body"]));
    assert_eq!(edited["summary"], "body: +1 -1 sentences");
    assert_eq!(edited["article_url"], server.url(ARTICLE));
    assert_eq!(edited["feed_url"], server.url("/feed.xml"));
    assert_eq!(edited["title"], "Mexico-US: Time to reset relations");
    assert_eq!(edited["new_version"], closed["old_version"]);
    for key in [
        "id",
        "urn",
        "at",
        "article_id",
        "old_version",
        "new_version",
    ] {
        assert!(!edited[key].is_null(), "{key} missing: {edited}");
    }
    let bodies = w.json(&["changes", "--kind", "body", "--json"]);
    assert_eq!(bodies.as_array().unwrap().len(), 1);
    let other_feed = w.json(&[
        "changes",
        "--feed",
        "https://elsewhere.example/feed",
        "--json",
    ]);
    assert_eq!(other_feed.as_array().unwrap().len(), 0);
    let future = w.json(&["changes", "--since", "2999-01-01", "--json"]);
    assert_eq!(future.as_array().unwrap().len(), 0);
    let recent = w.json(&["changes", "--since", "1h", "--json"]);
    assert_eq!(recent.as_array().unwrap().len(), 2);
    let text = w.ok(&["changes"]);
    assert!(text.contains("body: +1 -1 sentences"), "{text}");
    assert!(text.contains("comments closed"), "{text}");
}

#[test]
fn html_and_json_diffs_have_their_documented_shape() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    serve(&server, "v2-edited.html");
    w.ok(&["poll", "--all"]);
    let url = server.url(ARTICLE);

    let html = w.ok(&["diff", &url, "--format", "html"]);
    let doc = scraper::Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let texts =
        |s: &str| -> Vec<String> { doc.select(&sel(s)).map(|e| e.text().collect()).collect() };
    assert_eq!(texts("del"), ["2,500"]);
    assert_eq!(texts("ins"), ["around 2,000"]);
    assert_eq!(
        texts("title"),
        ["Changes: Mexico-US: Time to reset relations"]
    );
    assert_eq!(doc.select(&sel("meta[name=viewport]")).count(), 1);
    // Self-contained: no scripts, stylesheets or images to fetch.
    assert_eq!(doc.select(&sel("script, link, img, iframe")).count(), 0);
    let meta_rows = texts("table tr");
    assert!(
        meta_rows.iter().any(|r| r.starts_with("fetched")),
        "{meta_rows:?}"
    );
    assert!(
        meta_rows.iter().any(|r| r.contains("commentsopenopen")),
        "{meta_rows:?}"
    );

    let json: Value = serde_json::from_str(&w.ok(&["diff", &url, "--format", "json"])).unwrap();
    assert_eq!(json["changes"], serde_json::json!(["body"]));
    assert_eq!(json["article_id"], 1);
    // The first poll writes the two articles' versions in the order their pages finish
    // extracting: the edited article's versions are its first and its last.
    let versions = w.json(&["versions", &url, "--json"]);
    let ids: Vec<&Value> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["id"])
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(&json["old"]["id"], ids[0]);
    assert_eq!(&json["new"]["id"], ids[1]);
    assert_eq!(json["new"]["id"], 3);
    let hunk = &json["hunks"][0];
    for key in ["old_start", "old_lines", "new_start", "new_lines"] {
        assert!(hunk[key].is_u64(), "{key}: {hunk}");
    }
    let changed: Vec<(&str, &str)> = hunk["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["op"] != "equal")
        .map(|l| (l["op"].as_str().unwrap(), l["text"].as_str().unwrap()))
        .collect();
    assert_eq!(changed.len(), 2);
    assert_eq!(changed[0].0, "delete");
    assert!(changed[0].1.contains("2,500 weapons"));
    assert_eq!(changed[1].0, "insert");
    assert!(changed[1].1.contains("around 2,000 weapons"));

    let word = w.ok(&["diff", &url, "--format", "word", "--color", "always"]);
    assert!(word.contains("\x1b[9;31m2,500\x1b[0m"), "{word:?}");
    let plain = w.ok(&["diff", &url, "--format", "word"]);
    assert!(plain.contains("[-2,500-]{+around 2,000+}"), "{plain}");
}

#[test]
fn atom_feed_of_changes_is_valid_and_stable() {
    let server = seed_server();
    let w = Workdir::new(&format!(
        "changes_feed = \"changes.xml\"\n{}",
        feed_block(&server)
    ));
    w.ok(&["poll", "--all"]);
    serve(&server, "v2-edited.html");
    w.ok(&["poll", "--all"]);
    serve(&server, "v3-comments-closed.html");
    w.ok(&["poll", "--all"]);

    let atom = w.ok(&["changes", "--format", "atom"]);
    assert_eq!(
        atom,
        w.ok(&["changes", "--format", "atom"]),
        "not stable across runs"
    );
    let file = std::fs::read_to_string(w.dir.path().join("changes.xml")).unwrap();
    assert_eq!(
        file, atom,
        "changes_feed file differs from `stet changes --format atom`"
    );

    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.id, "urn:stet:changes");
    assert_eq!(feed.entries.len(), 2);
    let list = w.json(&["changes", "--json"]);
    for (entry, change) in feed.entries.iter().zip(list.as_array().unwrap()) {
        assert_eq!(entry.id, change["urn"].as_str().unwrap());
        assert_eq!(
            entry
                .updated
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            change["at"].as_str().unwrap()
        );
        assert_eq!(entry.links[0].href, server.url(ARTICLE));
        assert!(
            entry
                .title
                .as_ref()
                .unwrap()
                .content
                .contains(change["summary"].as_str().unwrap())
        );
    }
    let body_entry = &feed.entries[1];
    let content = body_entry
        .content
        .as_ref()
        .unwrap()
        .body
        .as_deref()
        .unwrap();
    assert!(content.contains("<del>2,500</del>"), "{content}");
    assert!(content.contains("<ins>around 2,000</ins>"), "{content}");
}

#[test]
fn flip_flopping_page_reports_one_change_not_three() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    for page in ["v1.html", "v2-edited.html", "v1.html", "v2-edited.html"] {
        serve(&server, page);
        w.ok(&["poll", "--all"]);
    }
    let versions = w.json(&["versions", &server.url(ARTICLE), "--json"]);
    assert_eq!(
        versions.as_array().unwrap().len(),
        4,
        "every state is recorded"
    );
    let changes = w.json(&["changes", "--json"]);
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes[0]["kinds"], serde_json::json!(["body"]));
    let suppressed = db_query(&w, "SELECT suppressed FROM versions ORDER BY id");
    let reasons: Vec<&Value> = suppressed.iter().map(|r| &r[0]).collect();
    assert_eq!(
        reasons,
        [
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &"seen_before".into(),
            &"seen_before".into()
        ]
    );
}

#[test]
fn small_edits_and_ignored_text_are_not_reported() {
    let server = seed_server();
    let w = Workdir::new(&format!(
        "[noise]\nmin_change_chars = 20\n{}ignore_patterns = ['Live: \\d+ readers']\n",
        feed_block(&server)
    ));
    w.ok(&["poll", "--all"]);
    // "2,500" -> "around 2,000": 16 characters, under the minimum of 20.
    serve(&server, "v2-edited.html");
    w.ok(&["poll", "--all"]);
    let versions = w.json(&["versions", &server.url(ARTICLE), "--json"]);
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(w.json(&["changes", "--json"]), serde_json::json!([]));
    // A counter inside the body that the feed's ignore_patterns names makes no version.
    let page = String::from_utf8(fixture("seed-article/v2-edited.html")).unwrap();
    let with_counter = |n: u32| {
        page.replace(
            "<h2>Welcome mat",
            &format!("<p>Live: {n} readers are on this page now, read on and share it.</p>\n<h2>Welcome mat"),
        )
    };
    server.set(ARTICLE, Route::html(with_counter(512)));
    w.ok(&["poll", "--all"]);
    let n = w
        .json(&["versions", &server.url(ARTICLE), "--json"])
        .as_array()
        .unwrap()
        .len();
    server.set(ARTICLE, Route::html(with_counter(9001)));
    w.ok(&["poll", "--all"]);
    let m = w
        .json(&["versions", &server.url(ARTICLE), "--json"])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n, m, "a change confined to ignored text made a version");
}

#[test]
fn webhook_failing_twice_is_delivered_exactly_once() {
    let server = seed_server();
    server.set_sequence(
        "/hook",
        vec![
            Route::ok("text/plain", "down").status(500),
            Route::ok("text/plain", "still down").status(503),
            Route::ok("text/plain", "ok"),
        ],
    );
    let w = Workdir::new(&format!(
        "{}[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\nretry_after = \"0s\"\n",
        feed_block(&server),
        server.url("/hook")
    ));
    w.ok(&["poll", "--all"]); // archives v1; the new notifier starts from here
    serve(&server, "v2-edited.html");
    let out = w.stet(&["poll", "--all"]); // the edit: first delivery fails
    assert!(String::from_utf8_lossy(&out.stderr).contains("notification failed: hook"));
    w.stet(&["poll", "--all"]); // second attempt fails
    w.stet(&["poll", "--all"]); // third succeeds
    w.stet(&["poll", "--all"]); // nothing left to send
    let posts: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|r| r.path == "/hook")
        .collect();
    assert_eq!(posts.len(), 3, "{posts:?}");
    assert!(posts.iter().all(|p| p.method == "POST"));
    assert_eq!(
        posts.iter().map(|p| p.status).collect::<Vec<_>>(),
        [500, 503, 200]
    );
    assert!(
        posts.iter().all(|p| p.body == posts[0].body),
        "payload changed between retries"
    );
    let payload: Value = serde_json::from_slice(&posts[2].body).unwrap();
    assert_eq!(payload["kinds"], serde_json::json!(["body"]));
    assert_eq!(payload["article_url"], server.url(ARTICLE));
    assert!(
        payload["diff"]
            .as_str()
            .unwrap()
            .contains("+Between 2006 and 2011, around 2,000")
    );
    assert_eq!(posts[2].headers["content-type"], "application/json");
    let outbox = db_query(
        &w,
        "SELECT notifier, attempts, delivered_at IS NOT NULL FROM outbox",
    );
    assert_eq!(outbox, [vec![Value::from("hook"), 3.into(), 1.into()]]);
}

#[test]
fn command_notifier_gets_the_change_on_stdin() {
    let server = seed_server();
    let out = tempfile::NamedTempFile::new().unwrap();
    let w = Workdir::new(&format!(
        "{}[[notify]]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"cat > {}\"]\nkinds = [\"comments_closed\"]\n",
        feed_block(&server),
        out.path().display()
    ));
    w.ok(&["poll", "--all"]);
    serve(&server, "v2-edited.html");
    w.ok(&["poll", "--all"]);
    assert_eq!(
        std::fs::read_to_string(out.path()).unwrap(),
        "",
        "a body edit is filtered out"
    );
    serve(&server, "v3-comments-closed.html");
    w.ok(&["poll", "--all"]);
    let payload: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path()).unwrap()).unwrap();
    assert_eq!(payload["kinds"], serde_json::json!(["comments_closed"]));
    assert_eq!(payload["summary"], "comments closed");
    let outbox = db_query(&w, "SELECT notifier, delivered_at IS NOT NULL FROM outbox");
    assert_eq!(outbox, [vec![Value::from("command-1"), 1.into()]]);
}

/// A minimal SMTP server on 127.0.0.1 that accepts every message and keeps its data.
fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = messages.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(stream) = stream else { return };
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut out = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            let _ = out.write_all(b"220 sink.test ESMTP\r\n");
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                let cmd = line.trim_end().to_ascii_uppercase();
                line.clear();
                if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                    let _ = out.write_all(b"250-sink.test\r\n250 8BITMIME\r\n");
                } else if cmd == "DATA" {
                    let _ = out.write_all(b"354 go on\r\n");
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if reader.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    kept.lock().unwrap().push(data);
                    let _ = out.write_all(b"250 queued\r\n");
                } else if cmd == "QUIT" {
                    let _ = out.write_all(b"221 bye\r\n");
                    break;
                } else {
                    let _ = out.write_all(b"250 ok\r\n");
                }
            }
        }
    });
    (port, messages)
}

#[test]
fn email_notifier_sends_through_smtp() {
    let server = seed_server();
    let (port, messages) = smtp_sink();
    let w = Workdir::new(&format!(
        "{}[[notify]]\nname = \"mail\"\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\n\
         security = \"none\"\nfrom = \"stet@example.org\"\nto = [\"desk@example.org\"]\n",
        feed_block(&server)
    ));
    w.ok(&["poll", "--all"]);
    serve(&server, "v2-edited.html");
    let out = w.stet(&["poll", "--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let messages = messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let m = &messages[0];
    assert!(
        m.contains("Subject: [stet] Mexico-US: Time to reset relations: body: +1 -1 sentences"),
        "{m}"
    );
    assert!(m.contains("To: desk@example.org"), "{m}");
    let outbox = db_query(&w, "SELECT notifier, delivered_at IS NOT NULL FROM outbox");
    assert_eq!(outbox, [vec![Value::from("mail"), 1.into()]]);
}

#[test]
fn status_events_sit_in_the_same_list() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    server.set(ARTICLE, Route::html("<h1>Page not found</h1>").status(404));
    w.stet(&["poll", "--all"]);
    w.stet(&["poll", "--all"]); // still gone: no second event
    serve(&server, "v1.html");
    w.ok(&["poll", "--all"]);
    let list = w.json(&["changes", "--json"]);
    let kinds: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["kinds"][0])
        .collect();
    assert_eq!(
        kinds,
        [&Value::from("restored"), &Value::from("removed")],
        "{list}"
    );
    assert_eq!(list[1]["article_url"], server.url(ARTICLE));
    assert!(
        list[1]["summary"].as_str().unwrap().contains("404"),
        "{list}"
    );
    assert!(list[1]["id"].as_str().unwrap().starts_with("event:"));
    let removed = w.json(&["changes", "--kind", "removed", "--json"]);
    assert_eq!(removed.as_array().unwrap().len(), 1);
}

#[test]
fn a_permanently_redirected_article_is_recorded_once() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    let mut moved = Route::ok("text/html", "").status(301);
    moved
        .headers
        .push(("Location".into(), "/2021/02/moved/".into()));
    server.set(ARTICLE, moved);
    server.set(
        "/2021/02/moved/",
        Route::html(fixture("seed-article/v1.html")),
    );
    w.ok(&["poll", "--all"]);
    w.ok(&["poll", "--all"]);
    let list = w.json(&["changes", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["kinds"], serde_json::json!(["redirected"]));
    assert_eq!(
        list[0]["summary"],
        format!(
            "redirected: {} -> {}",
            server.url(ARTICLE),
            server.url("/2021/02/moved/")
        )
    );
    // Same article, no new version: the content did not change.
    assert_eq!(w.json(&["articles", "--json"]).as_array().unwrap().len(), 2);
    let v = w.json(&["versions", &server.url(ARTICLE), "--json"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
}
