//! Issue 11, the private-address guard: a feed's links never reach loopback, LAN or
//! metadata addresses unless `politeness.allow_private_addresses` says so. Names resolve
//! through a stub ([`stet::http::address::Lookup`]): public-looking addresses exist only
//! in the stub, and every connection the tests allow goes to the fixture server on
//! 127.0.0.1 (a guard that failed would show as requests the server saw).

mod common;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use common::{Route, TestServer};
use stet::config::Config;
use stet::http::address::{Lookedup, Lookup};
use stet::poll::Poller;
use stet::store::Store;

/// Fixed answers per name; anything else does not resolve.
struct Stub(HashMap<String, Vec<IpAddr>>);

impl Lookup for Stub {
    fn lookup(&self, host: &str) -> Lookedup {
        let r = self.0.get(host).cloned().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{host}: no such host"),
            )
        });
        Box::pin(async move { r })
    }
}

fn stub() -> Arc<Stub> {
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    Arc::new(Stub(HashMap::from([
        // The bypass of the old guard: one public and one loopback address. Loopback
        // comes first, so the feed's own fetch connects to the fixture server.
        (
            "mixed.test".into(),
            vec![ip("127.0.0.1"), ip("93.184.216.34")],
        ),
        ("loop.test".into(), vec![ip("127.0.0.1")]),
        ("localhost".into(), vec![ip("127.0.0.1")]),
        ("rebind.test".into(), vec![ip("127.0.0.1")]),
        // Never listening: a guard that failed would show a connect error.
        ("other.test".into(), vec![ip("127.0.0.2")]),
    ])))
}

fn port(server: &TestServer) -> u16 {
    server.base.rsplit(':').next().unwrap().parse().unwrap()
}

fn rss(links: &[String]) -> String {
    let items: String = links
        .iter()
        .enumerate()
        .map(|(i, l)| format!("<item><title>t{i}</title><link>{l}</link><guid>g{i}</guid></item>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>f</title>{items}</channel></rss>"
    )
}

const PAGE: &str = "<html><head><title>A page</title></head><body><article><h1>A page</h1>\
    <p>This article has enough words in it to be extracted as the body of a page.</p>\
    <p>And a second paragraph that says a little more about nothing at all.</p></article></body></html>";

/// Polls once a feed at `feed_host` linking to `links` (paths on the fixture server, or
/// absolute URLs), with `allow` as the setting; returns the paths the server saw and
/// each article fetch's (url, error) from the fetch log, in URL order.
async fn poll(
    feed_host: &str,
    links: &[&str],
    allow: Option<&str>,
) -> (Vec<String>, Vec<(String, Option<String>)>) {
    let server = TestServer::start();
    let p = port(&server);
    let links: Vec<String> = links
        .iter()
        .map(|l| l.replace("PORT", &p.to_string()))
        .collect();
    server.set("/feed.xml", Route::ok("application/rss+xml", rss(&links)));
    for l in &links {
        if let Ok(u) = url::Url::parse(l) {
            server.set(u.path(), Route::html(PAGE));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let allow = allow.map_or(String::new(), |a| {
        format!("allow_private_addresses = {a}\n")
    });
    let text = format!(
        "database = \"stet.db\"\n[http]\nconnect_timeout = \"1s\"\ntimeout = \"2s\"\n\
         [politeness]\nper_host_delay = \"0s\"\nobey_robots = false\n{allow}\
         [[feed]]\nurl = \"http://{feed_host}:{p}/feed.xml\"\n"
    );
    let cfg = Config::from_toml(&text, std::path::Path::new("t.toml"), dir.path()).unwrap();
    let mut store = Store::open(&cfg.database).unwrap();
    let poller = Poller::with_lookup(cfg.clone(), stub()).unwrap();
    poller.poll_once(&mut store, false).await.unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&cfg.database).unwrap();
    let mut stmt = conn
        .prepare("SELECT url, error FROM fetches WHERE article_id IS NOT NULL ORDER BY url")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let url: String = r.get(0)?;
            Ok((url.replace(&format!(":{p}/"), ":PORT/"), r.get(1)?))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let mut seen: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    seen.sort();
    (seen, rows)
}

fn refused(what: &str) -> Option<String> {
    Some(format!(
        "address failed: refused: {what}; list it in politeness.allow_private_addresses to allow"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_on_a_public_and_a_loopback_address_reaches_no_private_link() {
    let (seen, rows) = poll(
        "mixed.test",
        &[
            "http://127.0.0.1:PORT/loopback",
            "http://localhost:PORT/localhost",
            "http://rebind.test:PORT/rebind",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/lan",
        ],
        None,
    )
    .await;
    // The server saw the feed and nothing else.
    assert_eq!(seen, vec!["/feed.xml".to_string()]);
    assert_eq!(
        rows,
        vec![
            (
                "http://10.0.0.1/lan".into(),
                refused("10.0.0.1 is a non-public address")
            ),
            (
                "http://127.0.0.1:PORT/loopback".into(),
                refused("127.0.0.1 is a non-public address")
            ),
            (
                "http://169.254.169.254/latest/meta-data/".into(),
                refused("169.254.169.254 is a non-public address")
            ),
            (
                "http://localhost:PORT/localhost".into(),
                refused("localhost resolves only to non-public addresses (127.0.0.1)")
            ),
            (
                "http://rebind.test:PORT/rebind".into(),
                refused("rebind.test resolves only to non-public addresses (127.0.0.1)")
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_feed_reaches_its_own_host_and_nothing_else_by_default() {
    let (seen, rows) = poll(
        "loop.test",
        &[
            "http://loop.test:PORT/own",
            "http://127.0.0.1:PORT/other-name",
            "http://169.254.169.254/latest/meta-data/",
        ],
        None,
    )
    .await;
    assert_eq!(seen, vec!["/feed.xml".to_string(), "/own".to_string()]);
    let errors: Vec<(String, Option<String>)> = rows
        .into_iter()
        .map(|(u, e)| {
            let path = u.split_once("://").unwrap().1.split_once('/').unwrap().1;
            (format!("/{path}"), e)
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (
                "/other-name".into(),
                refused("127.0.0.1 is a non-public address")
            ),
            (
                "/latest/meta-data/".into(),
                refused("169.254.169.254 is a non-public address")
            ),
            ("/own".into(), None),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_networks_and_hosts_are_reached_and_nothing_more() {
    let links = [
        "http://127.0.0.1:PORT/listed-net",
        "http://rebind.test:PORT/listed-host",
        "http://other.test:PORT/unlisted",
        "http://169.254.169.254/latest/meta-data/",
    ];
    let (seen, rows) = poll(
        "mixed.test",
        &links,
        Some("[\"127.0.0.1/32\", \"rebind.test\"]"),
    )
    .await;
    assert_eq!(
        seen,
        vec![
            "/feed.xml".to_string(),
            "/listed-host".to_string(),
            "/listed-net".to_string()
        ]
    );
    let refusals: Vec<Option<String>> = rows
        .into_iter()
        .map(|r| r.1)
        .filter(Option::is_some)
        .collect();
    assert_eq!(
        refusals,
        vec![
            refused("169.254.169.254 is a non-public address"),
            refused("other.test resolves only to non-public addresses (127.0.0.2)"),
        ]
    );
    // `true`: every non-public address but link-local and metadata ones.
    // (other.test's 127.0.0.2 is allowed then, and answers nothing: a connect error.)
    let (seen, rows) = poll("mixed.test", &links, Some("true")).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    let refusals: Vec<Option<String>> = rows
        .into_iter()
        .map(|r| r.1)
        .filter(|e| e.as_deref().is_some_and(|e| e.starts_with("address")))
        .collect();
    assert_eq!(
        refusals,
        vec![refused("169.254.169.254 is a non-public address")]
    );
}
