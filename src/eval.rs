//! Extraction-quality evaluation: the scorer and the corpus runners behind `stet-eval`.
//!
//! Two corpus layouts are understood:
//!
//! - **Zyte** (article-extraction-benchmark): `html/<id>.html.gz` pages and a
//!   `ground-truth.json` mapping each id to its `articleBody` and `url`. Scored exactly as
//!   upstream's `evaluate.py`: tokens are maximal runs of `[\p{L}\p{N}_]+`, shingles are
//!   the multiset of 4-token windows, per-page precision and recall are averaged over the
//!   pages (an empty prediction only costs recall), F1 is taken of the two means, and
//!   accuracy is the share of pages whose token lists are identical.
//! - **Mozilla** (Readability.js test pages): one folder per case with `source.html`,
//!   `expected.html` and `expected-metadata.json`. Each page is extracted with the URL
//!   `http://fakehost/test/page.html`; metadata fields are compared exactly (after
//!   whitespace collapse), the body text is scored with the same shingle F1 as Zyte, and
//!   the text nodes of our HTML are compared one by one with those of `expected.html`.
//!
//! The text scored for a Zyte page is [`scoring_text`]: the plain text stet stores
//! ([`Extracted::text`]) with its first paragraph dropped when that paragraph is the
//! headline, because the benchmark's `articleBody` never holds the headline.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Instant;

use regex::Regex;
use serde::Serialize;

use crate::extract::clean::Rules;
use crate::extract::{self, Extracted};
use crate::text::collapse_ws;

/// Shingle length used by the Zyte benchmark.
pub const SHINGLE: usize = 4;

/// URL passed to the extractor for Mozilla test pages (as Mozilla's own harness does).
pub const MOZILLA_URL: &str = "http://fakehost/test/page.html";

static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\p{L}\p{N}_]+").expect("regex"));

/// The benchmark's tokens: every maximal run of letters, digits (Unicode L* and N*) and `_`.
pub fn tokenize(s: &str) -> Vec<&str> {
    TOKEN.find_iter(s).map(|m| m.as_str()).collect()
}

/// The multiset of `n`-token windows; a text of 1 to n-1 tokens gives one shorter shingle
/// holding all its tokens, an empty text none.
pub fn shingles<'a>(tokens: &[&'a str], n: usize) -> HashMap<Vec<&'a str>, usize> {
    let mut out = HashMap::new();
    if tokens.is_empty() {
        return out;
    }
    if tokens.len() < n {
        out.insert(tokens.to_vec(), 1);
        return out;
    }
    for w in tokens.windows(n) {
        *out.entry(w.to_vec()).or_insert(0) += 1;
    }
    out
}

/// True positives, false positives and false negatives of `pred` against `truth`, counted
/// over `n`-token shingles.
pub fn tp_fp_fn(truth: &str, pred: &str, n: usize) -> (f64, f64, f64) {
    let t = shingles(&tokenize(truth), n);
    let p = shingles(&tokenize(pred), n);
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for (k, &ct) in &t {
        let cp = p.get(k).copied().unwrap_or(0);
        tp += ct.min(cp);
        fneg += ct.saturating_sub(cp);
    }
    for (k, &cp) in &p {
        let ct = t.get(k).copied().unwrap_or(0);
        fp += cp.saturating_sub(ct);
    }
    (tp as f64, fp as f64, fneg as f64)
}

/// Per-page precision: `None` when the prediction is empty (tp + fp = 0 and fn > 0),
/// so that the page is left out of the corpus precision.
pub fn precision(tp: f64, fp: f64, fneg: f64) -> Option<f64> {
    if fp == 0.0 && fneg == 0.0 {
        Some(1.0)
    } else if tp + fp == 0.0 {
        None
    } else {
        Some(tp / (tp + fp))
    }
}

/// Per-page recall: `None` when the truth is empty (tp + fn = 0 and fp > 0).
pub fn recall(tp: f64, fp: f64, fneg: f64) -> Option<f64> {
    if fp == 0.0 && fneg == 0.0 {
        Some(1.0)
    } else if tp + fneg == 0.0 {
        None
    } else {
        Some(tp / (tp + fneg))
    }
}

/// Harmonic mean, 0 when both are 0.
pub fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// The score of one page.
#[derive(Debug, Clone, Serialize)]
pub struct PageScore {
    /// Page id (Zyte hash or Mozilla folder name).
    pub id: String,
    /// The page URL, when known.
    pub url: Option<String>,
    /// Shingle precision (None: empty prediction).
    pub precision: Option<f64>,
    /// Shingle recall (None: empty truth).
    pub recall: Option<f64>,
    /// F1 of this page's precision and recall (empty counts as 0).
    pub f1: f64,
    /// Token lists identical.
    pub exact: bool,
    /// Extraction time in milliseconds.
    pub ms: f64,
    /// Extraction error, if any.
    pub error: Option<String>,
}

/// Scores one page's prediction against its truth.
pub fn score_page(id: &str, url: Option<&str>, truth: &str, pred: &str, ms: f64) -> PageScore {
    let (tp, fp, fneg) = tp_fp_fn(truth, pred, SHINGLE);
    let p = precision(tp, fp, fneg);
    let r = recall(tp, fp, fneg);
    PageScore {
        id: id.to_string(),
        url: url.map(str::to_string),
        precision: p,
        recall: r,
        f1: f1(p.unwrap_or(0.0), r.unwrap_or(0.0)),
        exact: tokenize(truth) == tokenize(pred),
        ms,
        error: None,
    }
}

/// Corpus-level figures over a set of page scores.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Number of pages.
    pub pages: usize,
    /// F1 of mean precision and mean recall.
    pub f1: f64,
    /// Mean per-page precision over pages with a non-empty prediction.
    pub precision: f64,
    /// Mean per-page recall over pages with a non-empty truth.
    pub recall: f64,
    /// Share of pages whose token lists are identical.
    pub accuracy: f64,
    /// Mean extraction time per page, milliseconds.
    pub mean_ms: f64,
    /// Pages per second (single thread).
    pub pages_per_s: f64,
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { s / n as f64 }
}

/// Summarizes page scores the benchmark's way.
pub fn summarize(pages: &[PageScore]) -> Summary {
    let precision = mean(pages.iter().filter_map(|p| p.precision));
    let recall = mean(pages.iter().filter_map(|p| p.recall));
    let mean_ms = mean(pages.iter().map(|p| p.ms));
    Summary {
        pages: pages.len(),
        f1: f1(precision, recall),
        precision,
        recall,
        accuracy: mean(pages.iter().map(|p| if p.exact { 1.0 } else { 0.0 })),
        mean_ms,
        pages_per_s: if mean_ms > 0.0 { 1000.0 / mean_ms } else { 0.0 },
    }
}

/// The text scored against a Zyte `articleBody`: the stored plain text without its first
/// paragraph when that paragraph is the headline (the benchmark's bodies never hold it).
pub fn scoring_text(x: &Extracted) -> String {
    let text = x.text.as_str();
    if let Some(title) = x.title.as_deref() {
        let (first, rest) = text.split_once("\n\n").unwrap_or((text, ""));
        if tokenize(first) == tokenize(title) {
            return rest.to_string();
        }
    }
    text.to_string()
}

/// Result of a Zyte-layout run.
#[derive(Debug, Clone, Serialize)]
pub struct ZyteReport {
    /// Corpus figures.
    pub summary: Summary,
    /// Every page, in id order.
    pub pages: Vec<PageScore>,
}

/// One Zyte page, read into memory.
struct ZytePage {
    id: String,
    url: String,
    truth: String,
    html: String,
}

fn read_gz(path: &Path) -> anyhow::Result<String> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(f).read_to_string(&mut s)?;
    Ok(s)
}

/// Whether `dir` looks like a Zyte benchmark folder.
pub fn is_zyte(dir: &Path) -> bool {
    dir.join("ground-truth.json").is_file() && dir.join("html").is_dir()
}

/// Runs the extractor over a Zyte-layout folder. All files are read first; only the
/// extraction is timed, on the calling thread. With `passes` > 1 the corpus is extracted
/// that many times and the times of the fastest pass are kept (less noise from other
/// processes on the machine).
///
/// # Errors
/// When the folder or a file cannot be read.
pub fn run_zyte(
    dir: &Path,
    only: Option<&str>,
    rules: &Rules,
    passes: usize,
) -> anyhow::Result<ZyteReport> {
    #[derive(serde::Deserialize)]
    struct Truth {
        #[serde(rename = "articleBody")]
        article_body: Option<String>,
        url: String,
    }
    let gt: HashMap<String, Truth> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json"))?)?;
    let mut ids: Vec<&String> = gt.keys().collect();
    ids.sort();
    let mut inputs = Vec::new();
    for id in ids {
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let path = dir.join("html").join(format!("{id}.html.gz"));
        if !path.is_file() {
            continue;
        }
        let t = &gt[id];
        inputs.push(ZytePage {
            id: id.clone(),
            url: t.url.clone(),
            truth: t.article_body.clone().unwrap_or_default(),
            html: read_gz(&path)?,
        });
    }
    let mut pages = Vec::with_capacity(inputs.len());
    for page in &inputs {
        let start = Instant::now();
        let out = extract::extract_with_rules(&page.html, &page.url, &[], rules);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let (pred, error) = match &out {
            Ok(x) => (scoring_text(x), None),
            Err(e) => (String::new(), Some(e.to_string())),
        };
        let mut s = score_page(&page.id, Some(&page.url), &page.truth, &pred, ms);
        s.error = error;
        pages.push(s);
    }
    // Timing only: further passes over the corpus; the pass with the lowest total time
    // is reported (scores do not change between passes).
    let mut best: f64 = pages.iter().map(|p| p.ms).sum();
    for _ in 1..passes.max(1) {
        let times: Vec<f64> = inputs
            .iter()
            .map(|page| {
                let start = Instant::now();
                let _ = extract::extract_with_rules(&page.html, &page.url, &[], rules);
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        let total: f64 = times.iter().sum();
        if total < best {
            best = total;
            for (p, t) in pages.iter_mut().zip(times) {
                p.ms = t;
            }
        }
    }
    Ok(ZyteReport {
        summary: summarize(&pages),
        pages,
    })
}

/// Extracts one Zyte page and returns (truth, scored prediction), for inspection.
///
/// # Errors
/// When the page is unknown or cannot be read.
pub fn zyte_page_texts(dir: &Path, id: &str, rules: &Rules) -> anyhow::Result<(String, String)> {
    let gt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json"))?)?;
    let t = gt.get(id).ok_or_else(|| anyhow::anyhow!("no page {id}"))?;
    let html = read_gz(&dir.join("html").join(format!("{id}.html.gz")))?;
    let url = t["url"].as_str().unwrap_or_default();
    let pred = extract::extract_with_rules(&html, url, &[], rules)
        .map(|x| scoring_text(&x))
        .unwrap_or_default();
    Ok((
        t["articleBody"].as_str().unwrap_or_default().to_string(),
        pred,
    ))
}

/// Metadata fields compared on Mozilla pages. `title` is the version's title (the visible
/// `<h1>` headline, else the metadata title); `metadataTitle` is the metadata title alone
/// (what Readability.js gives as `title`), both compared with the expected `title`.
pub const MOZILLA_FIELDS: [&str; 7] = [
    "title",
    "metadataTitle",
    "byline",
    "excerpt",
    "siteName",
    "lang",
    "publishedTime",
];

/// One Mozilla page's comparison.
#[derive(Debug, Clone, Serialize)]
pub struct MozillaPage {
    /// Folder name.
    pub id: String,
    /// Per field: `Some(true)` agree, `Some(false)` disagree, `None` not compared
    /// (lang and publishedTime are compared only when expected is non-null).
    pub fields: Vec<(String, Option<bool>)>,
    /// Mismatching fields as (field, expected, got).
    pub mismatches: Vec<(String, String, String)>,
    /// Shingle score of the body text against expected.html's text.
    pub text: PageScore,
    /// Text nodes of our HTML equal (whitespace collapsed) to expected.html's, in order.
    pub nodes_match: bool,
}

/// Result of a Mozilla-layout run.
#[derive(Debug, Clone, Serialize)]
pub struct MozillaReport {
    /// Number of pages.
    pub pages: usize,
    /// Per field: (field, agreeing pages, compared pages).
    pub fields: Vec<(String, usize, usize)>,
    /// Text F1 summary (means over pages, as for Zyte).
    pub text: Summary,
    /// Pages whose body text F1 is at least [`TEXT_AGREEMENT_F1`].
    pub text_agree: usize,
    /// Pages whose text nodes all match expected.html.
    pub nodes_match: usize,
    /// Every page, in folder order.
    pub details: Vec<MozillaPage>,
}

/// A Mozilla page's body text "agrees" when its shingle F1 against expected.html is at
/// least this.
pub const TEXT_AGREEMENT_F1: f64 = 0.9;

/// Text nodes of an HTML fragment, whitespace collapsed, whitespace-only ones skipped.
pub fn text_nodes(html: &str) -> Vec<String> {
    let doc = dom_query::Document::fragment(html);
    let mut out = Vec::new();
    for n in doc.root().descendants_it() {
        if n.is_text() {
            let t = collapse_ws(&n.text());
            if !t.is_empty() {
                out.push(t);
            }
        }
    }
    out
}

/// Whether `dir` looks like a Mozilla test-pages folder.
pub fn is_mozilla(dir: &Path) -> bool {
    list_mozilla(dir).map(|v| !v.is_empty()).unwrap_or(false)
}

fn list_mozilla(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("source.html").is_file() && p.join("expected-metadata.json").is_file())
        .collect();
    v.sort();
    Ok(v)
}

fn opt_str(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(collapse_ws).filter(|s| !s.is_empty())
}

/// Runs the extractor over a Mozilla-layout folder.
///
/// # Errors
/// When the folder or a file cannot be read.
pub fn run_mozilla(dir: &Path, only: Option<&str>, rules: &Rules) -> anyhow::Result<MozillaReport> {
    let mut details = Vec::new();
    for case in list_mozilla(dir)? {
        let id = case
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let source = std::fs::read_to_string(case.join("source.html"))?;
        let expected_html = std::fs::read_to_string(case.join("expected.html")).unwrap_or_default();
        let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
            case.join("expected-metadata.json"),
        )?)?;
        let start = Instant::now();
        let out = extract::extract_with_rules(&source, MOZILLA_URL, &[], rules);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let x = out.as_ref().ok();
        let got = |field: &str| -> Option<String> {
            let x = x?;
            match field {
                "title" => x.title.clone(),
                "metadataTitle" => x.metadata_title.clone(),
                "byline" => x.byline.clone(),
                "excerpt" => x.excerpt.clone(),
                "siteName" => x.site_name.clone(),
                "lang" => x.lang.clone(),
                "publishedTime" => x.published.map(|t| t.to_rfc3339()),
                _ => None,
            }
        };
        let mut fields = Vec::new();
        let mut mismatches = Vec::new();
        for f in MOZILLA_FIELDS {
            let exp = opt_str(&meta[if f == "metadataTitle" { "title" } else { f }]);
            let g = got(f);
            let compared = !(matches!(f, "lang" | "publishedTime") && exp.is_none());
            let agree = if !compared {
                None
            } else if f == "publishedTime" {
                let e = exp.as_deref().and_then(extract::parse_time);
                Some(e.is_some() && e == x.and_then(|x| x.published))
            } else {
                Some(exp == g)
            };
            if agree == Some(false) {
                mismatches.push((
                    f.to_string(),
                    exp.unwrap_or_else(|| "null".into()),
                    g.unwrap_or_else(|| "null".into()),
                ));
            }
            fields.push((f.to_string(), agree));
        }
        let expected_text = crate::text::html_to_text(&expected_html, None);
        let (pred_text, pred_html) = x
            .map(|x| (x.text.clone(), x.html.clone()))
            .unwrap_or_default();
        let mut text = score_page(&id, None, &expected_text, &pred_text, ms);
        text.error = out.as_ref().err().map(|e| e.to_string());
        let nodes_match = text_nodes(&expected_html) == text_nodes(&pred_html);
        details.push(MozillaPage {
            id,
            fields,
            mismatches,
            text,
            nodes_match,
        });
    }
    let fields = MOZILLA_FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let compared = details.iter().filter(|d| d.fields[i].1.is_some()).count();
            let agree = details
                .iter()
                .filter(|d| d.fields[i].1 == Some(true))
                .count();
            (f.to_string(), agree, compared)
        })
        .collect();
    let texts: Vec<PageScore> = details.iter().map(|d| d.text.clone()).collect();
    Ok(MozillaReport {
        pages: details.len(),
        fields,
        text: summarize(&texts),
        text_agree: texts.iter().filter(|t| t.f1 >= TEXT_AGREEMENT_F1).count(),
        nodes_match: details.iter().filter(|d| d.nodes_match).count(),
        details,
    })
}

/// The `n` worst pages by F1 (ties by id).
pub fn worst(pages: &[PageScore], n: usize) -> Vec<&PageScore> {
    let mut v: Vec<&PageScore> = pages.iter().collect();
    v.sort_by(|a, b| a.f1.total_cmp(&b.f1).then_with(|| a.id.cmp(&b.id)));
    v.truncate(n);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(t: (f64, f64, f64)) -> (f64, f64, f64) {
        let s = t.0 + t.1 + t.2;
        (t.0 / s, t.1 / s, t.2 / s)
    }

    #[test]
    fn scorer_matches_the_readme_check_values() {
        assert_eq!(norm(tp_fp_fn("a b c", "a b c", 3)), (1.0, 0.0, 0.0));
        assert_eq!(norm(tp_fp_fn("a b c d", "a b c", 3)), (0.5, 0.0, 0.5));
        assert_eq!(norm(tp_fp_fn("a b c", "a b c d", 3)), (0.5, 0.5, 0.0));
        assert_eq!(norm(tp_fp_fn("a", "", 3)), (0.0, 0.0, 1.0));
        assert_eq!(norm(tp_fp_fn("a b c a b c", "a b c", 3)), (0.25, 0.0, 0.75));
    }

    #[test]
    fn tokenizer_matches_the_readme() {
        assert_eq!(
            tokenize("a b,cd:e(foo,bar) "),
            ["a", "b", "cd", "e", "foo", "bar"]
        );
        // Python's \w: letters, numbers (including No like ½) and _, not combining marks.
        assert_eq!(tokenize("x½y_z"), ["x½y_z"]);
        assert_eq!(tokenize("e\u{301}t"), ["e", "t"]);
    }

    #[test]
    fn empty_prediction_costs_recall_only() {
        let pages = vec![
            score_page(
                "a",
                None,
                "one two three four five",
                "one two three four five",
                1.0,
            ),
            score_page("b", None, "one two three four five", "", 1.0),
        ];
        assert_eq!(pages[1].precision, None);
        assert_eq!(pages[1].recall, Some(0.0));
        let s = summarize(&pages);
        assert_eq!(s.precision, 1.0);
        assert_eq!(s.recall, 0.5);
        assert!((s.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.accuracy, 0.5);
    }

    #[test]
    fn special_cases_of_precision_and_recall() {
        assert_eq!(precision(0.0, 0.0, 0.0), Some(1.0));
        assert_eq!(recall(0.0, 0.0, 0.0), Some(1.0));
        assert_eq!(precision(0.0, 0.0, 3.0), None);
        assert_eq!(recall(0.0, 2.0, 0.0), None);
        assert_eq!(precision(0.0, 2.0, 1.0), Some(0.0));
    }
}
