//! Issue 11, crash safety: `stet poll` killed (SIGKILL) at random points of runs that
//! archive edits leaves a database that passes `PRAGMA integrity_check`, keeps every
//! version committed before the kill, and is brought up to date by the next poll.
//! Bounded and repeatable: a fixed seed, a fixed number of kills.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Route, TestServer, Workdir};
use stet::store::Store;

const ARTICLES: usize = 24;
const KILLS: usize = 6;

fn page(i: usize, edition: usize) -> String {
    let edits: String = (1..=edition)
        .map(|e| {
            format!(
                "<p>Update {e}: the council answered question {e} about article {i} in full.</p>"
            )
        })
        .collect();
    format!(
        "<html><head><title>Article {i}</title></head><body><article><h1>Article {i}</h1>\
         <p>This is article number {i}, with enough words in its first paragraph to be the body.</p>\
         <p>A second paragraph gives the background of the story and a little more.</p>{edits}\
         </article></body></html>"
    )
}

/// Every (article id, content hash) of the archive.
fn versions(db: &std::path::Path) -> BTreeSet<(i64, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT article_id, hex(content_sha256) FROM versions")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn integrity(db: &std::path::Path) -> (String, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    (ok, fk)
}

#[test]
fn polls_killed_at_random_points_lose_nothing_committed() {
    let server = TestServer::start();
    let items: String = (0..ARTICLES)
        .map(|i| {
            format!(
                "<item><title>Article {i}</title><link>{}</link><guid>a{i}</guid></item>",
                server.url(&format!("/a/{i}"))
            )
        })
        .collect();
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>F</title>{items}</channel></rss>"),
        ),
    );
    let mut edition = [0usize; ARTICLES];
    for (i, e) in edition.iter().enumerate() {
        server.set(&format!("/a/{i}"), Route::html(page(i, *e)));
    }
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let db = w.dir.path().join("stet.db");
    let mut rng = fastrand::Rng::with_seed(11);
    let mut killed_mid_run = 0;
    for round in 0..KILLS {
        // Edit a few articles, then poll and kill the poll after a random delay.
        for _ in 0..rng.usize(3..8) {
            let i = rng.usize(0..ARTICLES);
            edition[i] += 1;
            server.set(&format!("/a/{i}"), Route::html(page(i, edition[i])));
        }
        let before = if db.exists() {
            versions(&db)
        } else {
            BTreeSet::new()
        };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stet"))
            .arg("--config")
            .arg(w.config())
            .args(["poll", "--all"])
            .env_remove("STET_CONFIG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.u64(20..600)));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill();
        child.wait().unwrap();
        if !db.exists() {
            continue;
        }
        assert_eq!(integrity(&db), ("ok".to_string(), 0), "round {round}");
        let after = versions(&db);
        assert!(
            before.is_subset(&after),
            "round {round}: versions lost: {:?}",
            before.difference(&after).collect::<Vec<_>>()
        );
    }
    assert!(killed_mid_run > 0, "no poll was killed while it ran");
    // A clean poll brings every article up to date: its latest version is the page
    // served now.
    w.ok(&["poll", "--all"]);
    assert_eq!(integrity(&db), ("ok".to_string(), 0));
    let store = Store::open_read_only(&db).unwrap();
    for (i, e) in edition.iter().enumerate() {
        let id = store.find_article(&server.url(&format!("/a/{i}"))).unwrap();
        let latest = store.latest_version(id).unwrap().unwrap();
        let text = store.blob_text(&latest.text_sha256).unwrap();
        let marker = format!("Update {e}: ");
        assert!(
            *e == 0 || text.contains(&marker),
            "article {i}: edition {e} missing from {text}"
        );
        assert!(!text.contains(&format!("Update {}: ", e + 1)));
    }
    drop(store);
    // And the next poll finds nothing new.
    let count = versions(&db).len();
    w.ok(&["poll", "--all"]);
    assert_eq!(versions(&db).len(), count);
}
