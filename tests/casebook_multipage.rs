//! Casebook 23 (multi-page article) through the binary and a 127.0.0.1 server: every
//! expectation of tests/fixtures/casebook/23-multipage-article/CASE.md, poll by poll.

mod common;

use common::{Route, TestServer, Workdir, fixture};
use serde_json::{Value, json};

const CASE: &str = "casebook/23-multipage-article";
const PATH: &str = "/features/lighthouse-keepers";

/// The case's file with its `https://review.example.com` addresses mapped to the server.
fn file(server: &TestServer, name: &str) -> String {
    String::from_utf8(fixture(&format!("{CASE}/{name}")))
        .unwrap()
        .replace("https://review.example.com", &server.base)
}

/// Serves the three pages of one poll (None: 404).
fn serve(server: &TestServer, page2: &str, page3: Option<&str>) {
    server.set(PATH, Route::html(file(server, "page1.html")));
    server.set(
        &format!("{PATH}?page=1"),
        Route::html(file(server, "page1.html")),
    );
    server.set(&format!("{PATH}?page=2"), Route::html(file(server, page2)));
    match page3 {
        Some(p) => server.set(&format!("{PATH}?page=3"), Route::html(file(server, p))),
        None => server.set(
            &format!("{PATH}?page=3"),
            Route::html("not found").status(404),
        ),
    }
}

/// Requests for the article's pages since the last call, by path, in order.
fn page_requests(server: &TestServer) -> Vec<String> {
    let seen = server
        .seen()
        .into_iter()
        .map(|s| s.path)
        .filter(|p| p.starts_with(PATH))
        .collect();
    server.clear_seen();
    seen
}

fn db(w: &Workdir, sql: &str) -> Vec<Vec<Value>> {
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

const PARAGRAPHS: [&str; 8] = [
    "For sixty years the light on Gull Rock was tended by families who lived in the tower, rowing to the mainland once a week for bread and post.",
    "The last of them, a retired engineer and his sister, left in 1987 when the lamp was automated and a helicopter pad was built on the landing stage.",
    "Their logbooks, kept in pencil in a row of green ledgers, record every ship that passed and every night the fog signal sounded.",
    "In winter the supply boat could not land for weeks at a time, and the keepers lived on tinned fish, oatmeal and the potatoes they grew in a walled patch behind the store.",
    "The ledgers show that in the storm of 1953 the fog signal ran for fifty-one hours without a break, until the compressor failed and the keepers rang the bell by hand.",
    "A relief keeper who spent one season on the rock later wrote that the silence after the engine stopped was the loudest thing he had ever heard.",
    "The ledgers are now in the county archive, where volunteers are typing them up so that the record of every passing ship can be searched.",
    "The tower itself is closed to visitors, but the archive will show a selection of the ledgers in an exhibition at the harbour museum next spring.",
];

/// The version's text: the eight paragraphs in page order. The headline is the
/// version's title and, as for every article, not repeated in its text (Readability drops
/// the heading that repeats the title; the later pages' repeated headings are dropped
/// the same way), so it appears at most once; the byline is the version's byline.
fn expected_text(edited: bool) -> String {
    let mut paras = Vec::new();
    paras.extend(PARAGRAPHS.iter().map(|p| {
        if edited {
            p.replace("fifty-one", "fifty-three")
        } else {
            p.to_string()
        }
    }));
    paras.join("\n\n")
}

#[test]
fn case_23_a_multipage_article_is_one_version_over_all_its_pages() {
    let server = TestServer::start();
    server.set(
        "/feed.xml",
        Route::ok("application/rss+xml", file(&server, "feed.xml")),
    );
    let article = server.url(PATH);
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let versions = |w: &Workdir| -> Vec<Value> {
        w.json(&["versions", &article, "--json"])
            .as_array()
            .unwrap()
            .clone()
    };

    // Poll 1: one version over the three pages, each requested once.
    serve(&server, "page2.html", Some("page3.html"));
    w.ok(&["poll", "--all"]);
    assert_eq!(
        page_requests(&server),
        [
            PATH.to_string(),
            format!("{PATH}?page=2"),
            format!("{PATH}?page=3")
        ]
    );
    let articles = w.json(&["articles", "--json"]);
    let urls: Vec<&str> = articles
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, [article.as_str()]);
    let v = versions(&w);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["title"], "The last lighthouse keepers");
    assert_eq!(v[0]["byline"], "Mara Castell");
    let text = w.ok(&["show", &v[0]["id"].to_string()]);
    assert_eq!(text.trim_end(), expected_text(false));
    for absent in [
        "Next page",
        "Previous page",
        "Page 1 of 3",
        "Page 2 of 3",
        "Page 3 of 3",
        "Example Review",
        "© 2024",
    ] {
        assert!(!text.contains(absent), "{absent:?} in {text}");
    }
    // Each later page's raw HTML is stored, with its address.
    assert_eq!(
        db(&w, "SELECT page, url FROM version_pages ORDER BY page"),
        [
            vec![json!(2), json!(format!("{article}?page=2"))],
            vec![json!(3), json!(format!("{article}?page=3"))]
        ]
    );

    // Poll 2: nothing changed.
    w.ok(&["poll", "--all"]);
    assert_eq!(page_requests(&server).len(), 3);
    assert_eq!(versions(&w).len(), 1);
    assert_eq!(w.json(&["changes", "--json"]), json!([]));

    // Poll 3: page 2 edited: one version, a body change.
    serve(&server, "page2-v2.html", Some("page3.html"));
    w.ok(&["poll", "--all"]);
    assert_eq!(page_requests(&server).len(), 3);
    let v = versions(&w);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["changes"], json!(["body"]));
    let text = w.ok(&["show", &v[1]["id"].to_string()]);
    assert_eq!(text.trim_end(), expected_text(true));
    let unified = w.ok(&["diff", &article]);
    let removed: Vec<&str> = unified
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = unified
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(removed, [format!("-{}", PARAGRAPHS[4])]);
    assert_eq!(
        added,
        [format!(
            "+{}",
            PARAGRAPHS[4].replace("fifty-one", "fifty-three")
        )]
    );
    let word = w.ok(&["diff", &article, "--format", "word"]);
    assert_eq!(word.matches("[-").count(), 1, "{word}");
    assert_eq!(word.matches("{+").count(), 1, "{word}");
    assert!(
        word.contains("fifty-[-one-]{+three+}") || word.contains("[-fifty-one-]{+fifty-three+}"),
        "{word}"
    );

    // Poll 4: page 3 is missing: no version, no change, no removed event; the check is
    // recorded as incomplete.
    serve(&server, "page2-v2.html", None);
    w.ok(&["poll", "--all"]);
    assert_eq!(page_requests(&server).len(), 3);
    assert_eq!(versions(&w).len(), 2);
    assert_eq!(
        db(&w, "SELECT last_error FROM articles"),
        [vec![json!(format!(
            "pages failed: page 3 ({article}?page=3): http_status failed: HTTP 404"
        ))]]
    );
    assert_eq!(
        db(&w, "SELECT count(*) FROM events WHERE kind = 'removed'"),
        [vec![json!(0)]]
    );
    assert_eq!(
        db(
            &w,
            &format!(
                "SELECT status FROM fetches WHERE url = '{article}?page=3' ORDER BY id DESC LIMIT 1"
            )
        ),
        [vec![json!(404)]]
    );

    // Poll 5: page 3 points back to page 1: the loop is detected.
    serve(&server, "page2-v2.html", Some("page3-loop.html"));
    w.ok(&["poll", "--all"]);
    let requests = page_requests(&server);
    assert!(requests.len() <= 4, "{requests:?}");
    assert_eq!(
        requests[..3],
        [
            PATH.to_string(),
            format!("{PATH}?page=2"),
            format!("{PATH}?page=3")
        ]
    );
    let v = versions(&w);
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(
        db(&w, "SELECT last_error FROM articles"),
        [vec![Value::Null]]
    );

    // In all: two versions, one change report (poll 3's body edit).
    let changes = w.json(&["changes", "--json"]);
    assert_eq!(changes.as_array().unwrap().len(), 1);
    assert_eq!(changes[0]["kinds"], json!(["body"]));

    // The stored pages rebuild the versions as they were.
    w.ok(&["reextract", "--all", "--force"]);
    let v = versions(&w);
    for (v, edited) in v.iter().zip([false, true]) {
        let text = w.ok(&["show", &v["id"].to_string()]);
        assert_eq!(text.trim_end(), expected_text(edited));
    }
}

#[test]
fn an_endless_series_of_pages_stops_at_ten() {
    let server = TestServer::start();
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>Endless</title>\
         <link>{}/endless</link></item></channel></rss>",
        server.base
    );
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    let page = |n: usize| {
        format!(
            "<html><head><title>Endless</title><link rel=\"next\" href=\"/endless?page={}\"></head>\
             <body><article><h1>The endless story of the harbour</h1><p>Part {n} of the story: \
             the harbour board met again on Tuesday evening and agreed, after a long debate, \
             to extend the winter timetable by another week, number {n}.</p></article></body></html>",
            n + 1
        )
    };
    server.set("/endless", Route::html(page(1)));
    for n in 2..=30 {
        server.set(&format!("/endless?page={n}"), Route::html(page(n)));
    }
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    server.clear_seen();
    w.ok(&["poll", "--all"]);
    let requests: Vec<String> = server
        .seen()
        .into_iter()
        .map(|s| s.path)
        .filter(|p| p.starts_with("/endless"))
        .collect();
    let expected: Vec<String> = std::iter::once("/endless".to_string())
        .chain((2..=10).map(|n| format!("/endless?page={n}")))
        .collect();
    assert_eq!(requests, expected);
    assert_eq!(
        db(&w, "SELECT count(*), max(page) FROM version_pages"),
        [vec![json!(9), json!(10)]]
    );
    let v = w.json(&["versions", &server.url("/endless"), "--json"]);
    let text = w.ok(&["show", &v[0]["id"].to_string()]);
    assert!(text.contains("Part 10 of the story") && !text.contains("Part 11"));
    assert_eq!(text.matches("Part ").count(), 10, "{text}");
}

/// A `rel=next` to another article at an address that looks like a continuation (a
/// blog's next post at `slug-2`, `story-2.html`) is never joined: the article is its own
/// page alone, as a complete check, not a failure.
#[test]
fn a_next_link_to_another_article_is_never_joined() {
    let server = TestServer::start();
    let story = |title: &str, next: Option<&str>| {
        let next = next
            .map(|n| format!("<link rel=\"next\" href=\"{n}\">"))
            .unwrap_or_default();
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{title} - Daily Ledger</title>\
             <meta property=\"og:title\" content=\"{title}\">{next}</head><body>\
             <nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1>\
             <p class=\"byline\">By Sam Porter</p>\
             <p>{title} was the subject of a long council debate on Monday evening, officials said.</p>\
             <p>Councillors discussed the matter for three hours before a vote was taken.</p>\
             </article><footer>Daily Ledger</footer></body></html>"
        )
    };
    let pairs = [
        (
            "/news/2026/12/budget",
            "/news/2026/12/budget-2",
            "Council budget approved",
            "Budget row over library cuts",
        ),
        (
            "/news/2026/12/parking.html",
            "/news/2026/12/parking-2.html",
            "Parking charges to rise",
            "Parking charges row goes on",
        ),
    ];
    let items: String = pairs
        .iter()
        .map(|(p, ..)| {
            format!(
                "<item><title>x</title><link>{}</link></item>",
                server.url(p)
            )
        })
        .collect();
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>"),
        ),
    );
    for (first, next, title, other) in pairs {
        server.set(first, Route::html(story(title, Some(&server.url(next)))));
        // WordPress links the next post back with rel=prev.
        server.set(
            next,
            Route::html(story(other, None).replace(
                "</head>",
                &format!("<link rel=\"prev\" href=\"{}\"></head>", server.url(first)),
            )),
        );
    }
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    for (first, _, title, _) in pairs {
        let v = w.json(&["versions", &server.url(first), "--json"]);
        assert_eq!(v.as_array().unwrap().len(), 1, "{first}");
        assert_eq!(v[0]["title"], title);
        let text = w.ok(&["show", &v[0]["id"].to_string()]);
        assert!(
            text.ends_with(&format!(
                "{title} was the subject of a long council debate on Monday evening, officials said.\n\n\
                 Councillors discussed the matter for three hours before a vote was taken.\n"
            )),
            "{text}"
        );
    }
    assert_eq!(
        db(&w, "SELECT count(*) FROM version_pages"),
        [vec![json!(0)]]
    );
    assert_eq!(db(&w, "SELECT count(*) FROM articles"), [vec![json!(2)]]);
    // Polled again: still complete, nothing new.
    w.ok(&["poll", "--all"]);
    assert_eq!(db(&w, "SELECT count(*) FROM versions"), [vec![json!(2)]]);
}
