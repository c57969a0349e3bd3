//! Issue 11, secrets never leave: credentials of webhook URLs (inline, or from the
//! environment) and of feed URLs, and the SMTP password, appear nowhere in the logs at
//! trace level, on stdout, in the outbox or anywhere in the database file.

mod common;

use common::{Route, SEED_ARTICLE, Workdir, fixture, seed_server};

const CANARIES: [&str; 5] = [
    "canarypass1",
    "canarypass2",
    "canarytoken3",
    "canarysmtp4",
    "canaryfeedpass5",
];

/// Runs stet at trace level with the secrets in its environment; returns stdout and
/// stderr together.
fn run(w: &Workdir, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stet"))
        .arg("--config")
        .arg(w.config())
        .args(args)
        .env_remove("STET_CONFIG")
        .env("NO_COLOR", "1")
        .env("STET_LOG", "trace")
        .env(
            "STET_TEST_HOOK",
            "http://127.0.0.1:1/hook?token=canarytoken3",
        )
        .env("STET_TEST_SMTP", "canarysmtp4")
        .output()
        .expect("run stet");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_clean(what: &str, text: &str) {
    for c in CANARIES {
        assert!(!text.contains(c), "{what} holds {c}:\n{text}");
    }
}

#[test]
fn no_credential_reaches_logs_outbox_or_database() {
    let server = seed_server();
    let feed = server.url("/feed.xml");
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{feed}\"\n\
         [[notify]]\nkind = \"webhook\"\nurl = \"http://hookuser:canarypass1@{host}/hook\"\n\
         [[notify]]\nkind = \"webhook\"\nurl = \"http://hookuser:canarypass2@127.0.0.1:1/hook\"\n\
         [[notify]]\nkind = \"webhook\"\nurl_env = \"STET_TEST_HOOK\"\n\
         [[notify]]\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = 1\nsecurity = \"none\"\n\
         username = \"u\"\npassword_env = \"STET_TEST_SMTP\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n\
         [[feed]]\nurl = \"http://feeduser:canaryfeedpass5@127.0.0.1:1/private-feed.xml\"\n",
        host = server.base.trim_start_matches("http://"),
    ));
    let mut logs = run(&w, &["poll"]);
    // An edit, so that every notifier has a change to deliver (and fails: the hook
    // answers 404, the others refuse the connection).
    server.set(
        SEED_ARTICLE,
        Route::html(fixture("seed-article/v2-edited.html")),
    );
    logs.push_str(&run(&w, &["poll", "--all"]));
    assert!(
        logs.contains("POST http://***@127.0.0.1:"),
        "the failure is logged, masked: {logs}"
    );
    assert!(server.seen().iter().any(|s| s.path == "/hook"));
    for args in [
        &["feeds"][..],
        &["feeds", "--json"],
        &["changes", "--json"],
        &["articles"],
    ] {
        logs.push_str(&run(&w, args));
    }
    assert!(
        logs.contains("http://***@127.0.0.1:1/private-feed.xml"),
        "{logs}"
    );
    assert_clean("the output", &logs);

    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    let errors: Vec<String> = conn
        .prepare("SELECT last_error FROM outbox WHERE last_error IS NOT NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("POST http://***@127.0.0.1:")
                && e.ends_with("/hook: HTTP status 404")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("POST http://127.0.0.1:1/hook?token=*** failed: ")),
        "{errors:?}"
    );
    drop(conn);
    // Every byte of the database (the feed's own URL aside, which stet needs to fetch
    // it: its row is dropped first), the WAL included.
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; DELETE FROM feeds WHERE url LIKE '%canaryfeedpass5%'; VACUUM;",
    )
    .unwrap();
    drop(conn);
    for name in ["stet.db", "stet.db-wal"] {
        if let Ok(bytes) = std::fs::read(w.dir.path().join(name)) {
            assert_clean(name, &String::from_utf8_lossy(&bytes));
        }
    }
}

/// Credentials in feed URLs (user information and secret query parameters), in every
/// listing of changes and articles: `stet articles` (text, JSON), `stet changes` (text,
/// JSON, Atom) and `stet feeds`, a moved feed's new URL included.
#[test]
fn feed_url_credentials_reach_no_listing_of_changes_or_articles() {
    let canaries = [
        "FEEDCANARY",
        "TOKENCANARY",
        "SIGCANARY",
        "OLDTOKCANARY",
        "MOVEDTOKCANARY",
    ];
    let server = seed_server();
    let feed = String::from_utf8(fixture("seed-article/feed.xml"))
        .unwrap()
        .replace("{{BASE}}", &server.base);
    let rss = |body: &str| Route::ok("application/rss+xml", body.to_string());
    server.set(
        "/feed.xml?token=TOKENCANARY&x=1&X-Amz-Signature=SIGCANARY",
        rss(&feed),
    );
    server.set("/moved.xml?token=MOVEDTOKCANARY", rss(&feed));
    let mut moved = Route::ok("text/plain", "");
    moved.status = 301;
    moved.headers = vec![("Location".into(), "/moved.xml?token=MOVEDTOKCANARY".into())];
    server.set("/old.xml?token=OLDTOKCANARY", moved);
    let host = server.base.trim_start_matches("http://");
    let w = Workdir::new(&format!(
        "[lifecycle]\nmoved_after = 1\n\
         [[feed]]\nurl = \"http://feeduser:FEEDCANARY@{host}/feed.xml?token=TOKENCANARY&x=1&X-Amz-Signature=SIGCANARY\"\n\
         [[feed]]\nurl = \"{}\"\n",
        server.url("/old.xml?token=OLDTOKCANARY")
    ));
    let mut logs = run(&w, &["poll"]);
    server.set(
        SEED_ARTICLE,
        Route::html(fixture("seed-article/v2-edited.html")),
    );
    logs.push_str(&run(&w, &["poll", "--all"]));
    let masked_feed = format!("http://***@{host}/feed.xml?token=***&x=1&X-Amz-Signature=***");
    let moved_feed = format!("{}/moved.xml?token=***", server.base);
    let mut outputs = Vec::new();
    for args in [
        &["articles", "--json"][..],
        &["articles"],
        &["changes"],
        &["changes", "--json"],
        &["changes", "--format", "atom"],
        &["feeds"],
        &["feeds", "--json"],
    ] {
        let out = run(&w, args);
        for c in canaries {
            assert!(!out.contains(c), "stet {args:?} holds {c}:\n{out}");
        }
        outputs.push(out);
    }
    for c in canaries {
        assert!(!logs.contains(c), "the polls' logs hold {c}:\n{logs}");
    }
    // The listings still name the feeds, masked.
    let articles: serde_json::Value = serde_json::from_str(&outputs[0]).unwrap();
    let seed = articles
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["url"].as_str().unwrap().ends_with(SEED_ARTICLE))
        .unwrap();
    assert_eq!(seed["feed_url"], masked_feed.as_str(), "{articles:#}");
    assert_eq!(
        seed["feeds"],
        serde_json::json!([masked_feed, moved_feed]),
        "{articles:#}"
    );
    // The moved feed's event: its URL line in the text, its link in the Atom feed.
    assert!(
        outputs[2].contains(&format!("\n    {moved_feed}\n")),
        "{}",
        outputs[2]
    );
    let changes: serde_json::Value = serde_json::from_str(&outputs[3]).unwrap();
    let moved_event = changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kinds"] == serde_json::json!(["feed_moved"]))
        .unwrap();
    assert_eq!(moved_event["feed_url"], moved_feed.as_str(), "{changes:#}");
    let edit = changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["new_version"].is_i64())
        .unwrap();
    assert_eq!(edit["feed_url"], masked_feed.as_str(), "{changes:#}");
    assert!(
        outputs[4].contains(&format!(
            "<link href=\"{}\"",
            moved_feed.replace('&', "&amp;")
        )),
        "{}",
        outputs[4]
    );
}
