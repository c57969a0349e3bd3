//! URL keys: the form of a URL that names an article, and the tests that decide whether
//! a final or canonical URL may name one.

use url::Url;

use super::tracking::is_tracking_param;

/// The key of a URL: the form under which stet knows an article by it.
///
/// `host[:port]/path[?query]` with the host lowercased and without a leading `www.`, the
/// scheme dropped (the `http` and `https` forms of a page are the same page), the
/// default port dropped, the fragment dropped and the tracking parameters
/// ([`super::tracking`]) removed from the query; the other parameters keep their order
/// and their encoding. A string that is not an absolute `http(s)` URL is its own key
/// (trimmed).
///
/// `https://www.Example.com/a/?utm_source=x&id=3#top` → `example.com/a/?id=3`.
pub fn key(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => key_of(&u),
        _ => url.trim().to_string(),
    }
}

/// [`key`] of a parsed URL.
pub fn key_of(u: &Url) -> String {
    if !matches!(u.scheme(), "http" | "https") {
        let mut u = u.clone();
        u.set_fragment(None);
        return u.to_string();
    }
    let mut out = site_host(u).to_string();
    if let Some(port) = u.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(u.path());
    if let Some(q) = clean_query(u) {
        out.push('?');
        out.push_str(&q);
    }
    out
}

/// The URL without its tracking parameters and fragment: what is fetched and shown for
/// an address reached through a tracking redirect.
pub fn without_tracking(u: &Url) -> Url {
    let mut out = u.clone();
    out.set_fragment(None);
    let q = clean_query(u);
    out.set_query(q.as_deref());
    out
}

/// The query without tracking parameters, None when nothing is left.
fn clean_query(u: &Url) -> Option<String> {
    let q = u.query()?;
    let kept: Vec<&str> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            let name = percent_decode(name);
            !is_tracking_param(&name)
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(s.as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

/// The host without a leading `www.`, lowercased (as the URL parser gives it).
fn site_host(u: &Url) -> &str {
    let h = u.host_str().unwrap_or("");
    h.strip_prefix("www.").unwrap_or(h)
}

/// Whether two URLs are on the same site: the same host once a leading `www.` is set
/// aside, or one host a subdomain of the other (`m.example.com` and `example.com`, the
/// parent having at least two labels), and the same explicit port. IP addresses must be
/// equal. No public-suffix list is consulted: `a.co.uk` and `b.co.uk` are different
/// sites because neither is a subdomain of the other.
pub fn same_site(a: &Url, b: &Url) -> bool {
    if !matches!(a.scheme(), "http" | "https") || !matches!(b.scheme(), "http" | "https") {
        return false;
    }
    if a.port() != b.port() {
        return false;
    }
    if matches!(a.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
        || matches!(b.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
    {
        return a.host() == b.host();
    }
    let (x, y) = (site_host(a), site_host(b));
    if x.is_empty() || y.is_empty() {
        return false;
    }
    let sub = |child: &str, parent: &str| {
        parent.contains('.')
            && child.ends_with(parent)
            && child[..child.len() - parent.len()].ends_with('.')
    };
    x == y || sub(x, y) || sub(y, x)
}

/// The path's non-empty segments.
fn segments(u: &Url) -> Vec<&str> {
    u.path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).collect())
        .unwrap_or_default()
}

/// Whether a path segment names a language or locale (`en`, `fr-fr`, `pt_BR`,
/// `zh-hans`): the root of a site's edition.
fn is_language(seg: &str) -> bool {
    let mut parts = seg.split(['-', '_']);
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let alpha = |s: &str, min, max| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    alpha(first, 2, 3) && rest.len() <= 1 && rest.iter().all(|r| alpha(r, 2, 4))
}

/// Whether a URL is a site's front page: its path is the root, an index document
/// (`/index.html`, `/default.aspx`, `/home`) or an edition's root (`/en/`), and its query
/// holds nothing but tracking parameters. `/?p=123` is not a front page (the query
/// selects a story).
pub fn is_front_page(u: &Url) -> bool {
    if clean_query(u).is_some() {
        return false;
    }
    let mut segs = segments(u);
    if segs.last().is_some_and(|last| {
        let stem = last.split('.').next().unwrap_or("").to_ascii_lowercase();
        matches!(stem.as_str(), "index" | "default" | "home")
    }) {
        segs.pop();
    }
    match segs.as_slice() {
        [] => true,
        [one] => is_language(one),
        _ => false,
    }
}

/// Whether `section` is above `page` on the same site: its path is a proper prefix of
/// the page's, segment by segment, and it has no query of its own (`/news/` above
/// `/news/2024/story`). Such a URL is a section front, not the story. An AMP page's
/// parent (`/story/amp` → `/story`) is not counted: that is the story.
pub fn is_above(section: &Url, page: &Url) -> bool {
    if !same_site(section, page) || clean_query(section).is_some() {
        return false;
    }
    let (s, p) = (segments(section), segments(page));
    if s.len() >= p.len() || p[..s.len()] != s[..] {
        return false;
    }
    !(p.len() == s.len() + 1 && p[s.len()].eq_ignore_ascii_case("amp"))
}

/// The canonical URL a page declares, when it may name the page's article: an `http(s)`
/// URL on the same site as the page ([`same_site`]), neither a front page
/// ([`is_front_page`]) nor a section above the page ([`is_above`]). `page` is the URL
/// the page was served from (after redirects).
pub fn usable_canonical(page: &Url, canonical: &str) -> Option<Url> {
    let c = page.join(canonical.trim()).ok()?;
    (matches!(c.scheme(), "http" | "https")
        && same_site(page, &c)
        && !is_front_page(&c)
        && !is_above(&c, page))
    .then_some(c)
}

/// Whether the URL a fetch ended at (after redirects) may name the article: not a front
/// page, and not a section above the requested URL (a story that redirects to its
/// section or to the home page is gone, and every gone story would look alike).
pub fn usable_final(requested: &Url, final_url: &Url) -> bool {
    !is_front_page(final_url) && !is_above(final_url, requested)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn keys_drop_tracking_fragment_scheme_and_www() {
        assert_eq!(
            key("https://www.Example.com/a/?utm_source=x&id=3#top"),
            "example.com/a/?id=3"
        );
        assert_eq!(
            key("http://example.com/a/?utm_source=feed&fbclid=IwAR0&gclid=1&mc_cid=2&mc_eid=3"),
            "example.com/a/"
        );
        assert_eq!(
            key("http://127.0.0.1:8080/s?id=1&utm_medium=rss"),
            "127.0.0.1:8080/s?id=1"
        );
        assert_eq!(key("https://example.com:443/a"), "example.com/a");
        assert_eq!(key("https://example.com"), "example.com/");
        // Other parameters keep their order and encoding.
        assert_eq!(
            key("https://e.com/a?b=%20x&a=1&utm_term=z"),
            "e.com/a?b=%20x&a=1"
        );
        // Encoded tracking names are tracking names.
        assert_eq!(key("https://e.com/a?utm%5Fsource=x"), "e.com/a");
        assert_eq!(key(" not a url "), "not a url");
    }

    #[test]
    fn without_tracking_keeps_the_scheme_and_other_parameters() {
        assert_eq!(
            without_tracking(&u("https://e.com/a?utm_source=x&p=2&fbclid=y#c")).as_str(),
            "https://e.com/a?p=2"
        );
        assert_eq!(
            without_tracking(&u("https://e.com/a?utm_source=x")).as_str(),
            "https://e.com/a"
        );
    }

    #[test]
    fn same_site_allows_www_and_subdomains_only() {
        assert!(same_site(&u("https://www.e.com/a"), &u("http://e.com/b")));
        assert!(same_site(
            &u("https://m.e.com/a"),
            &u("https://www.e.com/b")
        ));
        assert!(!same_site(&u("https://e.com/a"), &u("https://other.com/a")));
        assert!(!same_site(&u("https://a.co.uk/a"), &u("https://b.co.uk/a")));
        assert!(!same_site(&u("https://e.com/a"), &u("https://notE.com/a")));
        assert!(same_site(
            &u("http://127.0.0.1:5/a"),
            &u("http://127.0.0.1:5/b")
        ));
        assert!(!same_site(
            &u("http://127.0.0.1:5/a"),
            &u("http://127.0.0.1:6/a")
        ));
        assert!(!same_site(
            &u("http://127.0.0.1/a"),
            &u("http://127.0.0.2/a")
        ));
    }

    #[test]
    fn front_pages() {
        for f in [
            "https://e.com",
            "https://e.com/",
            "https://e.com/index.html",
            "https://e.com/default.aspx",
            "https://e.com/en/",
            "https://e.com/fr-fr",
            "https://e.com/pt_BR/index.php",
            "https://e.com/?utm_source=x",
        ] {
            assert!(is_front_page(&u(f)), "{f}");
        }
        for s in [
            "https://e.com/?p=123",
            "https://e.com/story",
            "https://e.com/news/story",
            "https://e.com/english",
        ] {
            assert!(!is_front_page(&u(s)), "{s}");
        }
    }

    #[test]
    fn sections_above_a_page() {
        let page = u("https://e.com/news/2024/story");
        assert!(is_above(&u("https://e.com/news/"), &page));
        assert!(is_above(&u("https://www.e.com/news/2024"), &page));
        assert!(!is_above(&u("https://e.com/news/2024/story"), &page));
        assert!(!is_above(&u("https://e.com/sport/"), &page));
        assert!(!is_above(&u("https://e.com/news/?id=4"), &page));
        assert!(!is_above(
            &u("https://e.com/story"),
            &u("https://e.com/story/amp")
        ));
    }

    #[test]
    fn usable_canonicals() {
        let page = u("https://e.com/news/2024/story?utm_source=x");
        assert_eq!(
            usable_canonical(&page, "/news/2024/story").map(String::from),
            Some("https://e.com/news/2024/story".into())
        );
        assert!(usable_canonical(&page, "https://www.e.com/s/123").is_some());
        assert!(usable_canonical(&page, "https://e.com/").is_none());
        assert!(usable_canonical(&page, "/news/").is_none());
        assert!(usable_canonical(&page, "https://other.com/news/2024/story").is_none());
        assert!(usable_canonical(&page, "mailto:a@e.com").is_none());
    }

    #[test]
    fn usable_finals() {
        let link = u("https://e.com/news/2024/story");
        assert!(usable_final(
            &link,
            &u("https://e.com/news/2024/story?utm_source=x")
        ));
        assert!(usable_final(&u("https://t.co/r/1"), &u("https://e.com/a")));
        assert!(!usable_final(&link, &u("https://e.com/")));
        assert!(!usable_final(&link, &u("https://e.com/news/")));
    }
}
