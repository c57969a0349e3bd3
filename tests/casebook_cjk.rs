//! Casebook 26 (text without spaces) through the real binary and a local server: a
//! re-wrapped Japanese page is no edit, its title loses the site name after a full-width
//! separator, and a one-character edit is diffed as one small change.

mod common;

use common::{Route, TestServer, Workdir, fixture};
use serde_json::Value;

const CASE: &str = "casebook/26-cjk-no-spaces";
const ARTICLE: &str = "/local/2024/10/lighthouse-open";

/// The text of v1 exactly: one sentence a line, a blank line between paragraphs.
const V1_TEXT: &str = "市は十月十二日、港の入り口に立つ白い灯台を来春から一般に公開すると発表した。\n\
    灯台の内部に市民が入れるのは五十年ぶりとなる。\n\n\
    灯台は明治時代に建てられた石造りの建物で、高さは約二十メートル。\n\
    らせん階段を上ると、最上部の展望室から湾全体を見渡すことができる。\n\n\
    公開は土曜と日曜の午前十時から午後四時まで。\n\
    入場料は五百円で、中学生以下は無料とする。\n\
    期間中は見学ツアー Open Lighthouse Days も開く。\n\n\
    市の担当者は「港の歴史を知るきっかけにしてほしい」と話している。";

/// The paragraphs CASE.md states for v1.
const V1_PARAGRAPHS: [&str; 4] = [
    "市は十月十二日、港の入り口に立つ白い灯台を来春から一般に公開すると発表した。灯台の内部に市民が入れるのは五十年ぶりとなる。",
    "灯台は明治時代に建てられた石造りの建物で、高さは約二十メートル。らせん階段を上ると、最上部の展望室から湾全体を見渡すことができる。",
    "公開は土曜と日曜の午前十時から午後四時まで。入場料は五百円で、中学生以下は無料とする。期間中は見学ツアー Open Lighthouse Days も開く。",
    "市の担当者は「港の歴史を知るきっかけにしてほしい」と話している。",
];

fn page(name: &str) -> Vec<u8> {
    fixture(&format!("{CASE}/{name}"))
}

fn versions(w: &Workdir, url: &str) -> Vec<Value> {
    w.json(&["versions", url, "--json"])
        .as_array()
        .unwrap()
        .clone()
}

/// No space between two CJK characters (a line break between sentences is no space).
fn assert_no_space_between_cjk(text: &str) {
    let chars: Vec<char> = text.chars().collect();
    for w in chars.windows(3) {
        assert!(
            !(stet::text::is_cjk(w[0])
                && w[1] != '\n'
                && w[1].is_whitespace()
                && stet::text::is_cjk(w[2])),
            "space between {}{}: {text}",
            w[0],
            w[2]
        );
    }
}

/// The runs marked `open … close` in a word diff.
fn marked<'a>(diff: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    diff.split(open)
        .skip(1)
        .map(|s| s.split(close).next().unwrap())
        .collect()
}

#[test]
fn case_26_rewrapped_cjk_is_no_edit_and_one_character_edits_stay_small() {
    let server = TestServer::start();
    let feed = String::from_utf8(page("feed.xml"))
        .unwrap()
        .replace("https://shinpo.example.com", &server.base);
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let url = server.url(ARTICLE);

    // v1: one version, the headline without the site name, the text exactly.
    server.set(ARTICLE, Route::html(page("v1.html")));
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &url);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["title"], "港の灯台、五十年ぶりに一般公開へ");
    let v1_id = v[0]["id"].to_string();
    let text = w.ok(&["show", &v1_id]);
    assert_eq!(text, format!("{V1_TEXT}\n"));
    let paragraphs: Vec<String> = text
        .trim_end()
        .split("\n\n")
        .map(|p| p.replace('\n', ""))
        .collect();
    assert_eq!(paragraphs, V1_PARAGRAPHS);
    for furniture in ["みなと新報", "地域", "© 2024"] {
        assert!(!text.contains(furniture), "{furniture} in {text}");
    }

    // v2: only the source is re-wrapped: the same text, no version, no change.
    let extracted = |name: &str| {
        stet::extract::extract(&String::from_utf8(page(name)).unwrap(), &url)
            .unwrap()
            .text
    };
    let v2_text = extracted("v2.html");
    assert_eq!(v2_text, V1_TEXT);
    assert!(v2_text.contains("白い灯台を来春から"), "{v2_text}");
    assert!(v2_text.contains("Open Lighthouse Days"), "{v2_text}");
    assert_no_space_between_cjk(&v2_text);
    server.set(ARTICLE, Route::html(page("v2.html")));
    w.ok(&["poll", "--all"]);
    assert_eq!(versions(&w, &url).len(), 1);
    assert_eq!(w.json(&["changes", "--json"]), serde_json::json!([]));

    // v3: two one-character edits: one body version.
    server.set(ARTICLE, Route::html(page("v3.html")));
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &url);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["changes"], serde_json::json!(["body"]));
    let v3_id = v[1]["id"].to_string();

    // Unified: exactly the two edited sentences, old then new.
    let unified = w.ok(&["diff", &url]);
    let removed: Vec<&str> = unified
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = unified
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        removed,
        [
            "-市は十月十二日、港の入り口に立つ白い灯台を来春から一般に公開すると発表した。",
            "-入場料は五百円で、中学生以下は無料とする。",
        ],
        "{unified}"
    );
    assert_eq!(
        added,
        [
            "+市は十月十九日、港の入り口に立つ白い灯台を来春から一般に公開すると発表した。",
            "+入場料は八百円で、中学生以下は無料とする。",
        ],
        "{unified}"
    );
    for untouched in [V1_PARAGRAPHS[1], V1_PARAGRAPHS[3]] {
        for sentence in untouched.split_inclusive('。') {
            assert!(
                !removed.iter().chain(&added).any(|l| l.contains(sentence)),
                "{sentence} touched: {unified}"
            );
        }
    }

    // Word: two deletions and two insertions of one character each.
    let word = w.ok(&["diff", &v1_id, &v3_id, "--format", "word"]);
    let (del, ins) = (marked(&word, "[-", "-]"), marked(&word, "{+", "+}"));
    assert_eq!(del, ["二", "五"], "{word}");
    assert_eq!(ins, ["九", "八"], "{word}");
    for run in del.iter().chain(&ins) {
        assert!(run.chars().count() <= 5, "{run}");
        for whole in ["。", "、", "灯台", "入場料"] {
            assert!(!run.contains(whole), "{run}");
        }
    }
    assert!(word.contains("市は十月十[-二-]{+九+}日、"), "{word}");
    assert!(word.contains("入場料は[-五-]{+八+}百円で"), "{word}");

    // After the three fetches: two versions, one change report.
    assert_eq!(versions(&w, &url).len(), 2);
    let changes = w.json(&["changes", "--json"]);
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes[0]["summary"], "body: +2 -2 sentences");
}

#[test]
fn case_26_an_upgrade_of_the_normalization_is_no_edit() {
    let server = TestServer::start();
    let feed = String::from_utf8(page("feed.xml"))
        .unwrap()
        .replace("https://shinpo.example.com", &server.base);
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let url = server.url(ARTICLE);
    server.set(ARTICLE, Route::html(page("v1.html")));
    w.ok(&["poll", "--all"]);
    // As extractor 5 stored it: other hashes (a space where the source broke a line,
    // sentences cut by UAX #29) and the title with the site name.
    let conn = rusqlite::Connection::open(w.dir.path().join("stet.db")).unwrap();
    conn.execute(
        "UPDATE versions SET extractor_version = 5, \
           title = '港の灯台、五十年ぶりに一般公開へ｜みなと新報', \
           content_sha256 = zeroblob(32), body_sha256 = zeroblob(32)",
        [],
    )
    .unwrap();
    server.set(ARTICLE, Route::html(page("v2.html")));
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &url);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["title"], "港の灯台、五十年ぶりに一般公開へ");
    assert_eq!(v[0]["extractor_version"], stet::extract::EXTRACTOR_VERSION);
    assert_eq!(w.json(&["changes", "--json"]), serde_json::json!([]));
}
