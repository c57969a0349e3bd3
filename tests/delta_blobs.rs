//! Raw pages of one site are stored as deltas against a full page of that site, and
//! read back byte for byte.

mod common;

use common::{Route, TestServer, Workdir, fixture};

/// Article `i` of a site: the seed article's page with a large script block shared by
/// all the site's pages and a paragraph of its own.
fn page(i: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(42);
    let script: String = (0..3000)
        .map(|_| {
            format!(
                "var {}{} = {};\n",
                rng.lowercase(),
                rng.lowercase(),
                rng.u32(..)
            )
        })
        .collect();
    let mut own = fastrand::Rng::with_seed(i as u64);
    let words: String = (0..300)
        .map(|_| {
            (0..own.usize(2..9))
                .map(|_| own.lowercase())
                .collect::<String>()
                + " "
        })
        .collect();
    String::from_utf8(fixture("seed-article/v1.html"))
        .unwrap()
        .replace("</head>", &format!("<script>{script}</script></head>"))
        .replace(
            "</article>",
            &format!("<p>Article {i}: {words}</p></article>"),
        )
        .into_bytes()
}

fn feed(server: &TestServer, n: usize) -> String {
    let items: String = (0..n)
        .map(|i| {
            let url = server.url(&format!("/a/{i}"));
            format!("<item><title>Article {i}</title><link>{url}</link><guid>{url}</guid></item>")
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>")
}

#[test]
fn pages_of_one_site_are_stored_as_deltas_and_read_back() {
    let server = TestServer::start();
    for i in 0..5 {
        server.set(&format!("/a/{i}"), Route::html(page(i)));
    }
    server.set(
        "/feed.xml",
        Route::ok("application/rss+xml", feed(&server, 1)),
    );
    // A per-host delay: the site's pages are written one after the other.
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n[politeness]\nper_host_delay = \"100ms\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    server.set(
        "/feed.xml",
        Route::ok("application/rss+xml", feed(&server, 5)),
    );
    w.ok(&["poll", "--all"]);

    let db = w.dir.path().join("stet.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let raws: Vec<(String, Option<Vec<u8>>, i64, i64)> = conn
        .prepare(
            "SELECT a.url, b.base, b.size, length(b.data) FROM versions v
               JOIN articles a ON a.id = v.article_id JOIN blobs b ON b.sha256 = v.raw_sha256
             ORDER BY a.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(raws.len(), 5);
    let deltas = raws.iter().filter(|r| r.1.is_some()).count();
    // The first page is stored full; the second poll (a new process) seeds its pool
    // from the archive, so every new page of the site is a delta.
    assert_eq!(deltas, 4, "{raws:?}");
    for (_, base, size, stored) in &raws {
        if base.is_some() {
            assert!(stored * 5 < *size, "a delta of {stored} bytes for {size}");
        }
    }
    let store = stet::store::Store::open(&db).unwrap();
    for (i, (url, ..)) in raws.iter().enumerate() {
        assert!(url.ends_with(&format!("/a/{i}")));
        let v = store
            .latest_version(store.find_article(url).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(store.blob(&v.raw_sha256).unwrap(), page(i), "{url}");
    }
    // Re-extraction reads the raw pages back through their bases.
    let out = w.stet(&["reextract", "--all", "--force"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
