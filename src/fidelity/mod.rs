//! Support of the `stet-fidelity` binary: does change detection invent no edit and miss
//! none, on real pages with dynamic furniture?
//!
//! The pages of the Zyte benchmark are served on loopback with furniture of every kind
//! injected ([`generate`]) at three places of the article (before its first paragraph,
//! before the paragraph of the sentence that will be edited, after its last paragraph),
//! new values and new markup variants at every fetch. The real poll path (the library's
//! [`crate::poll::Poller`] and [`crate::store::Store`]) polls several rounds of noise
//! only, then one round in which one real sentence per page is edited.
//!
//! Pages are split by their file name (a sha256): names starting with `0`-`7` are the
//! tuning part, `8`-`f` the held-out part, which also gets the held-out markup variants.

pub mod generate;
pub mod leaks;

use std::io::Read;
use std::path::Path;

use fastrand::Rng;

use generate::{KINDS, Kind};

/// Which part of the corpus a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Pages the rules may be tuned on.
    Tuning,
    /// Pages scored independently, with markup variants not tuned on.
    HeldOut,
}

impl Part {
    /// The part of a page whose file name is `id` (a hex sha256).
    pub fn of(id: &str) -> Part {
        match id.chars().next() {
            Some('0'..='7') => Part::Tuning,
            _ => Part::HeldOut,
        }
    }

    /// A name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Tuning => "tuning",
            Part::HeldOut => "held-out",
        }
    }
}

/// A corpus page prepared for serving.
#[derive(Debug, Clone)]
pub struct Page {
    /// The file name without `.html.gz`.
    pub id: String,
    /// Tuning or held-out.
    pub part: Part,
    /// The page's HTML.
    pub html: String,
    /// Byte offsets where furniture goes: before the first paragraph, before the edited
    /// paragraph, after the last paragraph.
    pub points: [usize; 3],
    /// The sentence that the edit round changes, and its edited form (None: no sentence
    /// of the extracted text was found verbatim once in the page).
    pub edit: Option<(String, String)>,
}

/// Reads the `html/*.html.gz` pages of a Zyte-layout folder and prepares them: the
/// extracted text locates the article's paragraphs and the sentence to edit.
///
/// # Errors
/// When the folder or a page cannot be read.
pub fn load_pages(dir: &Path, limit: usize) -> anyhow::Result<Vec<Page>> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("html"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    files.sort();
    let mut pages = Vec::new();
    for path in files.into_iter().take(limit) {
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path)?).read_to_end(&mut bytes)?;
        let html = String::from_utf8_lossy(&bytes).into_owned();
        let id = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .trim_end_matches(".html.gz")
            .to_string();
        pages.push(prepare(id, html));
    }
    Ok(pages)
}

/// Tags that open a block: furniture goes before one, never inside a paragraph or link.
const BLOCK_OPEN: [&str; 10] = [
    "<p>",
    "<p ",
    "<div",
    "<section",
    "<article",
    "<li",
    "<h2",
    "<h3",
    "<blockquote",
    "<figure",
];

/// Tags that close a block: furniture goes after one.
const BLOCK_CLOSE: [&str; 6] = [
    "</p>",
    "</div>",
    "</li>",
    "</section>",
    "</blockquote>",
    "</figure>",
];

/// The start of the last block opened before `at` (the block holding the text at `at`).
fn block_start(html: &str, at: usize) -> usize {
    let before = &html[..at];
    BLOCK_OPEN
        .iter()
        .filter_map(|t| before.rfind(t))
        .max()
        .unwrap_or(at)
}

/// The end of the first block closed after `at`.
fn block_end(html: &str, at: usize) -> usize {
    let after = &html[at..];
    BLOCK_CLOSE
        .iter()
        .filter_map(|t| after.find(t).map(|p| at + p + t.len()))
        .min()
        .unwrap_or(html.len())
}

/// Whether byte `at` of `html` is inside a `<script>` element (JSON data repeats the
/// article's sentences; an edit there would not be an edit of the page's text).
fn in_script(html: &str, at: usize) -> bool {
    let before = &html[..at];
    match (before.rfind("<script"), before.rfind("</script")) {
        (Some(open), Some(close)) => open > close,
        (Some(_), None) => true,
        _ => false,
    }
}

fn prepare(id: String, html: String) -> Page {
    let part = Part::of(&id);
    let url = "http://127.0.0.2/a/page";
    let text = crate::extract::extract(&html, url)
        .map(|x| x.text)
        .unwrap_or_default();
    // Sentences of the extracted text found verbatim in the page's body (the headline
    // is also in the `<title>`).
    let body = html.find("<body").unwrap_or(0);
    let found: Vec<(usize, &str)> = text
        .lines()
        .filter(|l| l.split_whitespace().count() >= 6 && !l.contains('&'))
        .filter_map(|l| html[body..].find(l).map(|at| (body + at, l)))
        .collect();
    let (first, last) = match (
        found.iter().map(|f| f.0).min(),
        found.iter().max_by_key(|f| f.0),
    ) {
        (Some(a), Some((b, l))) => (block_start(&html, a), block_end(&html, b + l.len())),
        _ => (html.len(), html.len()),
    };
    // The sentence to edit: of those found exactly once, with 10 to 60 words, the middle
    // one in page order.
    let mut editable: Vec<(usize, &str)> = found
        .iter()
        .copied()
        .filter(|(_, l)| {
            let w = l.split_whitespace().count();
            (10..=60).contains(&w)
                && html.matches(l).count() == 1
                && !in_script(&html, html.find(l).unwrap_or(0))
                && html.find(l).is_some_and(|at| at >= body)
                && !crate::extract::furniture::is_furniture(l)
        })
        .collect();
    editable.sort();
    let edit = editable.get(editable.len() / 2).and_then(|(at, l)| {
        let words: Vec<&str> = l.split(' ').collect();
        let i = (words.len() / 2..words.len())
            .chain(0..words.len() / 2)
            .find(|&i| {
                words[i].chars().count() >= 4 && words[i].chars().all(char::is_alphabetic)
            })?;
        let mut edited = words.clone();
        edited[i] = "altered";
        Some((*at, l.to_string(), edited.join(" ")))
    });
    let mid = edit
        .as_ref()
        .map_or(first, |(at, _, _)| block_start(&html, *at));
    let mut points = [first, mid, last.max(mid)];
    points.sort();
    Page {
        id,
        part,
        html,
        points,
        edit: edit.map(|(_, a, b)| (a, b)),
    }
}

/// The page as served at its `fetch`-th fetch (`edited`: with its sentence edited):
/// every kind of furniture at one of the three points, each in a markup variant drawn
/// for the page (held-out variants only on held-out pages) with values drawn for this
/// fetch, and image URLs with a fresh cache-busting query. `fetch` counts the page's fetches, so that two fetches never serve the same
/// bytes.
pub fn render(page: &Page, fetch: u64, edited: bool, host: &str) -> String {
    let id_hash = crate::store::blob::sha256(page.id.as_bytes());
    let stable = u64::from_le_bytes(id_hash[..8].try_into().expect("8 bytes"));
    let mut rng = Rng::with_seed(fetch.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ stable);
    // The page's layout (which variant of each kind, where) is the page's own; the values
    // change at every fetch.
    let mut layout = Rng::with_seed(stable);
    let mut at_point: [String; 3] = Default::default();
    for kind in KINDS {
        let (tuning, all) = generate::variants(kind);
        let n = if page.part == Part::Tuning {
            tuning
        } else {
            all
        };
        let v = layout.usize(..n);
        let point = if kind == Kind::Footer {
            2
        } else {
            layout.usize(..3)
        };
        at_point[point].push_str(&generate::furniture(kind, v, &mut rng, stable, host));
    }
    let html = &page.html;
    let mut out = String::with_capacity(html.len() + 4096);
    let mut from = 0;
    for (p, furniture) in page.points.iter().zip(&at_point) {
        out.push_str(&html[from..*p]);
        out.push_str(furniture);
        from = *p;
    }
    out.push_str(&html[from..]);
    let cb = format!(".jpg?cb={}\"", rng.u64(..));
    let mut out = out.replace(".jpg\"", &cb);
    if edited && let Some((old, new)) = &page.edit {
        out = out.replacen(old.as_str(), new, 1);
    }
    out
}

/// Changed lines of a diff that are not the edited sentence (its old or new form).
pub fn lines_outside(hunks: &[crate::diff::Hunk], edit: Option<&(String, String)>) -> Vec<String> {
    hunks
        .iter()
        .flat_map(|h| &h.lines)
        .filter(|l| l.op != "equal")
        .filter(|l| {
            edit.is_none_or(|(old, new)| {
                // The line of the edited sentence (which may hold more, or less, than the
                // sentence where the segmenter cut elsewhere).
                let t = crate::text::collapse_ws(&l.text);
                let edited = old.contains(&t)
                    || new.contains(&t)
                    || t.contains(old.as_str())
                    || t.contains(new.as_str());
                !edited || t.is_empty()
            })
        })
        .map(|l| format!("{}{}", if l.op == "insert" { "+" } else { "-" }, l.text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_split_by_their_name() {
        assert_eq!(Part::of("042bb7"), Part::Tuning);
        assert_eq!(Part::of("7f"), Part::Tuning);
        assert_eq!(Part::of("8a"), Part::HeldOut);
        assert_eq!(Part::of("ff"), Part::HeldOut);
    }

    #[test]
    fn every_fetch_serves_new_furniture_and_the_edit_only_when_asked() {
        let body = "<p>The council met on Monday to discuss the depot, and it voted, after a long \
            debate, to close it by the end of the year.</p><p>Residents had asked for the change \
            for a decade, citing noise, traffic and fumes, and they welcomed the vote.</p>";
        let more = "<p>The operator said it would move its buses to a new site on the ring road, \
            outside the town, where a larger garage is being built.</p><p>Work on the new garage \
            began in the spring, and the first buses are expected to move there in the autumn.</p>";
        let page = prepare(
            "8abc".into(),
            format!("<html><body><article>{body}{more}</article></body></html>"),
        );
        let (old, new) = page.edit.clone().expect("an editable sentence");
        assert!(new.contains("altered"), "{new}");
        let a = render(&page, 1, false, "http://h");
        let b = render(&page, 2, false, "http://h");
        assert_ne!(a, b);
        assert!(a.contains(&old));
        let e = render(&page, 3, true, "http://h");
        assert!(e.contains(&new) && !e.contains(&old), "{e}");
    }
}

#[cfg(test)]
mod variant_tests {
    use super::generate::{KINDS, furniture, variants};

    /// Every markup variant of every kind, alone in an article: the extracted text holds
    /// none of it.
    #[test]
    fn no_variant_of_any_kind_reaches_the_text() {
        let body = "<p>The council met on Monday to discuss the future of the bus depot, and it \
            voted, after a long and heated debate, to close it by the end of the year.</p>\
            <p>Residents had asked for the change for more than a decade, citing noise, traffic \
            and fumes, and they welcomed the vote with applause from the public gallery.</p>\
            <p>The operator said it would move its buses to a new site on the ring road, outside \
            the town, where a larger garage is being built for the electric fleet.</p>\
            <p>Work on the new garage began in the spring, and the first buses are expected to \
            move there in the autumn, once the charging points have been installed.</p>\
            <p>The council said the old depot would be sold for housing, and that the money would \
            pay for new bus shelters and a cycle lane along the high street.</p>\
            <p>Some drivers said the new site was too far from the town centre, and the union \
            asked for a shuttle bus for staff who start the early shift.</p>\
            <p>The operator promised that no jobs would be lost in the move, and said that it \
            would hire twenty more drivers next year as the electric fleet grows.</p>\
            <p>A public meeting on the plans for the old site will be held at the town hall next \
            month, and residents can send their views to the council until the end of March.</p>";
        let mut failures = Vec::new();
        for kind in KINDS {
            for v in 0..variants(kind).1 {
                for seed in 0..3 {
                    let mut rng = fastrand::Rng::with_seed(seed);
                    let f = furniture(kind, v, &mut rng, seed * 7919, "http://h");
                    let page = format!(
                        "<html><body><article><h1>Depot to close</h1>{f}{body}{f}</article></body></html>"
                    );
                    let text = crate::extract::extract(&page, "http://h/a").unwrap().text;
                    let expected = crate::extract::extract(
                        &format!("<html><body><article><h1>Depot to close</h1>{body}</article></body></html>"),
                        "http://h/a",
                    )
                    .unwrap()
                    .text;
                    if crate::noise::furniture_free(&text)
                        != crate::noise::furniture_free(&expected)
                    {
                        failures.push(format!("{} {v}: {f}\n{text}", kind.as_str()));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }
}
