//! What a reader sees is what is watched (issue 10): the visible headline is the title,
//! a social or document title changed alone is a change kind of its own, comment state
//! changes are never suppressed as seen before, `stet versions` says why a version was
//! not reported, and placeholder dates are no publication time. Through the binary,
//! against the seed article served on 127.0.0.1.

mod common;

use common::{Route, TestServer, Workdir, fixture, seed_server};
use serde_json::{Value, json};

const ARTICLE: &str = common::SEED_ARTICLE;
const H1: &str = "<h1 class=\"entry-title\">Mexico-US: Time to reset relations</h1>";
const OG: &str = "<meta property=\"og:title\" content=\"Mexico-US: Time to reset relations\">";

fn page(name: &str) -> String {
    String::from_utf8(fixture(&format!("seed-article/{name}"))).unwrap()
}

fn feed_block(server: &TestServer) -> String {
    format!("[[feed]]\nurl = \"{}\"\n", server.url("/feed.xml"))
}

fn versions(w: &Workdir, server: &TestServer) -> Vec<Value> {
    w.json(&["versions", &server.url(ARTICLE), "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn kinds(changes: &Value) -> Vec<Value> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kinds"].clone())
        .collect()
}

#[test]
fn a_changed_h1_alone_is_a_title_change() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    let v1 = page("v1.html");
    assert!(v1.contains(H1) && v1.contains(OG));
    // The newsroom rewrites the visible headline; og:title and <title> stay as they were.
    server.set(
        ARTICLE,
        Route::html(v1.replace(
            H1,
            "<h1 class=\"entry-title\">Mexico-US: Time to reset relations after the election</h1>",
        )),
    );
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &server);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["title"], "Mexico-US: Time to reset relations");
    assert_eq!(
        v[1]["title"],
        "Mexico-US: Time to reset relations after the election"
    );
    assert_eq!(
        v[1]["headline"],
        "Mexico-US: Time to reset relations after the election"
    );
    assert_eq!(v[1]["social_title"], "Mexico-US: Time to reset relations");
    assert_eq!(v[1]["changes"], json!(["title"]));
    assert_eq!(v[1]["suppressed"], Value::Null);
    let changes = w.json(&["changes", "--json"]);
    assert_eq!(kinds(&changes), [json!(["title"])]);
    assert_eq!(
        changes[0]["summary"],
        "title: \"Mexico-US: Time to reset relations\" -> \"Mexico-US: Time to reset relations after the election\""
    );
}

#[test]
fn a_changed_social_title_alone_is_its_own_kind_reported_on_request() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    // An A/B test of the social headline: og:title only.
    let ab = page("v1.html").replace(
        OG,
        "<meta property=\"og:title\" content=\"Why Mexico and the US must start over\">",
    );
    server.set(ARTICLE, Route::html(ab.clone()));
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &server);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["title"], "Mexico-US: Time to reset relations");
    assert_eq!(
        v[1]["social_title"],
        "Why Mexico and the US must start over"
    );
    assert_eq!(v[1]["changes"], json!(["social_title"]));
    // Stored, not reported by default, and `stet versions` says why.
    assert_eq!(v[1]["suppressed"], "social_title");
    assert_eq!(w.json(&["changes", "--json"]), json!([]));
    let table = w.ok(&["versions", &server.url(ARTICLE)]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "    ID  FETCHED               COMMENTS  CHANGES                   REPORTED            TITLE"
    );
    let id = v[1]["id"].as_i64().unwrap();
    assert_eq!(
        lines[2],
        format!(
            "{id:>6}  {}  open      social_title              no: social_title    Mexico-US: Time to reset relations",
            v[1]["fetched_at"].as_str().unwrap()
        )
    );
    assert!(
        lines[1].contains("  new                       yes                 Mexico"),
        "{table}"
    );

    // A user who wants to be told says so; the kind is then reported and filterable.
    let w2 = Workdir::new(&format!(
        "[noise]\nreport_social_title = true\n{}",
        feed_block(&server)
    ));
    server.set(ARTICLE, Route::html(page("v1.html")));
    w2.ok(&["poll", "--all"]);
    server.set(ARTICLE, Route::html(ab));
    w2.ok(&["poll", "--all"]);
    let changes = w2.json(&["changes", "--json", "--kind", "social_title"]);
    assert_eq!(kinds(&changes), [json!(["social_title"])]);
    assert_eq!(
        changes[0]["summary"],
        "social title: \"Mexico-US: Time to reset relations\" -> \"Why Mexico and the US must start over\""
    );
}

#[test]
fn every_comment_state_change_is_reported_even_when_seen_before() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    // open -> closed -> open -> closed: the last two equal earlier versions.
    for name in [
        "v2-edited.html",
        "v3-comments-closed.html",
        "v2-edited.html",
        "v3-comments-closed.html",
    ] {
        server.set(ARTICLE, Route::html(page(name)));
        w.ok(&["poll", "--all"]);
    }
    let v = versions(&w, &server);
    let seen: Vec<(Value, Value)> = v
        .iter()
        .map(|v| (v["changes"].clone(), v["suppressed"].clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (json!(["new"]), Value::Null),
            (json!(["comments_closed"]), Value::Null),
            (json!(["comments_opened"]), Value::Null),
            (json!(["comments_closed"]), Value::Null),
        ]
    );
    let changes = w.json(&["changes", "--json"]);
    assert_eq!(
        kinds(&changes),
        [
            json!(["comments_closed"]),
            json!(["comments_opened"]),
            json!(["comments_closed"])
        ]
    );
}

#[test]
fn a_body_flip_flop_is_still_seen_before_and_versions_says_so() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    for name in ["v1.html", "v2-edited.html", "v1.html"] {
        server.set(ARTICLE, Route::html(page(name)));
        w.ok(&["poll", "--all"]);
    }
    let v = versions(&w, &server);
    assert_eq!(v[2]["suppressed"], "seen_before");
    let table = w.ok(&["versions", &server.url(ARTICLE)]);
    let line = table.lines().nth(3).unwrap();
    assert_eq!(
        line,
        format!(
            "{:>6}  {}  open      body                      no: seen_before     Mexico-US: Time to reset relations",
            v[2]["id"].as_i64().unwrap(),
            v[2]["fetched_at"].as_str().unwrap()
        )
    );
}

#[test]
fn a_placeholder_date_is_no_publication_time() {
    let server = TestServer::start();
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>T</title>\
         <item><title>Ferry timetable approved</title><link>{b}/a</link>\
         <pubDate>Fri, 04 Oct 2024 06:00:00 +0000</pubDate></item>\
         <item><title>Tram depot to close</title><link>{b}/b</link>\
         <pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate></item></channel></rss>",
        b = server.base
    );
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    let body = "<p>The harbour board met on Tuesday evening and agreed, after a long debate, \
        to extend the winter timetable by two weeks.</p><p>Ferry operators said the change \
        would cost little, and passengers welcomed it, according to the board's own survey.</p>";
    let with_date = |date: &str| {
        format!(
            "<html><head><script type=\"application/ld+json\">{{\"@type\":\"NewsArticle\",\
             \"headline\":\"Ferry timetable approved\",\"datePublished\":\"{date}\"}}</script>\
             </head><body><article><h1>Ferry timetable approved</h1>{body}</article></body></html>"
        )
    };
    server.set("/a", Route::html(with_date("0001-01-01T00:00:00Z")));
    server.set("/b", Route::html(with_date("1970-01-01T00:00:00Z")));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll", "--all"]);
    let a = w.json(&["versions", &server.url("/a"), "--json"]);
    // The placeholder is skipped: the feed's date is the publication time.
    assert_eq!(a[0]["published"], "2024-10-04T06:00:00Z");
    // Epoch 0 in the page and in the feed: no publication time at all.
    let b = w.json(&["versions", &server.url("/b"), "--json"]);
    assert_eq!(b[0]["published"], Value::Null);
}

#[test]
fn an_archive_of_the_previous_extractor_upgrades_without_a_false_change() {
    let server = seed_server();
    let w = Workdir::new(&feed_block(&server));
    w.ok(&["poll", "--all"]);
    // The version as the previous extractor stored it: no watched titles, the old
    // content hash, the <title> as title, the byline with its label.
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    conn.execute(
        "UPDATE versions SET extractor_version = ?1, headline = NULL, social_title = NULL,
           document_title = NULL, content_sha256 = zeroblob(32),
           title = 'Mexico-US: Time to reset relations | Borderlines Review',
           byline = 'By ' || byline",
        [stet::extract::EXTRACTOR_VERSION - 1],
    )
    .unwrap();
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &server);
    assert_eq!(v.len(), 1, "an upgrade is no edit: {v:?}");
    assert_eq!(v[0]["extractor_version"], stet::extract::EXTRACTOR_VERSION);
    assert_eq!(v[0]["headline"], "Mexico-US: Time to reset relations");
    assert_eq!(v[0]["title"], "Mexico-US: Time to reset relations");
    assert_eq!(w.json(&["changes", "--json"]), json!([]));
}

/// The coal-plant story: the `<h1>` differs from og:title and `<title>` (Readability then
/// keeps the `<h1>` at the top of the text), and later the social and document titles
/// catch up with it (Readability then drops it).
fn coal(social: &str, document: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{document}</title><meta property=\"og:title\" content=\"{social}\"></head><body>\
         <nav><a href=\"/\">Home</a></nav><article>\
         <h1>Last coal plant to shut in 2027 as city speeds up green switch</h1>\
         <p class=\"byline\">By Sam Porter</p>\
         <p>The city will close its last coal-fired power station next year, two years ahead of schedule, the energy minister said on Wednesday.</p>\
         <p>The plant, which opened in 1971, supplied about a fifth of the region's electricity at its peak.</p>\
         <p>Around 300 workers will be offered jobs at a new battery storage site being built on the same land.</p>\
         </article><footer>Daily Ledger</footer></body></html>"
    )
}

/// The `-`/`+` lines of a unified diff without its `---`/`+++` header.
fn changed_lines(diff: &str) -> Vec<String> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_headline_is_never_a_body_line_and_social_and_document_titles_show_in_every_diff() {
    const HEADLINE: &str = "Last coal plant to shut in 2027 as city speeds up green switch";
    const BAIT: &str = "You won't believe which city is quitting coal";
    let server = TestServer::start();
    let url = server.url("/news/coal");
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            format!(
                "<rss version=\"2.0\"><channel><title>T</title><item><title>x</title>\
                 <link>{url}</link></item></channel></rss>"
            ),
        ),
    );
    let w = Workdir::new(&format!(
        "[noise]\nreport_social_title = true\n{}",
        feed_block(&server)
    ));
    let step = |social: &str, document: &str| {
        server.set("/news/coal", Route::html(coal(social, document)));
        w.ok(&["poll", "--all"]);
    };
    step(BAIT, "Coal plant closure brought forward - Daily Ledger");
    // Only the social title changes (an A/B test).
    step(
        "Why the city is quitting coal early",
        "Coal plant closure brought forward - Daily Ledger",
    );
    // Social and document titles now repeat the headline: Readability drops the <h1>
    // from the text, which changes nothing in the body.
    step(HEADLINE, &format!("{HEADLINE} - Daily Ledger"));
    let v = w.json(&["versions", &url, "--json"]);
    let v = v.as_array().unwrap();
    let changes: Vec<&Value> = v.iter().map(|v| &v["changes"]).collect();
    assert_eq!(
        changes,
        [
            &json!(["new"]),
            &json!(["social_title"]),
            &json!(["social_title"])
        ]
    );
    let ids: Vec<String> = v.iter().map(|v| v["id"].to_string()).collect();

    // A social-title-only version: its diff shows the old and new social title, whole.
    let unified = w.ok(&["diff", &ids[0], &ids[1]]);
    assert_eq!(
        changed_lines(&unified),
        [
            format!("-Social title: {BAIT}"),
            "+Social title: Why the city is quitting coal early".to_string()
        ],
        "{unified}"
    );
    let word = w.ok(&["diff", &ids[0], &ids[1], "--format", "word"]);
    assert_eq!(
        word.trim_end(),
        format!(
            "Title: {HEADLINE}\n[-Social title: {BAIT}-]\n\
             {{+Social title: Why the city is quitting coal early+}}\n\
             Document title: Coal plant closure brought forward - Daily Ledger"
        ),
    );
    let html = w.ok(&["diff", &ids[0], &ids[1], "--format", "html"]);
    assert!(
        html.contains(&format!(
            "<del>Social title: {}</del>",
            BAIT.replace('\'', "&#39;")
        )) && html.contains("<ins>Social title: Why the city is quitting coal early</ins>"),
        "{html}"
    );
    let json: Value =
        serde_json::from_str(&w.ok(&["diff", &ids[0], &ids[1], "--format", "json"])).unwrap();
    let changed: Vec<(Value, Value)> = json["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["lines"].as_array().unwrap().clone())
        .filter(|l| l["op"] != "equal")
        .map(|l| (l["op"].clone(), l["text"].clone()))
        .collect();
    assert_eq!(
        changed,
        [
            (json!("delete"), json!(format!("Social title: {BAIT}"))),
            (
                json!("insert"),
                json!("Social title: Why the city is quitting coal early")
            )
        ]
    );

    // The version whose text lost the headline line: no body line changes.
    let unified = w.ok(&["diff", &ids[1], &ids[2]]);
    assert_eq!(
        changed_lines(&unified),
        [
            "-Social title: Why the city is quitting coal early".to_string(),
            "-Document title: Coal plant closure brought forward - Daily Ledger".to_string(),
            format!("+Social title: {HEADLINE}"),
            format!("+Document title: {HEADLINE} - Daily Ledger"),
        ],
        "{unified}"
    );
    // The headline is the Title line only, never a body line, in either document.
    let word = w.ok(&["diff", &ids[1], &ids[2], "--format", "word"]);
    assert_eq!(word.matches(HEADLINE).count(), 3, "{word}");
    assert!(
        word.starts_with(&format!("Title: {HEADLINE}\n[-Social title: ")),
        "{word}"
    );
    // The Atom entries: header lines only, no headline paragraph inserted or deleted.
    let atom = w.ok(&["changes", "--format", "atom"]);
    assert!(!atom.contains(&format!("&lt;ins&gt;{HEADLINE}")), "{atom}");
    assert!(!atom.contains(&format!("&lt;del&gt;{HEADLINE}")), "{atom}");
    assert_eq!(
        atom.matches("&lt;ins&gt;Social title: ").count(),
        2,
        "{atom}"
    );
    assert_eq!(
        atom.matches("&lt;del&gt;Social title: ").count(),
        2,
        "{atom}"
    );
    assert_eq!(
        atom.matches("&lt;ins&gt;Document title: ").count(),
        1,
        "{atom}"
    );
}
