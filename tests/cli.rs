//! The command line as a user meets it: init, exit codes, errors that name the cause.

mod common;

use common::{Route, TestServer, Workdir};

#[test]
fn a_failing_feed_is_reported_and_the_others_go_on() {
    let server = TestServer::start();
    server.set(
        "/good.xml",
        Route::ok(
            "application/rss+xml",
            format!(
                "<rss version=\"2.0\"><channel><title>G</title><item><title>A</title><link>{}/a</link></item></channel></rss>",
                server.base
            ),
        ),
    );
    server.set("/a", Route::html("<html><body><article><h1>A</h1><p>Some words of an article that is long enough, with commas, to be kept as the body.</p></article></body></html>"));
    server.set(
        "/broken.xml",
        Route::ok("application/rss+xml", "<rss><channel><item>"),
    );
    server.set("/gone.xml", Route::ok("text/plain", "gone").status(500));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n[[feed]]\nurl = \"{}\"\n[[feed]]\nurl = \"{}\"\n",
        server.url("/broken.xml"),
        server.url("/gone.xml"),
        server.url("/good.xml")
    ));
    let out = w.stet(&["poll"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let failed: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("feed failed:"))
        .collect();
    assert_eq!(failed.len(), 2, "{stderr}");
    assert!(
        failed[0].contains("/broken.xml") && failed[0].contains("parse"),
        "{stderr}"
    );
    assert!(
        failed[1].contains("/gone.xml") && failed[1].contains("500"),
        "{stderr}"
    );
    let articles = w.json(&["articles", "--json"]);
    assert_eq!(articles.as_array().unwrap().len(), 1);
    assert_eq!(articles[0]["versions"], 1);
}

#[test]
fn a_dead_host_is_a_clear_error() {
    // Port 9 on loopback: nothing listens (connection refused).
    let w = Workdir::new("[[feed]]\nurl = \"http://127.0.0.1:9/feed.xml\"\n");
    let out = w.stet(&["poll"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("feed failed: http://127.0.0.1:9/feed.xml"),
        "{stderr}"
    );
    assert!(stderr.contains("connect"), "{stderr}");
}

#[test]
fn a_corrupt_config_names_the_line_and_key() {
    let w = Workdir::new("[[feed]]\nurl = \"https://example.com/feed\"\ninterval = 30\n");
    let out = w.stet(&["poll"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 5"), "{stderr}");
    assert!(stderr.contains("interval"), "{stderr}");
}

#[test]
fn init_writes_a_config_and_creates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sub/config.toml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stet"))
        .arg("--config")
        .arg(&cfg)
        .arg("init")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        stet::config::EXAMPLE
    );
    assert!(dir.path().join("sub/stet.db").exists());
    // A second init leaves the file alone.
    std::fs::write(&cfg, "interval = \"1h\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stet"))
        .arg("--config")
        .arg(&cfg)
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        "interval = \"1h\"\n"
    );
}

#[test]
fn unknown_ids_are_errors_with_status_2() {
    let w = Workdir::new("");
    w.ok(&["init"]);
    w.ok(&["articles"]);
    let out = w.stet(&["versions", "42"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("article 42 not found"));
    let out = w.stet(&["diff", "1", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let out = w.stet(&["show", "7"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 7 not found"));
}

#[test]
fn reading_commands_never_create_a_database() {
    let w = Workdir::new("");
    for args in [
        &["articles"][..],
        &["feeds"],
        &["versions", "1"],
        &["show", "1"],
        &["changes"],
        &["diff", "1"],
        &["reextract", "--all"],
    ] {
        let out = w.stet(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no database at "), "{args:?}: {err}");
        assert!(err.contains("stet.db"), "{args:?}: {err}");
    }
    assert!(
        !w.dir.path().join("stet.db").exists(),
        "a reading command created the database"
    );
    w.ok(&["init"]);
    assert_eq!(w.ok(&["articles", "--json"]).trim(), "[]");
}

#[test]
fn help_documents_the_exit_status() {
    let w = Workdir::new("");
    let help = w.ok(&["--help"]);
    assert!(help.contains("Exit status"), "{help}");
    assert!(help.contains("at least one feed failed"), "{help}");
}

#[cfg(unix)]
#[test]
fn the_daemon_archives_then_stops_cleanly_on_sigterm() {
    let server = TestServer::start();
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            format!(
                "<rss version=\"2.0\"><channel><title>G</title><item><title>A</title><link>{}/a</link></item></channel></rss>",
                server.base
            ),
        ),
    );
    server.set("/a", Route::html("<html><body><article><h1>A</h1><p>Some words of an article that is long enough, with commas, to be kept as the body.</p></article></body></html>"));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let child = w.spawn_daemon();
    // Kill the daemon if an assertion below fails, so no process outlives the test.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut guard = KillOnDrop(child);
    let child = &mut guard.0;
    // Wait (bounded) until the first cycle archived the article.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        // Until the daemon has created the database, listing it is an error.
        let out = w.stet(&["articles", "--json"]);
        let a: serde_json::Value = if out.status.success() {
            serde_json::from_slice(&out.stdout).unwrap()
        } else {
            serde_json::Value::Null
        };
        if a.as_array()
            .is_some_and(|a| a.len() == 1 && a[0]["versions"] == 1)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "daemon archived nothing: {a}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "daemon did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn a_second_poller_on_the_same_database_does_nothing() {
    let server = TestServer::start();
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><title>G</title></channel></rss>",
        ),
    );
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    // Another poller holds the lock.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.dir.path().join("stet.db.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let out = w.stet(&["poll", "--all"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another `stet poll` or `stet run`"));
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    drop(lock);
    w.ok(&["poll", "--all"]);
    assert_eq!(
        server.seen().len(),
        2,
        "robots.txt and the feed: {:?}",
        server.seen()
    );
}
