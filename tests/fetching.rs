//! Issue 6, polite and resilient fetching, through the real binary against misbehaving
//! servers on 127.0.0.1 (tests/rough) and the casebook inputs (tests/fixtures/casebook).

mod common;
#[path = "rough/mod.rs"]
mod rough;

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Workdir, fixture};
use rough::{Reply, Rough};
use serde_json::Value;

const RSS: &str = "application/rss+xml; charset=utf-8";

fn feed_cfg(url: &str, extra: &str) -> Workdir {
    Workdir::new(&format!("{extra}\n[[feed]]\nurl = \"{url}\"\n"))
}

fn db(w: &Workdir) -> rusqlite::Connection {
    rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap()
}

fn count(w: &Workdir, sql: &str) -> i64 {
    db(w).query_row(sql, [], |r| r.get(0)).unwrap()
}

fn feeds(w: &Workdir) -> Vec<Value> {
    w.json(&["feeds", "--json"]).as_array().unwrap().clone()
}

fn secs_between(a: &Value, b: &Value) -> i64 {
    let p = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    (p(b) - p(a)).num_seconds()
}

fn casebook(rel: &str) -> Vec<u8> {
    fixture(&format!("casebook/{rel}"))
}

#[test]
fn casebook_07_content_codings_decode_to_the_same_feed() {
    let step = Arc::new(AtomicUsize::new(0));
    let s = step.clone();
    let server = Rough::start(move |path| {
        if path != "/feed.xml" {
            return Reply::Full(404, vec![], b"no".to_vec());
        }
        let (coding, file) = match s.load(Ordering::SeqCst) {
            0 => ("gzip", "feed.xml.gz"),
            1 => ("aws-chunked", "feed.xml"),
            2 => ("deflate", "feed.xml.zlib"),
            _ => ("deflate", "feed.xml.rawdeflate"),
        };
        Reply::Full(
            200,
            vec![
                ("Content-Type".into(), RSS.into()),
                ("Content-Encoding".into(), coding.into()),
            ],
            casebook(&format!("07-content-encoding-gzip-unknown/{file}")),
        )
    });
    let w = feed_cfg(&server.url("/feed.xml"), "");
    for i in 0..4 {
        step.store(i, Ordering::SeqCst);
        let out = w.stet(&["poll", "--all"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "R{}: {}",
            i + 1,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let conn = db(&w);
    let titles: Vec<String> = conn
        .prepare("SELECT title FROM entries ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        titles,
        [
            "Tram depot plans published",
            "Bakery wins regional prize",
            "Volunteers clean the canal"
        ]
    );
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 0);
    let f = &feeds(&w)[0];
    assert_eq!(f["status"], "ok");
    assert_eq!(f["last_error"], Value::Null);
}

/// Serves a feed with one article whose page is `page()`.
fn one_article_server(page: Arc<Mutex<(u16, Vec<u8>)>>) -> Rough {
    Rough::start(move |path| match path {
        "/feed.xml" => Reply::ok(
            RSS,
            "<rss version=\"2.0\"><channel><title>L</title><item><title>Ferry operator cuts winter sailings</title>\
             <link>/2024/10/ferry-winter-sailings</link><guid>a</guid></item></channel></rss>",
        ),
        "/2024/10/ferry-winter-sailings" => {
            let (status, body) = page.lock().unwrap().clone();
            Reply::Full(
                status,
                vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
                body,
            )
        }
        _ => Reply::Full(404, vec![], b"no".to_vec()),
    })
}

fn events(w: &Workdir) -> Vec<(String, String)> {
    db(w)
        .prepare("SELECT kind, COALESCE(detail, '') FROM events WHERE article_id IS NOT NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn casebook_15_soft_errors_and_404s_never_become_versions() {
    let dir = "15-soft-error-paywall-404";
    let page = Arc::new(Mutex::new((200, casebook(&format!("{dir}/article.html")))));
    let server = one_article_server(page.clone());
    let w = feed_cfg(&server.url("/feed.xml"), "");
    let steps = [
        (200, "article.html", 0usize),
        (200, "busy.html", 0),
        (200, "article.html", 0),
        (200, "paywall.html", 0),
        (404, "notfound.html", 1),
        (404, "notfound.html", 1),
        (200, "article.html", 2),
    ];
    for (i, (status, file, n_events)) in steps.into_iter().enumerate() {
        *page.lock().unwrap() = (status, casebook(&format!("{dir}/{file}")));
        w.stet(&["poll", "--all"]);
        assert_eq!(
            count(&w, "SELECT count(*) FROM versions"),
            1,
            "poll {}",
            i + 1
        );
        assert_eq!(
            events(&w).len(),
            n_events,
            "poll {}: {:?}",
            i + 1,
            events(&w)
        );
    }
    assert_eq!(
        events(&w),
        [
            ("removed".to_string(), "unavailable (HTTP 404)".to_string()),
            ("restored".to_string(), "available again".to_string())
        ]
    );
    let soft = count(
        &w,
        "SELECT count(*) FROM fetches WHERE outcome = 'soft_error'",
    );
    assert_eq!(
        soft, 2,
        "busy and paywall polls are recorded as soft errors"
    );
    let text: String = db(&w)
        .query_row("SELECT text_sha256 FROM versions", [], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .map(hex::encode)
        .unwrap();
    let shown = w.ok(&["show", "1"]);
    assert!(!text.is_empty());
    for bad in [
        "servers are busy",
        "Subscribe to continue reading",
        "Page not found",
    ] {
        assert!(!shown.contains(bad), "{bad}");
    }
}

#[test]
fn casebook_10_a_collapsed_extraction_is_not_a_version() {
    let dir = "10-extraction-collapse";
    let page = Arc::new(Mutex::new((200, casebook(&format!("{dir}/v1.html")))));
    let server = one_article_server(page.clone());
    let w = feed_cfg(&server.url("/feed.xml"), "");
    w.ok(&["poll", "--all"]);
    let shown = w.ok(&["show", "1"]);
    assert!(shown.contains("Police charged a 17-year-old with arson on Wednesday"));
    assert!(!shown.contains("Bakery wins regional prize"));
    *page.lock().unwrap() = (200, casebook(&format!("{dir}/v2.html")));
    w.ok(&["poll", "--all"]);
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 1);
    assert_eq!(events(&w).len(), 1);
    assert_eq!(events(&w)[0].0, "extraction_failed");
    assert_eq!(
        count(
            &w,
            "SELECT count(*) FROM fetches WHERE outcome = 'extraction_failed' AND stage = 'extract'"
        ),
        1
    );
    *page.lock().unwrap() = (200, casebook(&format!("{dir}/v3.html")));
    w.ok(&["poll", "--all"]);
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 1);
    assert_eq!(events(&w).len(), 1);
}

#[test]
fn retry_after_on_429_sets_the_next_poll() {
    let server = Rough::start(|_| {
        Reply::Full(
            429,
            vec![("Retry-After".into(), "7200".into())],
            b"slow down".to_vec(),
        )
    });
    let w = feed_cfg(&server.url("/feed.xml"), "");
    let out = w.stet(&["poll"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 429"));
    let f = &feeds(&w)[0];
    assert!(
        secs_between(&f["last_polled_at"], &f["next_poll_at"]) >= 7200,
        "{f}"
    );
    assert_eq!(f["status"], "failing");
    // The host is backing off too: a plain poll sends nothing.
    let before = server.paths().len();
    w.stet(&["poll"]);
    assert_eq!(server.paths().len(), before);
}

#[test]
fn backoff_grows_on_503_and_resets_on_success() {
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f2 = fail.clone();
    let server = Rough::start(move |path| match path {
        "/feed.xml" if f2.load(Ordering::SeqCst) => Reply::Full(503, vec![], b"down".to_vec()),
        "/feed.xml" => Reply::ok(
            RSS,
            "<rss version=\"2.0\"><channel><title>T</title></channel></rss>",
        ),
        _ => Reply::Full(404, vec![], vec![]),
    });
    let w = feed_cfg(&server.url("/feed.xml"), "");
    let mut waits = Vec::new();
    for _ in 0..3 {
        w.stet(&["poll", "--all"]);
        let f = &feeds(&w)[0];
        waits.push(secs_between(&f["last_polled_at"], &f["next_poll_at"]));
    }
    assert!(
        waits[0] >= 1800 && waits[1] >= 3600 && waits[2] >= 7200,
        "{waits:?}"
    );
    assert!(waits[0] < waits[1] && waits[1] < waits[2], "{waits:?}");
    let f = &feeds(&w)[0];
    assert_eq!(f["failures"], 3);
    assert!(
        f["last_error"]
            .as_str()
            .unwrap()
            .contains("http_status failed: HTTP 503")
    );
    fail.store(false, Ordering::SeqCst);
    w.ok(&["poll", "--all"]);
    let f = &feeds(&w)[0];
    assert_eq!(
        (f["failures"].as_u64(), f["status"].as_str()),
        (Some(0), Some("ok"))
    );
    assert_eq!(secs_between(&f["last_polled_at"], &f["next_poll_at"]), 1800);
}

#[test]
fn robots_txt_disallow_is_obeyed_and_recorded() {
    let server = Rough::start(|path| match path {
        "/robots.txt" => Reply::ok("text/plain", "User-agent: stet\nDisallow: /private/\n"),
        "/feed.xml" => Reply::ok(
            RSS,
            "<rss version=\"2.0\"><channel><title>T</title>\
             <item><title>a</title><link>/private/a</link><guid>a</guid></item></channel></rss>",
        ),
        _ => Reply::Full(500, vec![], vec![]),
    });
    let w = feed_cfg(&server.url("/feed.xml"), "");
    w.ok(&["poll", "--all"]);
    assert!(
        !server.paths().iter().any(|p| p.starts_with("/private")),
        "{:?}",
        server.paths()
    );
    assert_eq!(
        count(
            &w,
            "SELECT count(*) FROM fetches WHERE stage = 'robots' AND outcome = 'disallowed'"
        ),
        1
    );
    // Cached: a second run does not fetch robots.txt again.
    w.ok(&["poll", "--all"]);
    assert_eq!(
        server
            .paths()
            .iter()
            .filter(|p| *p == "/robots.txt")
            .count(),
        1
    );
}

#[test]
fn a_feed_moved_permanently_is_updated_after_three_polls() {
    let server = Rough::start(|path| match path {
        "/old.xml" => Reply::Full(301, vec![("Location".into(), "/new.xml".into())], vec![]),
        "/new.xml" => Reply::ok(
            RSS,
            "<rss version=\"2.0\"><channel><title>T</title></channel></rss>",
        ),
        _ => Reply::Full(404, vec![], vec![]),
    });
    let w = feed_cfg(&server.url("/old.xml"), "");
    for i in 1..=3 {
        let out = w.stet(&["poll", "--all"]);
        assert_eq!(out.status.code(), Some(0));
        let moved = String::from_utf8_lossy(&out.stderr).contains("feed moved:");
        assert_eq!(moved, i == 3, "poll {i}");
    }
    let f = &feeds(&w)[0];
    assert_eq!(f["url"], server.url("/new.xml"));
    assert_eq!(f["config_url"], server.url("/old.xml"));
    w.ok(&["poll", "--all"]);
    assert_eq!(feeds(&w).len(), 1);
    assert_eq!(server.paths().last().unwrap(), "/new.xml");
}

#[test]
fn a_410_feed_is_disabled() {
    let server = Rough::start(|_| Reply::Full(410, vec![], b"gone".to_vec()));
    let w = feed_cfg(&server.url("/feed.xml"), "");
    let out = w.stet(&["poll", "--all"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("410"));
    let f = &feeds(&w)[0];
    assert_eq!(f["status"], "gone");
    let n = server.paths().len();
    w.stet(&["poll", "--all"]);
    assert_eq!(server.paths().len(), n, "a gone feed is not polled again");
}

#[test]
fn redirect_loops_endless_bodies_drips_and_bombs_fail_cleanly() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&vec![0u8; 16 << 20]).unwrap();
    // One 16 MiB member, sent again and again: 10 GB and more once decoded.
    let bomb = gz.finish().unwrap();
    let head = casebook("16-huge-feed-size-cap/endless-head.xml");
    let item = casebook("16-huge-feed-size-cap/endless-item.xml");
    let server = Rough::start(move |path| match path {
        "/a" => Reply::Full(302, vec![("Location".into(), "/b".into())], vec![]),
        "/b" => Reply::Full(302, vec![("Location".into(), "/a".into())], vec![]),
        "/endless" => Reply::Endless {
            headers: vec![("Content-Type".into(), RSS.into())],
            head: head.clone(),
            chunk: item.clone(),
            pause: Duration::ZERO,
        },
        "/bomb" => Reply::Endless {
            headers: vec![("Content-Encoding".into(), "gzip".into())],
            head: Vec::new(),
            chunk: bomb.clone(),
            pause: Duration::ZERO,
        },
        "/good" => Reply::ok(
            RSS,
            "<rss version=\"2.0\"><channel><title>Good</title><item><title>g</title><guid>g</guid></item></channel></rss>",
        ),
        _ => Reply::Full(404, vec![], vec![]),
    });
    // A host that times out is backed off for the rest of the poll: the drip has a
    // server (host) of its own, so that the other feeds are still fetched.
    let dripping = Rough::start(|p| match p {
        "/drip" => Reply::Endless {
            headers: vec![("Content-Type".into(), RSS.into())],
            head: b"<".to_vec(),
            chunk: b"x".to_vec(),
            pause: Duration::from_millis(200),
        },
        _ => Reply::Full(404, vec![], vec![]),
    });
    let mut cfg = String::from("[http]\ntimeout = \"2s\"\nmax_body_bytes = 1048576\n");
    for p in ["/a", "/endless", "/drip", "/bomb", "/good"] {
        let url = if p == "/drip" {
            dripping.url(p)
        } else {
            server.url(p)
        };
        cfg.push_str(&format!("[[feed]]\nurl = \"{url}\"\n"));
    }
    let w = Workdir::new(&cfg);
    let t0 = std::time::Instant::now();
    let out = w.stet(&["poll"]);
    assert!(t0.elapsed() < Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = |p: &str| {
        let url = if p == "/drip" {
            dripping.url(p)
        } else {
            server.url(p)
        };
        stderr
            .lines()
            .find(|l| l.contains(&format!("feed failed: {url}")))
            .unwrap_or_else(|| panic!("no failure line for {p}: {stderr}"))
            .to_string()
    };
    assert!(
        line("/a").contains("redirect failed: redirect loop"),
        "{stderr}"
    );
    assert!(line("/endless").contains("too_large failed"), "{stderr}");
    assert!(
        line("/drip").ends_with(
            "timeout failed: no complete response within 2s (the body was still arriving)"
        ),
        "{stderr}"
    );
    assert!(line("/bomb").contains("too_large failed"), "{stderr}");
    // The good feed in the same cycle was processed; nothing else stored entries.
    assert_eq!(count(&w, "SELECT count(*) FROM entries"), 1);
    let f = feeds(&w);
    assert_eq!(f.iter().filter(|f| f["status"] == "ok").count(), 1);
}

#[test]
fn two_hundred_articles_on_one_host_are_never_fetched_at_once() {
    let items: String = (0..200)
        .map(|i| format!("<item><title>n{i}</title><link>/a/{i}</link><guid>{i}</guid></item>"))
        .collect();
    let feed = format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>");
    let server = Rough::start(move |path| match path {
        "/feed.xml" => Reply::ok(RSS, feed.clone()),
        p if p.starts_with("/a/") => Reply::ok(
            "text/html",
            format!(
                "<html><head><title>{p}</title></head><body><article><h1>{p}</h1><p>{}</p></article></body></html>",
                "Words, words and more words in a paragraph of the article. ".repeat(6)
            ),
        ),
        _ => Reply::Full(404, vec![], vec![]),
    });
    let w = feed_cfg(
        &server.url("/feed.xml"),
        "[politeness]\nper_host_delay = \"0s\"",
    );
    w.ok(&["poll", "--all"]);
    assert_eq!(
        server
            .paths()
            .iter()
            .filter(|p| p.starts_with("/a/"))
            .count(),
        200
    );
    assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 1);
}

#[test]
fn a_pdf_or_binary_article_link_is_never_a_version() {
    let mut binary = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    binary.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let body = binary.clone();
    let server = Rough::start(move |path| match path {
        "/feed.xml" => Reply::ok(
            RSS,
            "<rss version=\"2.0\"><channel><title>L</title>\
             <item><title>Annual report</title><link>/report.pdf</link><guid>a</guid></item>\
             <item><title>Mislabelled</title><link>/blob.html</link><guid>b</guid></item>\
             </channel></rss>",
        ),
        "/report.pdf" => Reply::Full(
            200,
            vec![("Content-Type".into(), "application/pdf".into())],
            body.clone(),
        ),
        "/blob.html" => Reply::Full(
            200,
            vec![("Content-Type".into(), "text/html".into())],
            body.clone(),
        ),
        _ => Reply::Full(404, vec![], b"no".to_vec()),
    });
    let w = feed_cfg(&server.url("/feed.xml"), "");
    let out = w.stet(&["poll"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 0);
    let errors: Vec<String> = db(&w)
        .prepare(
            "SELECT url || ' ' || error FROM fetches WHERE outcome = 'soft_error' ORDER BY url",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        errors,
        [
            format!(
                "{} extract failed: not a web page (binary content)",
                server.url("/blob.html")
            ),
            format!(
                "{} extract failed: not a web page (Content-Type application/pdf)",
                server.url("/report.pdf")
            ),
        ]
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_daemon_without_waiting_for_a_slow_download() {
    let server = Rough::start(|path| match path {
        "/feed.xml" => Reply::ok(
            RSS,
            "<rss version=\"2.0\"><channel><title>L</title>\
             <item><title>Slow</title><link>/slow</link><guid>a</guid></item></channel></rss>",
        ),
        // 8 bytes a second: the fetch would run into its 120 s timeout.
        "/slow" => Reply::Endless {
            headers: vec![("Content-Type".into(), "text/html".into())],
            head: b"<html><body><p>".to_vec(),
            chunk: b"drip... ".to_vec(),
            pause: Duration::from_secs(1),
        },
        _ => Reply::Full(404, vec![], b"no".to_vec()),
    });
    let w = feed_cfg(&server.url("/feed.xml"), "[http]\ntimeout = \"120s\"\n");
    let mut child = w.spawn_daemon();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !server.paths().iter().any(|p| p == "/slow") {
        assert!(std::time::Instant::now() < deadline, "{:?}", server.paths());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // Well before the download's 120 s timeout.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the daemon waited for the slow download after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(exit.code(), Some(0));
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 0);
}
