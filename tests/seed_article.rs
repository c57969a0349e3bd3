//! The mission's scenario (tests/fixtures/seed-article/SCENARIO.md), through the real
//! binary and a real HTTP server on 127.0.0.1: an article is archived, survives a noise
//! change without a new version, is edited, then closes its comments.

mod common;

use common::{Route, TestServer, Workdir, fixture};
use serde_json::Value;

const ARTICLE: &str = "/2021/02/mexico-us-time-to-reset-relations/";
const OTHER: &str = "/2021/02/water-wars-in-the-andes/";

fn serve_step(server: &TestServer, page: &str) {
    server.set(
        ARTICLE,
        Route::html(fixture(&format!("seed-article/{page}"))),
    );
}

fn versions_of(w: &Workdir, url: &str) -> Vec<Value> {
    w.json(&["versions", url, "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn changes(v: &Value) -> Vec<String> {
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// The `-` and `+` lines of a unified diff, without its `---`/`+++` header.
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('-') && !l.starts_with("---"))
                || (l.starts_with('+') && !l.starts_with("+++"))
        })
        .collect()
}

#[test]
fn edited_article_then_comments_closed() {
    let server = TestServer::start();
    let feed = String::from_utf8(fixture("seed-article/feed.xml"))
        .unwrap()
        .replace("{{BASE}}", &server.base);
    server.set(
        "/feed.xml",
        Route::ok("application/rss+xml; charset=utf-8", feed),
    );
    server.set(OTHER, Route::html(fixture("seed-article/water-wars.html")));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let article_url = server.url(ARTICLE);
    let other_url = server.url(OTHER);

    // Step 1: both articles archived, one version each; comments open.
    serve_step(&server, "v1.html");
    w.ok(&["poll", "--all"]);
    let articles = w.json(&["articles", "--json"]);
    let articles = articles.as_array().unwrap();
    assert_eq!(articles.len(), 2);
    for a in articles {
        assert_eq!(a["versions"], 1, "{a}");
        assert_eq!(a["feed_url"], server.url("/feed.xml"));
        for key in [
            "id",
            "url",
            "title",
            "first_seen",
            "last_checked",
            "last_changed",
        ] {
            assert!(a.get(key).is_some(), "articles --json lacks {key}");
        }
    }
    let v = versions_of(&w, &article_url);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["comments"], "open");
    assert_eq!(changes(&v[0]), ["new"]);

    // Step 2: only a nonce, an "Updated N ago" label and an ad changed: no new version.
    serve_step(&server, "v1-noise.html");
    w.ok(&["poll", "--all"]);
    assert_eq!(versions_of(&w, &article_url).len(), 1);

    // Step 3: a body edit.
    serve_step(&server, "v2-edited.html");
    w.ok(&["poll", "--all"]);
    let v = versions_of(&w, &article_url);
    assert_eq!(v.len(), 2);
    assert_eq!(changes(&v[1]), ["body"]);
    assert_eq!(v[1]["comments"], "open");

    // Step 4: comments closed, body unchanged.
    serve_step(&server, "v3-comments-closed.html");
    w.ok(&["poll", "--all"]);
    let v = versions_of(&w, &article_url);
    assert_eq!(v.len(), 3);
    assert_eq!(changes(&v[2]), ["comments_closed"]);
    assert_eq!(v[2]["comments"], "closed");

    // Step 5: nothing new.
    w.ok(&["poll", "--all"]);
    let v = versions_of(&w, &article_url);
    assert_eq!(v.len(), 3);
    assert_eq!(versions_of(&w, &other_url).len(), 1);

    // Metadata as stated, on every version.
    for version in &v {
        assert_eq!(version["title"], "Mexico-US: Time to reset relations");
        assert_eq!(version["byline"], "Staff Writer");
        assert_eq!(version["published"], "2021-02-14T09:30:00Z");
        assert_eq!(version["content_sha256"].as_str().unwrap().len(), 64);
        assert!(version["fetched_at"].as_str().unwrap().ends_with('Z'));
    }
    // The version-2 and version-3 bodies are equal: only the comment state differs.
    assert_ne!(v[1]["content_sha256"], v[2]["content_sha256"]);

    // The unified diff of versions 1 and 2 changes exactly that sentence.
    let (v1, v2, v3) = (
        v[0]["id"].as_i64().unwrap().to_string(),
        v[1]["id"].as_i64().unwrap().to_string(),
        v[2]["id"].as_i64().unwrap().to_string(),
    );
    let diff = w.ok(&["diff", &v1, &v2]);
    let changed = changed_lines(&diff);
    assert_eq!(
        changed,
        [
            "-Between 2006 and 2011, 2,500 weapons, including semi-automatic and anti-tank rifles, fell into the hands of the cartels, with US agents’ tacit consent.",
            "+Between 2006 and 2011, around 2,000 weapons, including semi-automatic and anti-tank rifles, fell into the hands of the cartels, with US agents’ tacit consent.",
        ],
        "{diff}"
    );
    // `stet diff ARTICLE` compares the last two versions: only the comment state.
    let diff = w.ok(&["diff", &article_url]);
    let changed = changed_lines(&diff);
    assert_eq!(changed, ["-Comments: open", "+Comments: closed"], "{diff}");
    let word = w.ok(&["diff", &v1, &v2, "--format", "word"]);
    assert!(word.contains("[-2,500-]{+around 2,000+}"), "{word}");
    let json: Value = serde_json::from_str(&w.ok(&["diff", &v1, &v2, "--format", "json"])).unwrap();
    assert_eq!(json["changes"], serde_json::json!(["body"]));
    assert_eq!(json["hunks"].as_array().unwrap().len(), 1);

    // The cleaned body holds the article and none of the page furniture.
    for id in [&v1, &v2, &v3] {
        let text = w.ok(&["show", id]);
        assert!(
            text.contains("In December 2020 Mexico’s president"),
            "{text}"
        );
        assert!(text.contains("Welcome mat for US security"), "{text}");
        for furniture in [
            "Borderlines Review",       // masthead
            "Americas",                 // navigation, category links
            "Recent Posts",             // sidebar
            "Newsletter",               // sidebar
            "Sponsored",                // ad
            "ban-",                     // ad id
            "reader_one",               // comments
            "Fast and Furious numbers", // comment text
            "Leave a Reply",            // comment form
            "Comments are closed",      // comment notice
            "All rights reserved",      // footer
            "Previous: Lithium",        // post navigation
            "Updated",                  // relative-time label
        ] {
            assert!(
                !text.contains(furniture),
                "version {id} body holds {furniture:?}:\n{text}"
            );
        }
    }
    // Versions of two different articles are not diffed.
    let other = versions_of(&w, &other_url)[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let out = w.stet(&["diff", &v1, &other]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("belong to different articles"));
    let shown: Value = serde_json::from_str(&w.ok(&["show", &v3, "--format", "json"])).unwrap();
    assert_eq!(shown["comments"], "closed");
    assert!(shown["html"].as_str().unwrap().contains("<p>"));
    assert!(
        shown["text"]
            .as_str()
            .unwrap()
            .contains("around 2,000 weapons")
    );
}
