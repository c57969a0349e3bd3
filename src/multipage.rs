//! Articles split over several pages: one version over all of them.
//!
//! A page names its next page with `<link rel="next">` (HTML §4.6.7.14) or an `<a
//! rel="next">` in its pagination. Readability reads one page only (mozilla/readability
//! #897: following the pages is the caller's job), so stet follows them here:
//!
//! - **Discovery**: the first `rel=next` link (`<link>` before `<a>`) of a page, when it
//!   continues the article's address ([`continues`]): same origin, and either the same
//!   path with the article's query kept (`?page=2`), or the article's path extended
//!   after a separator by a part holding a number (`/2/`, `/page/2`, `-2.html`). A link
//!   to another article (the next post of a blog) is never followed.
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
    Links {
        next: href_of("link[rel][href]", "next").or_else(|| href_of("a[rel][href]", "next")),
        canonical: href_of("link[rel][href]", "canonical"),
    }
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
    let mut links = parse(
        first.body.clone(),
        first.charset().map(str::to_string),
        first.final_url.clone(),
    )
    .await;
    if let Some(c) = &links.canonical {
        seen.insert(normalized(c));
    }
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
