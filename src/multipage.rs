//! Articles split over several pages: one version over all of them.
//!
//! A page names its next page with `<link rel="next">` (HTML §4.6.7.14) or an `<a
//! rel="next">` in its pagination. Readability reads one page only (mozilla/readability
//! #897: following the pages is the caller's job), so stet follows them here:
//!
//! - **Discovery**: the first `rel=next` link (`<link>` before `<a>`) of a page, when it
//!   continues the article's address ([`continues`]): same origin, and either the same
//!   path with the article's query kept (`?page=2`), or the article's path extended
//!   after a separator by a part holding a number (`/2/`, `/page/2`, `-2.html`).
//! - **Same article**: such an address is no proof (a blog's next post of the same
//!   title is at `slug-2`), so a fetched later page is joined only when it names itself
//!   as the first page does, or is numbered outright (`?page=2`, `/2/`, `Page 2 of 3`)
//!   ([`same_article`]). A page of another article ends the series there: it is not
//!   joined and its links are not followed; the article is the pages before it (not a
//!   failure).
//! - **Bounded and loop-safe**: at most [`MAX_PAGES`] pages (the first included); a
//!   next link whose address (fragment dropped) was already fetched ends the series,
//!   and so does a fetched page whose canonical address or raw bytes are those of a page
//!   already in the series.
//! - **Polite**: every page is fetched through the same [`Fetcher`] as any article
//!   (per-host slots and delay, robots.txt, address guard, backoff), one after the other.
//! - **All or nothing**: when a later page cannot be fetched (an error, a non-2xx status,
//!   not a web page), the check is incomplete and no version is made from it: a version
//!   without that page's paragraphs would report them deleted.
//! - **Extraction**: each page is extracted on its own ([`extract_pages`]); the article
//!   is the first page's metadata and comment state (the last page's, when it says open or closed)
//!   with the bodies in page order, each later page's repeated headline dropped.
//! - **Storage**: the first page's raw HTML is the version's raw blob as for any
//!   article; each later page's raw HTML is a blob of its own, listed in `version_pages`
//!   (migration 0005) with its address and encoding, so that `stet reextract` rebuilds
//!   the version from all of them.

use std::collections::HashSet;

use dom_query::Document;
use url::Url;

use crate::extract::{self, ExtractError, Extracted};
use crate::http::{FetchRecord, Fetcher, Request, Response, Validators};

/// At most this many pages (the first included) make one version.
pub const MAX_PAGES: usize = 10;

/// A later page of an article (the second or after), as fetched.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its address after redirects.
    pub url: String,
    /// The raw body (after content decoding).
    pub body: Vec<u8>,
    /// The `Content-Type` charset parameter, if any.
    pub charset: Option<String>,
}

/// The later pages found for one fetch of an article.
#[derive(Debug, Clone, Default)]
pub struct Pages {
    /// The pages after the first, in order.
    pub pages: Vec<Page>,
    /// Every request made for them, for the fetch log.
    pub records: Vec<FetchRecord>,
    /// Why the series is incomplete (`page 3 (URL): http_status failed: HTTP 404`): then
    /// no version is made from this fetch.
    pub failure: Option<String>,
}

/// What a page says about its place in a series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// The first `rel=next` address (`<link>` before `<a>`), absolute.
    pub next: Option<Url>,
    /// `<link rel=canonical>`, absolute.
    pub canonical: Option<Url>,
    /// The first `rel=prev` (or `rel=previous`) address (`<link>` before `<a>`), absolute.
    pub prev: Option<Url>,
    /// The names the page gives itself, to tell whether a later page is the same
    /// article ([`same_article`]): its visible headline ([`extract::headline::choose`]),
    /// `og:title`/`twitter:title`, `<title>` and the longest part of `<title>` around
    /// separators (`Headline | Site` gives `Headline`), each non-empty, whitespace
    /// collapsed.
    pub names: Vec<String>,
    /// Whether the page's text says which page of a series it is (`Page 2 of 3`,
    /// `page 2/3`, case-insensitive).
    pub page_of: bool,
}

/// A cheap test on the raw bytes: does the page hold a `rel` attribute naming `next`?
/// Pages without one (nearly all) are never parsed for links.
pub fn may_have_next(body: &[u8]) -> bool {
    static RE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r#"(?i-u)\brel\s*=\s*["']?[^"'>]*\bnext\b"#).expect("regex")
    });
    RE.is_match(body)
}

/// Reads a decoded page's next and canonical links, made absolute against `page_url`.
pub fn links(html: &str, page_url: &Url) -> Links {
    let doc = Document::from(html);
    let rel_has = |v: &str, word: &str| {
        v.split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case(word))
    };
    let href_of = |sel: &str, word: &str| -> Option<Url> {
        doc.select(sel).iter().find_map(|el| {
            let rel = el.attr("rel")?;
            if !rel_has(&rel, word) {
                return None;
            }
            let href = el.attr("href")?;
            page_url.join(href.trim()).ok()
        })
    };
    let first_of =
        |word: &str| href_of("link[rel][href]", word).or_else(|| href_of("a[rel][href]", word));
    let meta = |key: &str| {
        doc.select(&format!("meta[property='{key}'], meta[name='{key}']"))
            .iter()
            .find_map(|m| m.attr("content"))
            .map(|c| crate::text::collapse_ws(&c))
    };
    let title = doc
        .select("title")
        .iter()
        .next()
        .map(|t| crate::text::collapse_ws(&t.text()));
    let metadata: Vec<String> = [meta("og:title"), meta("twitter:title"), title.clone()]
        .into_iter()
        .flatten()
        .filter(|t| !t.is_empty())
        .collect();
    let titles: Vec<&str> = metadata.iter().map(String::as_str).collect();
    let headings = extract::headline::headings(&doc);
    let mut names: Vec<String> = extract::headline::choose(&headings, &titles)
        .into_iter()
        .chain(metadata.iter().cloned())
        .chain(title.as_deref().and_then(longest_part))
        .collect();
    names.dedup();
    static PAGE_OF: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)page\s+\d+\s*(?:of|/)\s*\d+").expect("regex")
    });
    Links {
        next: first_of("next"),
        canonical: href_of("link[rel][href]", "canonical"),
        prev: first_of("prev").or_else(|| first_of("previous")),
        names,
        page_of: PAGE_OF.is_match(&doc.select("body").text()),
    }
}

/// The longest part of a title around [`extract::headline::SEPARATORS`], when the
/// title has more than one part.
fn longest_part(title: &str) -> Option<String> {
    let mut parts = vec![title];
    for sep in extract::headline::SEPARATORS {
        parts = parts.into_iter().flat_map(|p| p.split(sep)).collect();
    }
    if parts.len() < 2 {
        return None;
    }
    parts
        .into_iter()
        .map(str::trim)
        .max_by_key(|p| extract::headline::words(p).len())
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

/// Whether the address `next` says outright that it is a numbered page of the article
/// at `article`: a numeric page parameter (`?page=2`, `pg`, `paged`, `pagenum`) or a
/// path extended by `/2` or `/page/2` (a trailing `/` allowed). `-2` added to a slug is
/// not: blogs give a second post of the same title that address.
pub fn numbered_page(article: &Url, next: &Url) -> bool {
    let numeric = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if article.path() == next.path() {
        return next.query_pairs().any(|(k, v)| {
            matches!(
                k.to_ascii_lowercase().as_str(),
                "page" | "pg" | "paged" | "pagenum"
            ) && numeric(&v)
        });
    }
    let base = article.path().trim_end_matches('/');
    next.path().strip_prefix(base).is_some_and(|rest| {
        let rest = rest.trim_end_matches('/');
        let rest = rest.strip_prefix("/page").unwrap_or(rest);
        rest.strip_prefix('/').is_some_and(numeric)
    })
}

/// Whether a later page (its [`Links`] `later`, fetched from `next`) is a page of the
/// article whose first page is `first` (at `article`); `previous` is the address of
/// the page whose next link led to it. Address patterns alone do not tell: a blog's
/// next post is often at the article's address plus `-2` (WordPress gives a second post
/// of the same title that slug). The later page belongs when
/// 1. it names itself as the first page does: a name of one ([`Links::names`]) is the
///    same headline as a name of the other ([`extract::headline::same_headline`], either
///    way round: `Headline - Page 2 | Site`), or
/// 2. it is numbered outright: [`numbered_page`] or a `Page 2 of 3` marker, or
/// 3. it gives no name to compare, and its `rel=prev` points back at `previous`.
///
/// Otherwise (another headline, no page number) it is another article: it is not
/// fetched further and not joined, and the article is the pages before it.
pub fn same_article(
    first: &Links,
    article: &Url,
    later: &Links,
    next: &Url,
    previous: &Url,
) -> bool {
    let named_alike = first.names.iter().any(|a| {
        later.names.iter().any(|b| {
            extract::headline::same_headline(a, b) || extract::headline::same_headline(b, a)
        })
    });
    named_alike
        || numbered_page(article, next)
        || later.page_of
        || (later.names.is_empty()
            && later
                .prev
                .as_ref()
                .is_some_and(|p| normalized(p) == normalized(previous)))
}

/// An address as compared for loops: without its fragment.
pub fn normalized(u: &Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    u.to_string()
}

/// Whether `next` can be a later page of the article at `article` (rules in the module
/// documentation).
pub fn continues(article: &Url, next: &Url) -> bool {
    if article.origin() != next.origin() || !matches!(next.scheme(), "http" | "https") {
        return false;
    }
    if article.path() == next.path() {
        // `?page=2`: the article's own query pairs are all kept.
        let pairs: HashSet<(String, String)> = next.query_pairs().into_owned().collect();
        return next.query() != article.query()
            && article
                .query_pairs()
                .into_owned()
                .all(|p| pairs.contains(&p));
    }
    let base = article.path().trim_end_matches('/');
    let base = match base.rsplit_once('/') {
        Some((dir, last)) => match last.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => &base[..dir.len() + 1 + stem.len()],
            _ => base,
        },
        None => base,
    };
    // An article at the site's root continues only by its query.
    !base.is_empty()
        && next.path().strip_prefix(base).is_some_and(|rest| {
            rest.starts_with(['/', '-', '_', '.']) && rest.chars().any(|c| c.is_ascii_digit())
        })
}

/// sha256 of some bytes.
fn sha(bytes: &[u8]) -> crate::store::Sha256 {
    crate::store::blob::sha256(bytes)
}

/// Follows the next links of the article whose first page is `first` (fetched from
/// `article_url`; later pages must continue `first`'s final address, [`continues`]), fetching each later page through `fetcher` (`allow_private` and
/// `force` as for the first page). `parse` reads a page's [`Links`] from its body and
/// charset, off the async task (the poll cycle runs it on its CPU pool). Nothing is
/// fetched for a first page without a `rel=next` ([`may_have_next`]).
pub async fn follow<P, F>(
    fetcher: &Fetcher,
    first: &Response,
    article_url: &str,
    allow_private: bool,
    force: bool,
    parse: P,
) -> Pages
where
    P: Fn(Vec<u8>, Option<String>, Url) -> F,
    F: std::future::Future<Output = Links>,
{
    let mut out = Pages::default();
    if !first.is_success() || first.not_modified() || !may_have_next(&first.body) {
        return out;
    }
    let Ok(article) = Url::parse(article_url) else {
        return out;
    };
    let mut seen: HashSet<String> = [normalized(&article), normalized(&first.final_url)].into();
    // Later pages continue the address the first page was served from (after redirects).
    let article = first.final_url.clone();
    let mut bodies = HashSet::from([sha(&first.body)]);
    let first_links = parse(
        first.body.clone(),
        first.charset().map(str::to_string),
        first.final_url.clone(),
    )
    .await;
    if let Some(c) = &first_links.canonical {
        seen.insert(normalized(c));
    }
    let mut links = first_links.clone();
    let mut previous = first.final_url.clone();
    while let Some(next) = links.next.take().filter(|n| continues(&article, n)) {
        if !seen.insert(normalized(&next)) {
            tracing::debug!(article = %article_url, next = %next, "pagination loops back; series ends");
            break;
        }
        if out.pages.len() + 1 >= MAX_PAGES {
            tracing::warn!(article = %article_url, pages = MAX_PAGES, "article has more pages than stet reads; the rest are left out");
            break;
        }
        let number = out.pages.len() + 2;
        let (record, result) = fetcher
            .fetch(&Request {
                url: next.as_str(),
                validators: &Validators::default(),
                allow_private,
                force,
            })
            .await;
        out.records.push(record);
        let resp = match result {
            Ok(r) if r.is_success() => r,
            Ok(r) => {
                out.failure = Some(format!(
                    "page {number} ({next}): http_status failed: HTTP {}",
                    r.status
                ));
                break;
            }
            Err(e) => {
                out.failure = Some(format!("page {number} ({next}): {}", e.short()));
                break;
            }
        };
        if let Some(why) = crate::guard::not_a_page(resp.content_type.as_deref(), &resp.body) {
            out.failure = Some(format!("page {number} ({next}): extract failed: {why}"));
            break;
        }
        if !bodies.insert(sha(&resp.body)) {
            break;
        }
        seen.insert(normalized(&resp.final_url));
        links = parse(
            resp.body.clone(),
            resp.charset().map(str::to_string),
            resp.final_url.clone(),
        )
        .await;
        if let Some(c) = &links.canonical {
            // A page that names an earlier page as its canonical address is that page.
            if c != &resp.final_url && !seen.insert(normalized(c)) {
                break;
            }
        }
        if !same_article(&first_links, &article, &links, &next, &previous) {
            tracing::debug!(article = %article_url, next = %next, "next link leads to another article; not joined");
            break;
        }
        previous = resp.final_url.clone();
        out.pages.push(Page {
            url: resp.final_url.to_string(),
            charset: resp.charset().map(str::to_string),
            body: resp.body,
        });
    }
    out
}

/// The hash that stands for the raw bytes of a whole series (the first page's hash when
/// there is no other page): sha256 over the pages' sha256 in order. A change on any page
/// changes it, so an unchanged first page does not hide an edit on a later one.
pub fn series_hash(first: &crate::store::Sha256, later: &[Page]) -> crate::store::Sha256 {
    if later.is_empty() {
        return *first;
    }
    let mut all = first.to_vec();
    for p in later {
        all.extend_from_slice(&sha(&p.body));
    }
    sha(&all)
}

/// Extracts an article from its pages: `first` and `later` are (decoded HTML, address)
/// pairs. The first page gives the metadata; the bodies follow in page order, each
/// later page without the headings that repeat the article's title or its own (see the
/// module documentation). Comment state: the last page's when it says open or closed, else the first's.
///
/// # Errors
/// The first error of a page that does not extract: a version without that page would
/// report its paragraphs deleted.
pub fn extract_pages(
    first: (&str, &str),
    later: &[(String, String)],
    drop_selectors: &[String],
) -> Result<Extracted, ExtractError> {
    let mut article = extract::extract_with(first.0, first.1, drop_selectors)?;
    for (n, (html, url)) in later.iter().enumerate() {
        let page = extract::extract_with(html, url, drop_selectors)?;
        let repeated: Vec<Vec<String>> = [
            article.title.as_deref(),
            article.headline.as_deref(),
            page.title.as_deref(),
            page.headline.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(extract::headline::words)
        .collect();
        let content = Document::fragment(page.html.as_str());
        for h in content.select("h1, h2").nodes() {
            if repeated.contains(&extract::headline::words(&h.text())) {
                h.remove_from_parent();
            }
        }
        let page_div = content.select("#readability-page-1");
        let html = if page_div.exists() {
            page_div.html().to_string()
        } else {
            content.root().inner_html().to_string()
        };
        let html = html.replacen(
            "id=\"readability-page-1\"",
            &format!("id=\"readability-page-{}\"", n + 2),
            1,
        );
        let text = crate::text::html_to_text(&html, article.lang.as_deref());
        article.html.push_str(&html);
        if !text.is_empty() {
            if !article.text.is_empty() {
                article.text.push_str("\n\n");
            }
            article.text.push_str(&text);
        }
        if matches!(
            page.comments,
            extract::CommentState::Open | extract::CommentState::Closed
        ) {
            article.comments = page.comments;
        }
    }
    Ok(article)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn only_continuations_of_the_article_are_followed() {
        let a = u("https://ex.test/features/keepers");
        for next in [
            "https://ex.test/features/keepers?page=2",
            "https://ex.test/features/keepers/2/",
            "https://ex.test/features/keepers/page/3",
            "https://ex.test/features/keepers-2",
        ] {
            assert!(continues(&a, &u(next)), "{next}");
        }
        for next in [
            "https://ex.test/features/keepers",
            "https://ex.test/features/other-story",
            "https://ex.test/features/keepers2",
            "https://ex.test/features/keepers/comments",
            "https://other.test/features/keepers?page=2",
            "http://ex.test/features/keepers?page=2",
        ] {
            assert!(!continues(&a, &u(next)), "{next}");
        }
        // The article's own query is kept: `?p=123` to `?p=124` is the next post.
        let wp = u("https://ex.test/?p=123");
        assert!(!continues(&wp, &u("https://ex.test/?p=124")));
        assert!(continues(&wp, &u("https://ex.test/?p=123&page=2")));
        // An extension is no part of the stem: `story.html` continues as `story-2.html`.
        let html = u("https://ex.test/a/story.html");
        assert!(continues(&html, &u("https://ex.test/a/story-2.html")));
        // An article at the root continues only by its query.
        let root = u("https://ex.test/?p=123");
        assert!(!continues(&root, &u("https://ex.test/2024/10/next-story")));
    }

    fn named(names: &[&str]) -> Links {
        Links {
            names: names.iter().map(|n| n.to_string()).collect(),
            ..Links::default()
        }
    }

    #[test]
    fn a_later_page_joins_only_with_evidence_that_it_is_the_same_article() {
        let page = |head: &str, body: &str| {
            format!(
                "<html><head>{head}</head><body><article>{body}<p>Text.</p></article></body></html>"
            )
        };
        let a = u("https://ex.test/news/budget");
        let first = links(
            &page(
                "<title>Council budget approved - Daily Ledger</title>\
                 <meta property=\"og:title\" content=\"Council budget approved\">",
                "<h1>Council budget approved</h1>",
            ),
            &a,
        );
        assert_eq!(
            first.names,
            [
                "Council budget approved",
                "Council budget approved - Daily Ledger",
                "Council budget approved"
            ]
        );
        assert!(!first.page_of);
        let two = u("https://ex.test/news/budget-2");
        // WordPress's next post of another title, `rel=prev` back included: not joined.
        let other = links(
            &page(
                "<title>Budget row over library cuts - Daily Ledger</title>\
                 <link rel=\"prev\" href=\"/news/budget\">",
                "<h1>Budget row over library cuts</h1>",
            ),
            &two,
        );
        assert_eq!(other.prev, Some(a.clone()));
        assert!(!same_article(&first, &a, &other, &two, &a));
        // The same headline, or the title with a page number added: joined.
        let same = links(
            &page(
                "<title>Council budget approved - Page 2 - Daily Ledger</title>",
                "<h1>Council budget approved</h1>",
            ),
            &two,
        );
        assert!(same_article(&first, &a, &same, &two, &a));
        let titled = named(&["Council budget approved (page 2) | Daily Ledger"]);
        assert!(same_article(&first, &a, &titled, &two, &a));
        // Numbered outright: joined whatever it is called.
        let chapter = named(&["Chapter two: the vote"]);
        for n in [
            "https://ex.test/news/budget?page=2",
            "https://ex.test/news/budget/2/",
            "https://ex.test/news/budget/page/2",
        ] {
            assert!(same_article(&first, &a, &chapter, &u(n), &a), "{n}");
        }
        assert!(!same_article(&first, &a, &chapter, &two, &a));
        let marked = links(
            &page("", "<h1>Chapter two</h1><nav>Page 2 of 3</nav>"),
            &two,
        );
        assert!(marked.page_of);
        assert!(same_article(&first, &a, &marked, &two, &a));
        // No name to compare: `rel=prev` back to the page before is enough, and needed.
        let nameless = links(&page("<link rel=\"prev\" href=\"/news/budget\">", ""), &two);
        assert!(nameless.names.is_empty());
        assert!(same_article(&first, &a, &nameless, &two, &a));
        assert!(!same_article(&first, &a, &Links::default(), &two, &a));
        // `?p=` is a post id, not a page number.
        let wp = u("https://ex.test/?p=123");
        assert!(!numbered_page(&wp, &u("https://ex.test/?p=123&p2=4")));
        assert!(numbered_page(&wp, &u("https://ex.test/?p=123&page=2")));
        assert!(!numbered_page(
            &a,
            &u("https://ex.test/news/budget?page=two")
        ));
    }

    #[test]
    fn links_and_the_quick_test() {
        let page = r#"<html><head><link rel="canonical" href="/a?page=2">
            <link rel="prev" href="/a"><link rel="next" href="/a?page=3"></head>
            <body><a rel="next" href="/elsewhere">x</a></body></html>"#;
        let l = links(page, &u("https://ex.test/a?page=2"));
        assert_eq!(l.next, Some(u("https://ex.test/a?page=3")));
        assert_eq!(l.canonical, Some(u("https://ex.test/a?page=2")));
        assert!(may_have_next(page.as_bytes()));
        assert!(may_have_next(b"<a REL='prev next' href=x>"));
        assert!(!may_have_next(
            b"<a rel=\"nofollow\" href=next.html>next</a>"
        ));
        let only_a = links(
            r#"<nav><a href="?page=2" rel="next">Next page</a></nav>"#,
            &u("https://ex.test/a"),
        );
        assert_eq!(only_a.next, Some(u("https://ex.test/a?page=2")));
    }
}
