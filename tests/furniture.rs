//! Issue 10: page furniture never becomes content. Each defect users saw, with its exact
//! values: on the extractor, and through the real binary polling 127.0.0.1.

mod common;

use common::{Route, TestServer, Workdir};

const BODY: &str = "<p>The council met on Monday to discuss the future of the bus depot, and it voted, \
    after a long and heated debate, to close it by the end of the year.</p>\
    <p>Residents had asked for the change for more than a decade, citing noise, traffic and \
    fumes, and they welcomed the vote with applause from the public gallery.</p>\
    <p>The operator said it would move its buses to a new site on the ring road, outside the \
    town, where a larger garage is being built for the electric fleet.</p>\
    <p>Work on the new garage began in the spring, and the first buses are expected to move \
    there in the autumn, once the charging points have been installed.</p>";

/// An article page with `furniture` at the top of the article and `tail` after its body.
fn page(furniture: &str, tail: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><title>Depot to close</title></head><body>\
         <article><h1>Depot to close</h1>{furniture}{BODY}{tail}</article></body></html>"
    )
}

fn text_of(html: &str) -> String {
    stet::extract::extract(html, "http://127.0.0.1/a")
        .expect("an article")
        .text
}

#[test]
fn a_hover_card_keeps_the_name_of_the_sentence() {
    // The markup of the page users saw (a "rollover" card around a person's name).
    let sentence = "<p>A man pleaded guilty to threatening to kill Rep. <span class=\"rollover-people\" \
        data-behavior=\"rolloverpeople\"><a class=\"rollover-people-link\" href=\"/people/ilhan-omar\">\
        Ilhan Omar</a><span class=\"rollover-people-block\" id=\"rollover-people-418778\"><span \
        class=\"rollover-block\"><span><img src=\"/omar.jpg\"><a class=\"name\" href=\"/people/ilhan-omar\">\
        Ilhan Omar</a><a class=\"people-articles\" href=\"/x\">Omar asks court to apply compassion</a> \
        <a class=\"more\" href=\"/people/ilhan-omar\">MORE<span></span></a></span></span></span></span> \
        (D-Minn.), the U.S. Attorney's Office said.</p>";
    let text = stet::text::collapse_ws(&text_of(&page("", sentence)));
    assert!(
        text.contains(
            "A man pleaded guilty to threatening to kill Rep. Ilhan Omar (D-Minn.), the U.S. Attorney's Office said."
        ),
        "{text}"
    );
    assert!(!text.contains("Omar asks court"), "{text}");
    assert!(!text.contains("MORE"), "{text}");
}

#[test]
fn furniture_of_each_kind_leaves_the_stored_text() {
    for (furniture, gone) in [
        ("<div>1,204 shares</div>", "1,204 shares"),
        (
            "<p><span>4,605 views</span> · <span>134 comments</span></p>",
            "4,605 views",
        ),
        (
            "<p>By Justine Coleman - 11/18/19 11:04 PM EST</p>",
            "Justine Coleman",
        ),
        (
            "<p>Image copyright Getty Images</p>",
            "Image copyright Getty Images",
        ),
        (
            "<footer><p>© 2019 Example Media Group. All rights reserved.</p></footer>",
            "All rights reserved",
        ),
        (
            "<p>123 Main Street, Springfield, IL 62701</p>",
            "Main Street",
        ),
        ("<p>Follow us on Twitter</p>", "Follow us"),
        ("<div>Updated 2 hours ago</div>", "hours ago"),
        ("<div>il y a 3 heures</div>", "il y a"),
    ] {
        let text = text_of(&page(furniture, ""));
        assert!(!text.contains(gone), "{furniture}: {text}");
        assert!(
            text.starts_with("The council met on Monday"),
            "{furniture}: {text}"
        );
    }
}

fn count(w: &Workdir, sql: &str) -> i64 {
    rusqlite::Connection::open(w.dir.path().join("stet.db"))
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// A server with a feed of one article at `/a`, and a workdir following it.
fn one_article(html: &str) -> (TestServer, Workdir) {
    let server = TestServer::start();
    server.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            format!(
                "<rss version=\"2.0\"><channel><title>T</title><item><title>Depot to close</title>\
                 <link>{}</link><guid>a</guid></item></channel></rss>",
                server.url("/a")
            ),
        ),
    );
    server.set("/a", Route::html(html.to_string()));
    let w = Workdir::new(&format!(
        "[[feed]]\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));
    (server, w)
}

#[test]
fn changing_furniture_makes_no_version() {
    let pages = |i: usize| {
        let shares = ["1,204", "1,305", "2,017"][i];
        let minute = ["04", "11", "37"][i];
        let ago = ["5 minutes ago", "2 hours ago", "il y a 3 heures"][i];
        page(
            // A bare div counter, a byline with a dateline, a relative time between the
            // paragraphs' container and a bare text node: none of it is content.
            &format!(
                "<div>{shares} shares</div><p>By Justine Coleman - 11/18/19 11:{minute} PM EST</p>\
                 <div>{ago}</div>"
            ),
            &format!(
                "<p>Image copyright Getty Images</p><p>Follow us on Twitter</p>\
                 <footer><p>© 2019 Example Media Group. All rights reserved.</p></footer>{shares} shares"
            ),
        )
    };
    noise_then_one_edit(pages, 0);
}

#[test]
fn an_interstitial_on_another_host_is_no_version_and_is_logged() {
    let (server, w) = one_article(&page("", ""));
    w.ok(&["poll", "--all"]);
    let consent = TestServer::start();
    consent.set(
        "/consent",
        Route::html(
            "<html><head><title>Before you continue</title></head><body><h1>We value your privacy</h1>\
             <p>We and our 812 partners use cookies to store and access information on your device.</p>\
             <button>Accept all</button><button>Reject all</button></body></html>",
        ),
    );
    let mut redirect = Route::html("").status(302);
    redirect
        .headers
        .push(("Location".into(), consent.url("/consent")));
    server.set("/a", redirect);
    w.stet(&["poll", "--all"]);
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 1);
    let events: String = rusqlite::Connection::open(w.dir.path().join("stet.db"))
        .unwrap()
        .query_row("SELECT group_concat(kind) FROM events", [], |r| {
            r.get::<_, Option<String>>(0)
        })
        .unwrap()
        .unwrap_or_default();
    assert_eq!(events, "");
    let port = consent.base.rsplit(':').next().unwrap().to_string();
    let logged: String = rusqlite::Connection::open(w.dir.path().join("stet.db"))
        .unwrap()
        .query_row(
            "SELECT outcome || ' ' || stage || ': ' || error FROM fetches WHERE article_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        logged,
        format!(
            "interstitial extract: extract failed: consent interstitial at 127.0.0.1:{port} (redirected from the article), not the article"
        )
    );
    assert!(w.ok(&["changes"]).trim().is_empty() || !w.ok(&["changes"]).contains("body"));
}

/// Furniture of the kinds a tester saw leak (issue of the fidelity tester), each in the
/// markup it came in and without telling class names, with the values of fetch `i`.
fn leaky_page(i: usize) -> String {
    let big = ["39,503", "41,877", "52,006"][i];
    let small = ["12", "17", "231"][i];
    let clock = ["5:18", "7:02", "11:45"][i];
    let head = ["Storm hits coast", "Mayor resigns", "Team wins cup"][i];
    let left = ["3", "8", "1"][i];
    let teaser = [
        "Officials said the decision would be reviewed next month.",
        "The announcement came after weeks of speculation.",
        "Fans gathered in the square to greet the players.",
    ][i];
    let other = [
        "New bridge opens",
        "Prices rise again",
        "Rail strike called off",
    ][i];
    page(
        &format!(
            // E1: counts beside emoji, and beside empty icon elements.
            "<table><tr><td>&#128065; {big}</td><td>&#128172; {small}</td></tr></table>\
             <div class=\"c1\"><span><i class=\"fa fa-eye\"></i> {big}</span> <span><i></i> {small}</span></div>\
             <p>{big} people are reading this story right now</p><div>{big} readers</div>\
             <p><span>Listen to this article</span> <span>{clock}</span></p>"
        ),
        &format!(
            "<div>PAID CONTENT &middot; {head} &mdash; presented by Acme Bank</div>\
             <div>Promoted &middot; {head}</div><p>{head} &mdash; in partnership with Acme Bank</p>\
             <p>Newsletter: Get the best of the Coastal Times in your inbox &mdash; {big} readers already have</p>\
             <p>Want to keep reading? You have {left} free articles left this month.</p>\
             <div class=\"w9\"><h3>Popular now</h3>\
             <div><h4><a href=\"/s1\">{head}</a></h4><p>{teaser}</p></div>\
             <div><h4><a href=\"/s2\">{other}</a></h4><p>The council said it would publish the figures.</p></div></div>\
             <div id=\"sp_message_container_87123{i}\"><div><h2>We care about your privacy</h2>\
             <p>We and our {small} partners store and access information on your device, such as cookies.</p>\
             <button>Accept all</button><button>Manage preferences</button></div></div>"
        ),
    )
}

#[test]
fn leaked_furniture_of_each_kind_leaves_the_text() {
    for i in 0..3 {
        assert_eq!(
            stet::text::collapse_ws(&text_of(&leaky_page(i))),
            stet::text::collapse_ws(&text_of(&page("", ""))),
            "fetch {i}"
        );
    }
    // The sentences that look like it stay.
    let sentences = "<p>Five people were killed in the crash, and 1,204 people are reading about it, the editor said.</p>\
        <p>Listen to the residents, she said, and the council will in partnership with the club open a pitch.</p>";
    let text = text_of(&page("", sentences));
    assert!(text.contains("1,204 people are reading about it"), "{text}");
    assert!(text.contains("Listen to the residents"), "{text}");
}

#[test]
fn leaked_furniture_makes_no_version_and_an_edit_is_one() {
    noise_then_one_edit(leaky_page, 1);
}

#[test]
fn a_meta_refresh_to_a_consent_page_is_an_interstitial() {
    let (server, w) = one_article(&page("", ""));
    w.ok(&["poll", "--all"]);
    let consent = TestServer::start();
    server.set(
        "/a",
        Route::html(format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" \
             content=\"0;url={}\"><title>Redirecting</title></head><body><p>Redirecting&hellip;</p></body></html>",
            consent.url("/consent")
        )),
    );
    w.stet(&["poll", "--all"]);
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 1);
    assert_eq!(count(&w, "SELECT count(*) FROM events"), 0);
    let port = |s: &TestServer| s.base.rsplit(':').next().unwrap().to_string();
    let logged: String = rusqlite::Connection::open(w.dir.path().join("stet.db"))
        .unwrap()
        .query_row(
            "SELECT outcome || ' ' || stage || ': ' || error FROM fetches WHERE article_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        logged,
        format!(
            "interstitial extract: extract failed: refresh interstitial at 127.0.0.1:{} (a meta refresh to 127.0.0.1:{}), not the article",
            port(&server),
            port(&consent)
        )
    );
    assert_eq!(w.ok(&["changes"]).trim(), "");
}

/// Serves `pages(0)`, then `pages(1)` and `pages(2)` (furniture values changed): one
/// version and two unchanged fetches. Then `pages(edit_of)` with one sentence edited:
/// a second version whose diff is that sentence alone.
fn noise_then_one_edit(pages: impl Fn(usize) -> String, edit_of: usize) {
    let (server, w) = one_article(&pages(0));
    w.ok(&["poll", "--all"]);
    for i in 1..3 {
        server.set("/a", Route::html(pages(i)));
        w.ok(&["poll", "--all"]);
    }
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 1);
    assert_eq!(
        count(
            &w,
            "SELECT count(*) FROM fetches WHERE outcome = 'unchanged'"
        ),
        2
    );
    // A real edit is still a version, and its diff is the edited sentence alone.
    server.set(
        "/a",
        Route::html(pages(edit_of).replace("more than a decade", "more than twenty years")),
    );
    w.ok(&["poll", "--all"]);
    assert_eq!(count(&w, "SELECT count(*) FROM versions"), 2);
    let diff = w.ok(&["diff", "1"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        [
            "-Residents had asked for the change for more than a decade, citing noise, traffic and fumes, and they welcomed the vote with applause from the public gallery.",
            "+Residents had asked for the change for more than twenty years, citing noise, traffic and fumes, and they welcomed the vote with applause from the public gallery."
        ],
        "{diff}"
    );
}
