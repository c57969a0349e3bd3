//! One article per story (issue 10): a story linked by two feeds, one of them through a
//! tracking redirect, is one article in both feeds; any of its URLs finds it; canonical
//! URLs that point at a front page or a section never join two stories.

mod common;

use common::{Route, TestServer, Workdir};
use serde_json::Value;

/// An article page: a headline, five sentences of its own (from `words`) and the
/// canonical URL it declares, if any.
fn page(headline: &str, words: &str, canonical: Option<&str>) -> String {
    let link = canonical
        .map(|c| format!("<link rel=\"canonical\" href=\"{c}\">"))
        .unwrap_or_default();
    let paras: String = (1..=5)
        .map(|i| {
            format!(
                "<p>{words}, part {i}: the council met again on day {i} and spoke at length, \
                 with figures, about {words} and what it means for the town.</p>"
            )
        })
        .collect();
    format!(
        "<!doctype html><html><head><title>{headline}</title>{link}</head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/news/\">News</a></nav>\
         <article><h1>{headline}</h1>{paras}</article></body></html>"
    )
}

fn rss(items: &[(&str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link, guid)| {
            let link = link.replace('&', "&amp;");
            format!("<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item>")
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>F</title>{items}</channel></rss>")
}

fn feeds_config(urls: &[String]) -> String {
    urls.iter()
        .map(|u| format!("[[feed]]\nurl = \"{u}\"\n"))
        .collect()
}

fn articles(w: &Workdir) -> Vec<Value> {
    w.json(&["articles", "--json"]).as_array().unwrap().clone()
}

const STORY: &str = "/2024/05/council-budget/";
const TRACKED: &str =
    "/2024/05/council-budget/?utm_source=feedb&utm_medium=rss&utm_campaign=may&fbclid=IwAR0xyz";

/// Feed A links the story directly; feed B links it through a redirect that lands on the
/// story with tracking parameters added. The page's canonical URL is a third form.
fn two_feed_server() -> TestServer {
    let server = TestServer::start();
    let canonical = server.url("/2024/05/council-budget");
    let html = page("Council passes the budget", "the budget", Some(&canonical));
    server.set(STORY, Route::html(html.clone()));
    server.set(TRACKED, Route::html(html));
    let mut redirect = Route::ok("text/plain", "moved").status(302);
    redirect
        .headers
        .push(("Location".into(), server.url(TRACKED)));
    server.set("/r/x7", redirect);
    server.set(
        "/a.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("Council passes the budget", &server.url(STORY), "a-1")]),
        ),
    );
    server.set(
        "/b.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("Budget passed", &server.url("/r/x7"), "b-1")]),
        ),
    );
    server
}

#[test]
fn a_story_linked_through_a_tracking_redirect_is_one_article_in_both_feeds() {
    let server = two_feed_server();
    let (feed_a, feed_b) = (server.url("/a.xml"), server.url("/b.xml"));
    let w = Workdir::new(&feeds_config(&[feed_a.clone(), feed_b.clone()]));
    w.ok(&["poll"]);

    let list = articles(&w);
    assert_eq!(list.len(), 1, "{list:#?}");
    let a = &list[0];
    assert_eq!(a["url"], server.url(STORY));
    assert_eq!(a["feed_url"], feed_a.as_str());
    assert_eq!(a["feeds"], serde_json::json!([feed_a, feed_b]));
    assert_eq!(a["versions"], 1);
    let id = a["id"].as_i64().unwrap();

    // Every URL of the story finds it: the canonical, the final URL with its tracking
    // parameters, each feed's link, and the id.
    let expected = w.json(&["versions", &id.to_string(), "--json"]);
    assert_eq!(expected.as_array().unwrap().len(), 1);
    for arg in [
        server.url("/2024/05/council-budget"),
        server.url(TRACKED),
        server.url("/r/x7"),
        server.url(STORY),
        server.url(STORY).replace("http://", "https://"),
        format!("{}#comments", server.url(STORY)),
    ] {
        assert_eq!(w.json(&["versions", &arg, "--json"]), expected, "{arg}");
    }

    // Later polls keep one article with one version.
    w.ok(&["poll", "--all"]);
    let list = articles(&w);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["versions"], 1);
    assert_eq!(list[0]["id"], id);

    // An edit is one change of the one article, listed under either feed.
    let canonical = server.url("/2024/05/council-budget");
    let edited = page(
        "Council passes the budget",
        "the new budget",
        Some(&canonical),
    );
    server.set(STORY, Route::html(edited.clone()));
    server.set(TRACKED, Route::html(edited));
    w.ok(&["poll", "--all"]);
    let list = articles(&w);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["versions"], 2);
    for feed in [&feed_a, &feed_b] {
        let changes = w.json(&["changes", "--feed", feed, "--json"]);
        let changes = changes.as_array().unwrap();
        assert_eq!(changes.len(), 1, "{feed}: {changes:#?}");
        assert_eq!(changes[0]["article_id"], id);
        assert_eq!(changes[0]["kinds"], serde_json::json!(["body"]));
    }
    // The other commands that take ARTICLE accept its URLs too.
    let by_id = w.ok(&["diff", &id.to_string()]);
    assert!(by_id.contains("the new budget"), "{by_id}");
    assert_eq!(w.ok(&["diff", &server.url(TRACKED)]), by_id);
    assert_eq!(w.ok(&["diff", &server.url("/r/x7")]), by_id);
    w.ok(&[
        "reextract",
        "--article",
        &server.url("/2024/05/council-budget"),
    ]);
}

#[test]
fn a_link_with_tracking_parameters_in_the_feed_joins_the_known_article() {
    let server = two_feed_server();
    server.set(
        "/c.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("Budget", &server.url(TRACKED), "c-1")]),
        ),
    );
    let feed_a = server.url("/a.xml");
    let w = Workdir::new(&feeds_config(std::slice::from_ref(&feed_a)));
    w.ok(&["poll"]);
    let w2 = std::fs::read_to_string(w.config()).unwrap() + &feeds_config(&[server.url("/c.xml")]);
    std::fs::write(w.config(), w2).unwrap();
    w.ok(&["poll"]);
    let list = articles(&w);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(
        list[0]["feeds"],
        serde_json::json!([feed_a, server.url("/c.xml")])
    );
    // The new entry was matched by its link: the article was not fetched as a new one.
    assert_eq!(list[0]["versions"], 1);
}

#[test]
fn canonicals_at_a_front_page_or_a_section_never_join_two_stories() {
    let server = TestServer::start();
    let home = server.url("/");
    let section = server.url("/news/politics");
    let stories = [
        (
            "/2024/05/storm/",
            "Storm hits the coast",
            "the storm",
            home.clone(),
        ),
        (
            "/2024/05/fire/",
            "Fire in the old mill",
            "the fire",
            home.clone(),
        ),
        (
            "/2024/05/flood/",
            "Flood warning issued",
            "the flood",
            section.clone(),
        ),
        (
            "/2024/05/quake/",
            "Small quake felt",
            "the quake",
            section.clone(),
        ),
        (
            "/news/2024/05/vote/",
            "Vote on the bridge",
            "the bridge vote",
            server.url("/news/"),
        ),
    ];
    let mut items = Vec::new();
    for (path, title, words, canonical) in &stories {
        server.set(path, Route::html(page(title, words, Some(canonical))));
        items.push((*title, server.url(path), path.to_string()));
    }
    // Two dead stories redirected to the home page: the same final URL, not one story.
    server.set("/", Route::html(page("Front page", "today's news", None)));
    for dead in ["/2023/01/old-one/", "/2023/02/old-two/"] {
        let mut r = Route::ok("text/plain", "moved").status(301);
        r.headers.push(("Location".into(), home.clone()));
        server.set(dead, r);
        items.push(("Old story", server.url(dead), dead.to_string()));
    }
    let items: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(t, l, g)| (*t, l.as_str(), g.as_str()))
        .collect();
    server.set("/feed.xml", Route::ok("application/rss+xml", rss(&items)));
    let w = Workdir::new(&feeds_config(&[server.url("/feed.xml")]));
    w.ok(&["poll"]);
    // A second fetch makes every canonical stable: still nothing joins.
    w.ok(&["poll", "--all"]);
    let list = articles(&w);
    assert_eq!(list.len(), 7, "{list:#?}");
    for a in &list {
        assert_eq!(a["versions"], 1, "{a:#?}");
    }
    // The shared section URL names no article (it is not a story's canonical URL)...
    assert!(
        !w.stet(&["versions", &server.url("/news/")])
            .status
            .success()
    );
    assert!(!w.stet(&["versions", &home]).status.success());
    // ...while the story's own URL does.
    let flood = w.json(&["versions", &server.url("/2024/05/flood/"), "--json"]);
    assert_eq!(flood[0]["title"], "Flood warning issued");
}

#[test]
fn a_stable_canonical_on_the_same_site_joins_the_same_story_under_two_paths() {
    let server = TestServer::start();
    let canonical = server.url("/2024/05/council-budget/");
    let html = page("Council passes the budget", "the budget", Some(&canonical));
    server.set("/2024/05/council-budget/", Route::html(html.clone()));
    // The print edition of the same page, linked by a second feed.
    server.set("/print/council-budget", Route::html(html));
    server.set(
        "/a.xml",
        Route::ok("application/rss+xml", rss(&[("Budget", &canonical, "a-1")])),
    );
    server.set(
        "/b.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("Budget", &server.url("/print/council-budget"), "b-1")]),
        ),
    );
    let w = Workdir::new(&feeds_config(&[server.url("/a.xml"), server.url("/b.xml")]));
    w.ok(&["poll"]);
    let list = articles(&w);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["versions"], 1);
    assert_eq!(list[0]["feeds"].as_array().unwrap().len(), 2);
    let by_print = w.json(&["versions", &server.url("/print/council-budget"), "--json"]);
    assert_eq!(by_print[0]["article_id"], list[0]["id"]);
}

#[test]
fn a_canonical_that_changes_between_fetches_merges_nothing() {
    let server = TestServer::start();
    let story = |canonical: &str| {
        page(
            "Council passes the budget",
            "the budget",
            Some(&server.url(canonical)),
        )
    };
    server.set("/x/budget", Route::html(story("/c?edition=1")));
    server.set(
        "/a.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("Budget", &server.url("/x/budget"), "a-1")]),
        ),
    );
    let w = Workdir::new(&feeds_config(&[server.url("/a.xml")]));
    w.ok(&["poll"]);
    // The next fetch declares another canonical URL: the article's canonical is unstable.
    server.set("/x/budget", Route::html(story("/c?edition=2")));
    w.ok(&["poll", "--all"]);
    // A second path of the same story declares that canonical too: not enough to merge.
    server.set("/y/budget", Route::html(story("/c?edition=2")));
    server.set(
        "/b.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("Budget", &server.url("/y/budget"), "b-1")]),
        ),
    );
    let config =
        std::fs::read_to_string(w.config()).unwrap() + &feeds_config(&[server.url("/b.xml")]);
    std::fs::write(w.config(), config).unwrap();
    w.ok(&["poll"]);
    let list = articles(&w);
    assert_eq!(list.len(), 2, "{list:#?}");
}
