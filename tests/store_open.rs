//! Issue 11, opening the archive: read commands open it read-only and change nothing
//! (an archive on read-only media or a backup can be read), and the failures of opening
//! say what is wrong.

mod common;

use std::path::Path;

use common::{Workdir, seed_server};
use stet::store::Store;

/// The database file's bytes and modification time, and which of its side files exist.
fn snapshot(dir: &Path) -> (Vec<u8>, std::time::SystemTime, Vec<bool>) {
    let db = dir.join("stet.db");
    let side = ["stet.db-wal", "stet.db-shm", "stet.db-journal"]
        .iter()
        .map(|n| dir.join(n).exists())
        .collect();
    (
        std::fs::read(&db).unwrap(),
        std::fs::metadata(&db).unwrap().modified().unwrap(),
        side,
    )
}

#[test]
fn read_commands_open_the_archive_read_only_and_change_nothing() {
    let server = seed_server();
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll"]);
    let dir = w.dir.path();
    let before = snapshot(dir);
    // The last writer checkpointed and removed its WAL: only the file is left.
    assert_eq!(before.2, vec![false, false, false]);
    for args in [
        &["articles"][..],
        &["articles", "--json"],
        &["versions", "1"],
        &["show", "1"],
        &["changes"],
        &["changes", "--format", "atom"],
        &["feeds"],
    ] {
        w.ok(args);
    }
    let out = w.stet(&["diff", "1"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "stet: article 1 has 1 version(s); a diff needs two\n"
    );
    assert_eq!(snapshot(dir), before, "the archive was modified");

    let store = Store::open_read_only(&dir.join("stet.db")).unwrap();
    assert!(store.is_read_only());
    assert_eq!(store.articles().unwrap().len(), 2);
    drop(store);
    assert_eq!(snapshot(dir), before);
    assert!(!Store::open(&dir.join("stet.db")).unwrap().is_read_only());
}

#[test]
fn a_database_from_a_newer_stet_is_refused_and_left_alone() {
    let server = seed_server();
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll"]);
    let db = w.dir.path().join("stet.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    let before = snapshot(w.dir.path());
    for args in [&["articles"][..], &["poll"], &["reextract", "--all"]] {
        let out = w.stet(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "stet: cannot open database {}: created by a newer stet (schema 7, this stet knows 6): upgrade stet\n",
                db.display()
            ),
            "{args:?}"
        );
    }
    assert_eq!(snapshot(w.dir.path()), before);
}

#[test]
fn a_file_that_is_not_a_database_is_named_at_once() {
    let w = Workdir::new("");
    let db = w.dir.path().join("stet.db");
    std::fs::write(
        &db,
        b"this is not a database, it is a text file of some length....",
    )
    .unwrap();
    for args in [&["articles"][..], &["poll"]] {
        let out = w.stet(args);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "stet: cannot open database {}: database error: file is not a database\n",
                db.display()
            ),
            "{args:?}"
        );
    }
}

/// On a real read-only filesystem: a read-only bind mount in a mount namespace of the
/// test's own (`unshare -m`, as root). Skipped, saying so, where that is not possible.
#[test]
fn an_archive_on_a_read_only_filesystem_can_be_read() {
    let server = seed_server();
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll"]);
    let dir = w.dir.path().display().to_string();
    let script = format!(
        "mount --bind '{dir}' '{dir}' && mount -o remount,ro,bind '{dir}' || exit 97; \
         touch '{dir}/probe' 2>/dev/null && exit 98; \
         exec '{stet}' --config '{dir}/config.toml' articles --json",
        stet = env!("CARGO_BIN_EXE_stet"),
    );
    let out = match std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .env_remove("STET_CONFIG")
        .output()
    {
        Ok(out) if !matches!(out.status.code(), Some(97 | 98)) => out,
        other => {
            eprintln!("skipped: no read-only bind mount here ({other:?})");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}
