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
