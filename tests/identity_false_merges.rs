//! Merging never joins two different stories: two stories that come to redirect to one
//! round-up page, and two stories of one template that declare one canonical URL, stay
//! two articles, each with its own history, and no change is reported between them.

mod common;

use common::{Route, TestServer, Workdir};
use serde_json::Value;

/// An article page: a headline, one paragraph per sentence, the canonical URL it
/// declares, if any.
fn page(headline: &str, sentences: &[&str], canonical: Option<&str>) -> String {
    let link = canonical
        .map(|c| format!("<link rel=\"canonical\" href=\"{c}\">"))
        .unwrap_or_default();
    let paras: String = sentences.iter().map(|s| format!("<p>{s}</p>")).collect();
    format!(
        "<!doctype html><html><head><title>{headline}</title>{link}</head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/news/\">News</a></nav>\
         <article><h1>{headline}</h1>{paras}</article></body></html>"
    )
}

fn rss(items: &[(&str, String)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link)| {
            format!("<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>")
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>F</title>{items}</channel></rss>")
}

fn moved(to: &str) -> Route {
    let mut r = Route::ok("text/plain", "moved").status(301);
    r.headers.push(("Location".into(), to.to_string()));
    r
}

/// (id, url) of each article, in id order.
fn articles(w: &Workdir) -> Vec<(i64, String)> {
    w.json(&["articles", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The titles of an article's versions, oldest first.
fn version_titles(w: &Workdir, id: i64) -> Vec<String> {
    w.json(&["versions", &id.to_string(), "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every reported change as (article id, kinds).
fn changes(w: &Workdir) -> Vec<(i64, Value)> {
    let mut c: Vec<(i64, Value)> = w
        .json(&["changes", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["article_id"].as_i64().unwrap(), c["kinds"].clone()))
        .collect();
    c.sort_by_key(|(id, kinds)| (*id, kinds.to_string()));
    c
}

const K: [&str; 4] = [
    "The minister denied on Monday that she had met lobbyists from the gas industry.",
    "Documents seen by reporters list three meetings in the spring of this year.",
    "Her office said the meetings were about a school building programme.",
    "The opposition has asked for the minister's calendar to be published in full.",
];
const L: [&str; 4] = [
    "The energy regulator fined a large supplier for sending customers wrong bills.",
    "About forty thousand households were charged twice for the same month.",
    "The supplier must refund every customer before the end of next quarter.",
    "Its chief executive apologised and promised a new billing system by June.",
];
const ROUNDUP: [&str; 4] = [
    "This page gathers the main stories of the month in one place for readers.",
    "Politics, business and weather are covered in the sections below this one.",
    "Each summary links to the full coverage published earlier on this site.",
    "Subscribers receive the round-up by email on the first day of each month.",
];

#[test]
fn two_stories_redirected_to_one_round_up_page_stay_two_articles() {
    let server = TestServer::start();
    let (k, l) = ("/world/2026/12/story-k", "/world/2026/12/story-l");
    let roundup = "/world/2026/12/roundup";
    let (tk, tl) = (
        "Minister denies lobbying claims",
        "Energy firm fined for billing errors",
    );
    server.set(k, Route::html(page(tk, &K, None)));
    server.set(l, Route::html(page(tl, &L, None)));
    server.set(
        roundup,
        Route::html(page("December round-up", &ROUNDUP, None)),
    );
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[(tk, server.url(k)), (tl, server.url(l))]),
        ),
    );
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll"]);
    let before = articles(&w);
    assert_eq!(before.len(), 2, "{before:#?}");

    // Both stories now answer with a permanent redirect to the round-up page; several
    // checks later they are still two articles, each judged on its own.
    server.set(k, moved(&server.url(roundup)));
    server.set(l, moved(&server.url(roundup)));
    for _ in 0..3 {
        w.ok(&["poll", "--all"]);
    }
    let after = articles(&w);
    assert_eq!(after, before);
    let (id_k, id_l) = (before[0].0, before[1].0);
    assert_eq!(version_titles(&w, id_k), [tk, "December round-up"]);
    assert_eq!(version_titles(&w, id_l), [tl, "December round-up"]);
    // No change from one story to the other: each reports its own move to the round-up
    // (and its redirect, once).
    let (edit, redirect) = (
        serde_json::json!(["title", "body"]),
        serde_json::json!(["redirected"]),
    );
    assert_eq!(
        changes(&w),
        [
            (id_k, redirect.clone()),
            (id_k, edit.clone()),
            (id_l, redirect),
            (id_l, edit)
        ]
    );
    // One redirect event per article, naming its own URL.
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    for (id, path) in [(id_k, k), (id_l, l)] {
        let redirects: Vec<String> = conn
            .prepare("SELECT detail FROM events WHERE article_id = ?1 AND kind = 'redirected'")
            .unwrap()
            .query_map([id], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            redirects,
            [format!("{} -> {}", server.url(path), server.url(roundup))]
        );
    }
}

const BOILERPLATE: [&str; 4] = [
    "Markets closed on Friday after a quiet session with low trading volumes.",
    "The daily report is compiled from exchange data after the closing bell.",
    "Prices are delayed by fifteen minutes and are provided for information only.",
    "See our markets section for the full coverage of today's trading session.",
];

/// Two stories of one template: one sentence of their own and four of boilerplate,
/// both declaring the canonical URL `canonical`, with the titles `titles`.
fn template_stories(canonical: &str, titles: [&str; 2]) {
    let server = TestServer::start();
    let own = [
        "Fabrikam shares closed 1.1% higher after the company raised its forecast.",
        "Tailspin shares closed 0.8% higher after a strong quarter for air travel.",
    ];
    let paths = ["/markets/2026/12/story-i", "/markets/2026/12/story-j"];
    for i in 0..2 {
        let mut sentences = vec![own[i]];
        sentences.extend(BOILERPLATE);
        server.set(
            paths[i],
            Route::html(page(titles[i], &sentences, Some(&server.url(canonical)))),
        );
    }
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[
                (titles[0], server.url(paths[0])),
                (titles[1], server.url(paths[1])),
            ]),
        ),
    );
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll"]);
    for _ in 0..2 {
        w.ok(&["poll", "--all"]);
    }
    let list = articles(&w);
    assert_eq!(
        list.iter().map(|(_, u)| u.as_str()).collect::<Vec<_>>(),
        [server.url(paths[0]), server.url(paths[1])],
        "{canonical}"
    );
    assert_eq!(version_titles(&w, list[0].0), [titles[0]], "{canonical}");
    assert_eq!(version_titles(&w, list[1].0), [titles[1]], "{canonical}");
    assert_eq!(changes(&w), [], "{canonical}");
}

#[test]
fn a_canonical_shared_by_two_stories_of_one_template_joins_nothing() {
    let titles = [
        "Fabrikam shares close 1.1% higher",
        "Tailspin shares close 0.8% higher",
    ];
    template_stories("/markets/daily-report", titles);
    template_stories("/?p=1", titles);
    // Even with one title for both, four sentences of boilerplate in five are not one
    // story.
    template_stories("/markets/daily-report", ["Daily report", "Daily report"]);
}

const LOCAL_BOILERPLATE: [&str; 7] = [
    "Local news is updated several times a day by our newsroom staff.",
    "Send your tips and photographs to the newsroom by email or post.",
    "Our reporters cover the council, the courts, schools and local businesses.",
    "Comments are moderated and may take a few hours to appear below.",
    "Read more local stories in the news section of this website.",
    "Subscribers can read every story without limits on any device.",
    "The weather forecast for the week ahead is on the weather page.",
];

/// A page of the local-news template: the generic headline and social title
/// "Local news", one sentence of its own, the seven boilerplate sentences, and the
/// canonical URL `canonical`.
fn local_news(own: &str, canonical: &str) -> String {
    let paras: String = std::iter::once(own)
        .chain(LOCAL_BOILERPLATE)
        .map(|s| format!("<p>{s}</p>"))
        .collect();
    format!(
        "<!doctype html><html><head><title>Local news</title>\
         <meta property=\"og:title\" content=\"Local news\">\
         <link rel=\"canonical\" href=\"{canonical}\"></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/news/\">News</a></nav>\
         <article><h1>Local news</h1>{paras}</article></body></html>"
    )
}

/// Two stories of one template under one generic headline, one sentence of their own
/// each among seven of boilerplate, both declaring the canonical URL `canonical`:
/// two articles, one version each, no change, nothing merged.
fn generic_headline_stories(canonical: &str) {
    let server = TestServer::start();
    let paths = ["/news/d1.html", "/news/d2.html"];
    let own = [
        "A water main burst on the high street and flooded three shops overnight.",
        "The farmers market moves to the old station car park from next Saturday.",
    ];
    for i in 0..2 {
        server.set(
            paths[i],
            Route::html(local_news(own[i], &server.url(canonical))),
        );
    }
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("Local news", server.url(paths[0])),
                ("Local news", server.url(paths[1])),
            ]),
        ),
    );
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    w.ok(&["poll"]);
    for _ in 0..3 {
        w.ok(&["poll", "--all"]);
    }
    let list = articles(&w);
    assert_eq!(
        list.iter().map(|(_, u)| u.as_str()).collect::<Vec<_>>(),
        [server.url(paths[0]), server.url(paths[1])],
        "{canonical}"
    );
    for (id, _) in &list {
        assert_eq!(version_titles(&w, *id), ["Local news"], "{canonical}");
    }
    assert_eq!(changes(&w), [], "{canonical}");
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    let merged: i64 = conn
        .query_row("SELECT count(*) FROM merged_articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(merged, 0, "{canonical}");
}

#[test]
fn two_stories_under_one_generic_headline_and_a_shared_canonical_stay_two() {
    // A third URL that neither story is known by names neither: it joins nothing.
    generic_headline_stories("/news/other.html");
    // A canonical URL that names one of them (the second story's own URL, declared by
    // both pages of the template) may join them only if the texts are one story: one
    // sentence of its own on each side is two stories, however much boilerplate.
    generic_headline_stories("/news/d2.html");
}
