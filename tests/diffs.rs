//! Diffs a journalist reads (issue 10, part 5), through the real binary and a local
//! server: sentences are not cut at abbreviations, a headline change shows as whole old
//! and new lines in every format, a two-sentence correction counts as two sentences, a
//! quote-only difference next to a real edit is neither marked nor counted, no mark is
//! empty, and the Atom entry holds the changed passage with a sentence of context only.

mod common;

use common::{Route, TestServer, Workdir};
use serde_json::Value;

const ARTICLE: &str = "/2026/03/depot";
const OLD_TITLE: &str = "Council approves depot closure";
const NEW_TITLE: &str = "Depot to close after night of debate";

const OPENING: &str =
    "Mr. Trump met Rep. Jane Doe in the U.S. Capitol on Oct. 3. They spoke for an hour.";
const TOLKIEN: &str = "J. R. R. Tolkien’s estate said sales grew 3.5 percent... Then they fell.";
const MAYOR: &str = "The depot opened in 1962. It employs 140 people. The mayor said “we will rebuild” on Monday. Work starts in May. The union has not commented. Its members meet next week.";
const CORRECTION: &str = "Correction: An earlier version of this article gave the wrong date for the meeting with Rep. Jane Doe, which was on Oct. 3. It also misspelled the name of J. R. R. Tolkien.";

/// An article page: the headline as `<title>` and `<h1>`, then one `<p>` per paragraph.
fn page(title: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><article><h1>{title}</h1>\n{body}</article></body></html>"
    )
}

fn versions(w: &Workdir, url: &str) -> Vec<Value> {
    w.json(&["versions", url, "--json"])
        .as_array()
        .unwrap()
        .clone()
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

/// The runs marked `open … close`.
fn marked<'a>(diff: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    diff.split(open)
        .skip(1)
        .map(|s| s.split(close).next().unwrap())
        .collect()
}

/// No format has an empty mark or a mark across a line break.
fn assert_no_empty_marks(w: &Workdir, old: &str, new: &str) {
    let word = w.ok(&["diff", old, new, "--format", "word"]);
    for (open, close) in [("[-", "-]"), ("{+", "+}")] {
        for run in marked(&word, open, close) {
            assert!(
                !run.trim().is_empty() && !run.contains('\n'),
                "{run:?} in {word}"
            );
        }
    }
    let html = w.ok(&["diff", old, new, "--format", "html"]);
    for (open, close) in [("<del>", "</del>"), ("<ins>", "</ins>")] {
        for run in marked(&html, open, close) {
            assert!(
                !run.trim().is_empty() && !run.contains('\n'),
                "{run:?} in {html}"
            );
        }
    }
}

#[test]
fn diffs_read_as_sentences_and_whole_short_fields() {
    let server = TestServer::start();
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>a</title>\
         <link>{}</link></item></channel></rss>",
        server.url(ARTICLE)
    );
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let url = server.url(ARTICLE);
    let step = |title: &str, paragraphs: &[&str]| {
        server.set(ARTICLE, Route::html(page(title, paragraphs)));
        w.ok(&["poll", "--all"]);
        let v = versions(&w, &url);
        v.last().unwrap()["id"].to_string()
    };

    // v1: abbreviations, initials, decimals and ellipses end no sentence.
    let v1 = step(OLD_TITLE, &[OPENING, TOLKIEN, MAYOR]);
    assert_eq!(
        w.ok(&["show", &v1]),
        "Mr. Trump met Rep. Jane Doe in the U.S. Capitol on Oct. 3.\n\
         They spoke for an hour.\n\n\
         J. R. R. Tolkien’s estate said sales grew 3.5 percent...\n\
         Then they fell.\n\n\
         The depot opened in 1962.\nIt employs 140 people.\n\
         The mayor said “we will rebuild” on Monday.\nWork starts in May.\n\
         The union has not commented.\nIts members meet next week.\n"
    );

    // v2: the headline is rewritten (as `<h1>` and `<title>`): whole old and new lines in
    // every format, the title and the document title each.
    let v2 = step(NEW_TITLE, &[OPENING, TOLKIEN, MAYOR]);
    let (old_line, new_line) = (format!("Title: {OLD_TITLE}"), format!("Title: {NEW_TITLE}"));
    let (old_doc, new_doc) = (
        format!("Document title: {OLD_TITLE}"),
        format!("Document title: {NEW_TITLE}"),
    );
    let unified = w.ok(&["diff", &v1, &v2]);
    assert_eq!(
        changed_lines(&unified),
        [
            format!("-{old_line}"),
            format!("+{new_line}"),
            format!("-{old_doc}"),
            format!("+{new_doc}")
        ],
        "{unified}"
    );
    let word = w.ok(&["diff", &v1, &v2, "--format", "word"]);
    assert!(
        word.starts_with(&format!(
            "[-{old_line}-]\n{{+{new_line}+}}\nSocial title: \n[-{old_doc}-]\n{{+{new_doc}+}}\nByline: "
        )),
        "{word}"
    );
    assert_eq!(
        marked(&word, "[-", "-]"),
        [old_line.as_str(), old_doc.as_str()],
        "{word}"
    );
    assert_eq!(
        marked(&word, "{+", "+}"),
        [new_line.as_str(), new_doc.as_str()],
        "{word}"
    );
    let html = w.ok(&["diff", &v1, &v2, "--format", "html"]);
    assert_eq!(
        marked(&html, "<del>", "</del>"),
        [old_line.as_str(), old_doc.as_str()],
        "{html}"
    );
    assert_eq!(
        marked(&html, "<ins>", "</ins>"),
        [new_line.as_str(), new_doc.as_str()],
        "{html}"
    );
    let json: Value = serde_json::from_str(&w.ok(&["diff", &v1, &v2, "--format", "json"])).unwrap();
    let changed: Vec<(String, String)> = json["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["lines"].as_array().unwrap().clone())
        .filter(|l| l["op"] != "equal")
        .map(|l| {
            (
                l["op"].as_str().unwrap().to_string(),
                l["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            ("delete".to_string(), old_line.clone()),
            ("insert".to_string(), new_line.clone()),
            ("delete".to_string(), old_doc.clone()),
            ("insert".to_string(), new_doc.clone())
        ]
    );

    // v3: a two-sentence correction is two sentences.
    let v3 = step(NEW_TITLE, &[OPENING, TOLKIEN, MAYOR, CORRECTION]);
    let unified = w.ok(&["diff", &v2, &v3]);
    assert_eq!(
        changed_lines(&unified),
        [
            "+",
            "+Correction: An earlier version of this article gave the wrong date for the meeting with Rep. Jane Doe, which was on Oct. 3.",
            "+It also misspelled the name of J. R. R. Tolkien.",
        ],
        "{unified}"
    );
    assert_no_empty_marks(&w, &v2, &v3);

    // v4: straight quotes (no change) in the sentence of a real edit.
    let edited = MAYOR
        .replace("“we will rebuild”", "\"we will rebuild\"")
        .replace("Monday", "Tuesday");
    let v4 = step(NEW_TITLE, &[OPENING, TOLKIEN, &edited, CORRECTION]);
    let word = w.ok(&["diff", &v3, &v4, "--format", "word"]);
    assert_eq!(
        word,
        "It employs 140 people.\n\
         The mayor said \"we will rebuild\" on [-Monday-]{+Tuesday+}.\n\
         Work starts in May.\n",
    );
    let html = w.ok(&["diff", &v3, &v4, "--format", "html"]);
    assert_eq!(marked(&html, "<del>", "</del>"), ["Monday"], "{html}");
    assert_eq!(marked(&html, "<ins>", "</ins>"), ["Tuesday"], "{html}");

    // v5: a whole paragraph goes: its blank line is no empty mark.
    let v5 = step(NEW_TITLE, &[OPENING, &edited, CORRECTION]);
    let word = w.ok(&["diff", &v4, &v5, "--format", "word"]);
    assert_eq!(
        word,
        "They spoke for an hour.\n\
         \n\
         [-J. R. R. Tolkien’s estate said sales grew 3.5 percent...-]\n\
         [-Then they fell.-]\n\
         \n\
         The depot opened in 1962.\n",
    );
    assert_no_empty_marks(&w, &v4, &v5);

    // Summaries count sentences, not fragments or quotes.
    let summaries: Vec<String> = w
        .json(&["changes", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["summary"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        summaries,
        [
            "body: +0 -2 sentences",
            "body: +1 -1 sentences",
            "body: +2 -0 sentences",
            &format!("title: {OLD_TITLE:?} -> {NEW_TITLE:?}"),
        ]
    );

    // The Atom entry of v4 holds the edited sentence and one sentence around it.
    let atom = w.ok(&["changes", "--format", "atom"]);
    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    let content = |i: usize| {
        feed.entries[i]
            .content
            .as_ref()
            .unwrap()
            .body
            .clone()
            .unwrap()
    };
    let v4_entry = content(1);
    assert!(
        v4_entry.ends_with(
            "<p>It employs 140 people.<br>\nThe mayor said &quot;we will rebuild&quot; on \
             <del>Monday</del><ins>Tuesday</ins>.<br>\nWork starts in May.</p>"
        ),
        "{v4_entry}"
    );
    for far in [
        "The depot opened",
        "The union",
        "Mr. Trump",
        "Tolkien",
        "Correction",
    ] {
        assert!(!v4_entry.contains(far), "{far} in {v4_entry}");
    }
    let title_entry = content(3);
    assert!(
        title_entry.ends_with(&format!(
            "<p><del>{old_line}</del><br>\n<ins>{new_line}</ins><br>\nSocial title: <br>\n\
             <del>{old_doc}</del><br>\n<ins>{new_doc}</ins><br>\nByline: </p>"
        )),
        "{title_entry}"
    );
    assert!(!title_entry.contains("Mr. Trump"), "{title_entry}");
}

/// A title before a name (`Ms. Ortiz`) and a time before a day (`4 p.m. Friday`) end no
/// sentence: the stored text keeps each sentence on one line, and an edit in it changes
/// that one line.
#[test]
fn a_title_before_a_name_and_a_time_before_a_day_cut_no_sentence() {
    const P: &str = "Sen. Maria Ortiz of St. Louis met Gen. Mark Adams at No. 10 on Sept. 9, and Ms. Ortiz later told reporters she was \"satisfied.\" The meeting ended at 4 p.m. Friday, according to the U.K. government.";
    let server = TestServer::start();
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>a</title>\
         <link>{}</link></item></channel></rss>",
        server.url(ARTICLE)
    );
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    let url = server.url(ARTICLE);
    server.set(ARTICLE, Route::html(page(OLD_TITLE, &[P])));
    w.ok(&["poll", "--all"]);
    server.set(
        ARTICLE,
        Route::html(page(
            OLD_TITLE,
            &[&P.replace("\"satisfied", "\"very satisfied")],
        )),
    );
    w.ok(&["poll", "--all"]);
    let v = versions(&w, &url);
    let (v1, v2) = (v[0]["id"].to_string(), v[1]["id"].to_string());
    assert_eq!(
        w.ok(&["show", &v1]),
        "Sen. Maria Ortiz of St. Louis met Gen. Mark Adams at No. 10 on Sept. 9, and Ms. Ortiz later told reporters she was \"satisfied.\"\n\
         The meeting ended at 4 p.m. Friday, according to the U.K. government.\n"
    );
    assert_eq!(
        changed_lines(&w.ok(&["diff", &v1, &v2])),
        [
            "-Sen. Maria Ortiz of St. Louis met Gen. Mark Adams at No. 10 on Sept. 9, and Ms. Ortiz later told reporters she was \"satisfied.\"",
            "+Sen. Maria Ortiz of St. Louis met Gen. Mark Adams at No. 10 on Sept. 9, and Ms. Ortiz later told reporters she was \"very satisfied.\"",
        ]
    );
}
