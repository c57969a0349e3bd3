//! Issue 11, backoff after the slot: the requests queued behind a host that answered
//! 429 or stopped answering are not sent, so one failing host costs one failure per
//! poll, not one per article; `poll --all` ignores earlier polls' backoff but not the
//! failures of its own poll.

mod common;
#[path = "rough/mod.rs"]
mod rough;

use std::time::Duration;

use common::Workdir;
use rough::{Reply, Rough};

const RSS: &str = "application/rss+xml; charset=utf-8";
const ARTICLES: usize = 21;

/// A feed of 21 articles on a server whose articles answer with `article`.
fn server(article: fn() -> Reply) -> Rough {
    let items: String = (0..ARTICLES)
        .map(|i| format!("<item><title>n{i}</title><link>/a/{i}</link><guid>{i}</guid></item>"))
        .collect();
    let feed = format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>");
    Rough::start(move |path| match path {
        "/feed.xml" => Reply::ok(RSS, feed.clone()),
        p if p.starts_with("/a/") => article(),
        _ => Reply::Full(404, vec![], vec![]),
    })
}

fn article_requests(server: &Rough) -> usize {
    server
        .paths()
        .iter()
        .filter(|p| p.starts_with("/a/"))
        .count()
}

fn workdir(server: &Rough) -> Workdir {
    Workdir::new(&format!(
        "[http]\ntimeout = \"1s\"\n[politeness]\nper_host_delay = \"0s\"\n\
         [[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ))
}

fn deferred_line(stderr: &str) -> Option<&str> {
    stderr.lines().find(|l| l.contains("deferred"))
}

#[test]
fn after_a_429_the_queued_articles_of_the_host_are_not_requested() {
    let server = server(|| {
        Reply::Full(
            429,
            vec![("Retry-After".into(), "120".into())],
            b"slow down".to_vec(),
        )
    });
    let w = workdir(&server);
    let before = chrono::Utc::now();
    let out = w.stet(&["poll"]);
    let after = chrono::Utc::now();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(article_requests(&server), 1, "{stderr}");
    // The line names the host and the end of its backoff (Retry-After: 120 from the
    // 429), not a command that does not show it.
    let line = deferred_line(&stderr).unwrap_or_default();
    let host = server.url("").trim_start_matches("http://").to_string();
    let until = line
        .strip_prefix(&format!(
            "20 article(s) deferred while their host backs off after failures: {host} until "
        ))
        .and_then(|l| l.strip_suffix("; they are rescheduled for then"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let until = chrono::DateTime::parse_from_rfc3339(until).unwrap();
    assert!(
        until >= before + chrono::Duration::seconds(119)
            && until <= after + chrono::Duration::seconds(120),
        "{line}"
    );
    // `poll --all` overrides the backoff of the earlier poll, once: the first request
    // fails again and the others wait.
    let out = w.stet(&["poll", "--all"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(article_requests(&server), 2, "{stderr}");
    assert_eq!(
        deferred_line(&stderr).map(|l| l.split(' ').next().unwrap()),
        Some("20")
    );
}

#[test]
fn articles_that_never_answer_cost_one_timeout_per_poll() {
    let server = server(|| Reply::Endless {
        headers: vec![("Content-Type".into(), "text/html".into())],
        head: b"<html>".to_vec(),
        chunk: b" ".to_vec(),
        pause: Duration::from_millis(300),
    });
    let w = workdir(&server);
    let out = w.stet(&["poll"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(article_requests(&server), 1, "{stderr}");
    let timeouts: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("article failed:"))
        .collect();
    assert_eq!(timeouts.len(), 1, "{stderr}");
    assert!(
        timeouts[0].ends_with(
            "timeout failed: no complete response within 1s (the body was still arriving)"
        ),
        "{stderr}"
    );
    assert_eq!(
        deferred_line(&stderr).map(|l| l.split(' ').next().unwrap()),
        Some("20"),
        "{stderr}"
    );
}
