//! stet-fidelity: change detection you can trust, measured on loopback.
//!
//! ```text
//! cargo run --release --bin stet-fidelity -- ../shared/corpus/zyte-benchmark
//! cargo run --release --bin stet-fidelity -- ../shared/corpus/zyte-benchmark --rounds 8 --verbose
//! ```
//!
//! Serves the Zyte benchmark's pages on 127.0.0.2 with dynamic furniture injected
//! ([`stet::fidelity`]), listed by an RSS feed; a second feed on 127.0.0.3 links every
//! page again through a tracking redirect (302 to the page with `utm_*` parameters). The
//! library's real poll path archives them, re-checks them for `--rounds` rounds of noise
//! only (in the second of them, one page in eight answers with a cookie-consent page on
//! 127.0.0.4 reached by a redirect or a meta refresh, or a login wall in place), then one round in which
//! one sentence per page is edited. It prints, for the tuning and the held-out pages:
//! false versions per 1,000 noise-only re-fetches, edits found, changed diff lines
//! outside the edited sentence, duplicate articles, and what became of the interstitials.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use stet::fidelity::{self, Page, Part};
use stet::loopback::{Reply, Request};

/// Measure false versions, missed edits and noisy diffs on pages with dynamic furniture.
#[derive(Parser, Debug)]
#[command(name = "stet-fidelity")]
struct Args {
    /// A Zyte-benchmark folder (ground-truth.json + html/).
    dir: PathBuf,
    /// Rounds of noise-only re-fetches before the edit round.
    #[arg(long, default_value_t = 4)]
    rounds: usize,
    /// Use at most this many pages.
    #[arg(long, default_value_t = 10_000)]
    pages: usize,
    /// Stop (and report what was measured) after this long.
    #[arg(long, default_value = "10m")]
    time_limit: humantime::Duration,
    /// Print each false version's changed lines and each diff line outside an edit.
    #[arg(long)]
    verbose: bool,
    /// Print page N (its index in the feed) as served at its first fetch and as extracted,
    /// with the sentence to edit, then exit.
    #[arg(long)]
    show: Option<usize>,
}

/// What the server serves, shared with its tasks.
struct Site {
    pages: Vec<Page>,
    ports: [u16; 3],
    /// Per page: fetches so far (new furniture at each).
    fetches: Vec<AtomicU64>,
    edited: AtomicBool,
    interstitials_on: AtomicBool,
    interstitials_served: AtomicU64,
}

impl Site {
    fn host(&self, h: usize) -> String {
        format!("http://127.0.0.{}:{}", h + 2, self.ports[h])
    }

    /// Whether page `i` answers with an interstitial in the interstitial round.
    fn interstitial(i: usize) -> bool {
        i % 8 == 3
    }

    fn feed(&self, host: usize) -> Vec<u8> {
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Fidelity {host}</title><link>{}/</link><description>stet-fidelity</description>\n",
            self.host(host)
        );
        for i in 0..self.pages.len() {
            let link = if host == 0 {
                format!("{}/a/{i}", self.host(0))
            } else {
                format!(
                    "{}/r/{i}?utm_source=feed2&amp;utm_medium=rss&amp;utm_campaign=c{i}",
                    self.host(1)
                )
            };
            s.push_str(&format!(
                "<item><title>Page {i}</title><link>{link}</link><guid>{link}</guid></item>\n"
            ));
        }
        s.push_str("</channel></rss>\n");
        s.into_bytes()
    }

    fn respond(&self, host: usize, req: &Request) -> Reply {
        const HTML: &str = "text/html; charset=utf-8";
        let path = req.path.split('?').next().unwrap_or("");
        let index = |prefix: &str| {
            path.strip_prefix(prefix)
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|i| *i < self.pages.len())
        };
        if path == "/feed.xml" && host < 2 {
            return Reply::new("200 OK", "application/rss+xml", self.feed(host));
        }
        if host == 1
            && let Some(i) = index("/r/")
        {
            return Reply::new("302 Found", HTML, "").header(
                "Location",
                format!(
                    "{}/a/{i}?utm_source=feed2&utm_medium=rss&utm_campaign=c{i}",
                    self.host(0)
                ),
            );
        }
        if host == 2 && path == "/consent" {
            let mut rng = fastrand::Rng::new();
            return Reply::new(
                "200 OK",
                HTML,
                fidelity::generate::interstitial(&mut rng, false),
            );
        }
        if host == 0
            && let Some(i) = index("/a/")
        {
            if self.interstitials_on.load(Ordering::SeqCst) && Site::interstitial(i) {
                self.interstitials_served.fetch_add(1, Ordering::SeqCst);
                if i % 16 == 3 {
                    return Reply::new("302 Found", HTML, "").header(
                        "Location",
                        format!("{}/consent?continue=%2Fa%2F{i}", self.host(2)),
                    );
                }
                if i % 32 == 11 {
                    return Reply::new(
                        "200 OK",
                        HTML,
                        fidelity::generate::refresh_page(&format!(
                            "{}/consent?continue=%2Fa%2F{i}",
                            self.host(2)
                        )),
                    );
                }
                let mut rng = fastrand::Rng::new();
                return Reply::new(
                    "200 OK",
                    HTML,
                    fidelity::generate::interstitial(&mut rng, true),
                );
            }
            let n = self.fetches[i].fetch_add(1, Ordering::SeqCst);
            let body = fidelity::render(
                &self.pages[i],
                n,
                self.edited.load(Ordering::SeqCst),
                &self.host(0),
            );
            return Reply::new("200 OK", HTML, body);
        }
        Reply::new("404 Not Found", HTML, "not found")
    }
}

/// The page index of an article URL (`/a/{i}` or `/r/{i}`), and whether it is the
/// page's own address (not the tracking redirect).
fn page_of(url: &str) -> Option<(usize, bool)> {
    let u = url::Url::parse(url).ok()?;
    let mut seg = u.path_segments()?;
    let kind = seg.next()?;
    let i = seg.next()?.parse().ok()?;
    Some((i, kind == "a" && u.query().is_none()))
}

#[derive(Default, Clone)]
struct Figures {
    pages: usize,
    articles: usize,
    refetches: usize,
    false_versions: usize,
    edits: usize,
    found: usize,
    outside: usize,
    interstitials: usize,
    interstitial_versions: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let limit: Duration = args.time_limit.into();
    let pages = fidelity::load_pages(&args.dir, args.pages)?;
    anyhow::ensure!(!pages.is_empty(), "no pages in {}", args.dir.display());
    if let Some(i) = args.show {
        let page = pages
            .get(i)
            .ok_or_else(|| anyhow::anyhow!("no page {i} (of {})", pages.len()))?;
        let html = fidelity::render(page, 0, false, "http://127.0.0.2");
        let text = stet::extract::extract(&html, "http://127.0.0.2/a/0")?.text;
        println!(
            "page {i}: {} ({})\nedit: {:?}\n=== served ===\n{html}\n=== extracted ===\n{text}",
            page.id,
            page.part.as_str(),
            page.edit
        );
        return Ok(());
    }
    println!(
        "stet-fidelity: {} pages ({} tuning, {} held-out), {} noise rounds + 1 edit round, load average {}",
        pages.len(),
        pages.iter().filter(|p| p.part == Part::Tuning).count(),
        pages.iter().filter(|p| p.part == Part::HeldOut).count(),
        args.rounds,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    // The server: its own thread and runtime, three loopback hosts.
    let (tx, rx) = std::sync::mpsc::channel();
    let n_pages = pages.len();
    let server_pages = pages.clone();
    let site_slot: Arc<std::sync::OnceLock<Arc<Site>>> = Arc::default();
    let slot = site_slot.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut listeners = Vec::new();
            let mut ports = [0u16; 3];
            for (h, port) in ports.iter_mut().enumerate() {
                let l = tokio::net::TcpListener::bind((format!("127.0.0.{}", h + 2), 0))
                    .await
                    .expect("bind a loopback address");
                *port = l.local_addr().expect("address").port();
                listeners.push(l);
            }
            let site = Arc::new(Site {
                pages: server_pages,
                ports,
                fetches: (0..n_pages).map(|_| AtomicU64::new(0)).collect(),
                edited: AtomicBool::new(false),
                interstitials_on: AtomicBool::new(false),
                interstitials_served: AtomicU64::new(0),
            });
            let _ = slot.set(site.clone());
            for (h, l) in listeners.into_iter().enumerate() {
                let site = site.clone();
                let respond = Arc::new(move |r: &Request| site.respond(h, r));
                tokio::spawn(stet::loopback::serve(l, respond));
            }
            tx.send(ports).expect("ports");
            // The server lives until the measuring thread ends the process.
            std::future::pending::<()>().await;
        });
    });
    let ports = rx.recv_timeout(Duration::from_secs(10))?;
    let site = site_slot.get().expect("site").clone();

    let dir = std::env::temp_dir().join(format!("stet-fidelity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let toml = format!(
        "database = {:?}\ninterval = \"30m\"\n[http]\nmax_entries = 100000\n\
         [politeness]\nper_host_delay = \"0s\"\nper_host_concurrency = 4\nglobal_concurrency = 8\n\
         obey_robots = false\nallow_private_addresses = true\n\
         [[feed]]\nurl = \"http://127.0.0.2:{}/feed.xml\"\n[[feed]]\nurl = \"http://127.0.0.3:{}/feed.xml\"\n",
        dir.join("fidelity.db"),
        ports[0],
        ports[1]
    );
    let config =
        stet::config::Config::from_toml(&toml, std::path::Path::new("fidelity.toml"), &dir)?;
    let poller = stet::poll::Poller::new(config)?;
    let cancel = poller.cancel_flag();
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        cancel.store(true, Ordering::SeqCst);
    });
    let rt = tokio::runtime::Runtime::new()?;
    let mut store = stet::store::Store::open(&dir.join("fidelity.db"))?;

    let counts = |store: &stet::store::Store| -> anyhow::Result<HashMap<i64, (String, u64)>> {
        Ok(store
            .articles()?
            .into_iter()
            .map(|a| (a.id, (a.url, a.versions)))
            .collect())
    };
    let part_of = |url: &str| page_of(url).map(|(i, _)| pages[i].part);
    let mut figs: HashMap<Part, Figures> = HashMap::new();
    for p in &pages {
        figs.entry(p.part).or_default().pages += 1;
    }
    let mut interrupted = false;
    let total_rounds = args.rounds + 2;
    let mut before = HashMap::new();
    for round in 0..total_rounds {
        let edit_round = round == total_rounds - 1;
        let interstitial_round = round == 2.min(args.rounds);
        site.edited.store(edit_round, Ordering::SeqCst);
        site.interstitials_on
            .store(interstitial_round && !edit_round, Ordering::SeqCst);
        if round > 0 {
            before = counts(&store)?;
        }
        let t0 = Instant::now();
        let report = rt.block_on(poller.poll_once(&mut store, true))?;
        println!(
            "round {round} ({}): {} articles checked, {} versions, {} errors, {:.1} s",
            if round == 0 {
                "archive"
            } else if edit_round {
                "edit"
            } else if interstitial_round {
                "noise + interstitials"
            } else {
                "noise"
            },
            report.articles_checked,
            report.versions_created,
            report.article_errors.len() + report.feeds_failed.len(),
            t0.elapsed().as_secs_f64()
        );
        if args.verbose {
            for e in &report.article_errors {
                println!("  error: {e}");
            }
        }
        if report.interrupted || started.elapsed() >= limit {
            interrupted = true;
            println!("time limit reached: the figures below cover the rounds done");
            break;
        }
        if round == 0 {
            continue;
        }
        let after = counts(&store)?;
        for (id, (url, n)) in &after {
            let Some(part) = part_of(url) else { continue };
            let f = figs.entry(part).or_default();
            let old = before.get(id).map_or(0, |b| b.1);
            let (i, own) = page_of(url).unwrap_or((0, false));
            if edit_round {
                if !own {
                    continue;
                }
                let Some(edit) = &pages[i].edit else { continue };
                f.edits += 1;
                let versions = store.versions(*id)?;
                if *n > old && versions.len() >= 2 {
                    let (a, b) = (&versions[versions.len() - 2], &versions[versions.len() - 1]);
                    let old_doc = stet::diff::document(a, &store.blob_text(&a.text_sha256)?);
                    let new_doc = stet::diff::document(b, &store.blob_text(&b.text_sha256)?);
                    let hunks = stet::diff::hunks(&old_doc, &new_doc);
                    if new_doc.contains(&edit.1) && !new_doc.contains(&edit.0) {
                        f.found += 1;
                    }
                    let outside = fidelity::lines_outside(&hunks, Some(edit));
                    f.outside += outside.len();
                    if args.verbose && !outside.is_empty() {
                        println!("  outside the edit, page {} ({}):", pages[i].id, url);
                        for l in outside.iter().take(6) {
                            println!("    {l}");
                        }
                    }
                } else if args.verbose {
                    println!("  edit missed, page {} ({url})", pages[i].id);
                }
            } else {
                f.refetches += 1;
                if *n > old {
                    f.false_versions += (*n - old) as usize;
                    if interstitial_round && Site::interstitial(i) {
                        f.interstitial_versions += (*n - old) as usize;
                    }
                    if args.verbose {
                        let versions = store.versions(*id)?;
                        if versions.len() >= 2 {
                            let (a, b) =
                                (&versions[versions.len() - 2], &versions[versions.len() - 1]);
                            let hunks = stet::diff::hunks(
                                &stet::diff::document(a, &store.blob_text(&a.text_sha256)?),
                                &stet::diff::document(b, &store.blob_text(&b.text_sha256)?),
                            );
                            println!("  false version, page {} ({url}):", pages[i].id);
                            for l in fidelity::lines_outside(&hunks, None).iter().take(6) {
                                println!("    {l}");
                            }
                        }
                    }
                }
                if interstitial_round && Site::interstitial(i) && own {
                    f.interstitials += 1;
                }
            }
        }
    }
    let articles = store.articles()?;
    for a in &articles {
        if let Some(part) = part_of(&a.url) {
            figs.entry(part).or_default().articles += 1;
        }
    }
    let logged: i64 = {
        let conn = rusqlite::Connection::open(dir.join("fidelity.db"))?;
        conn.query_row(
            "SELECT count(*) FROM fetches WHERE outcome = 'interstitial'",
            [],
            |r| r.get(0),
        )?
    };
    store.close();
    println!(
        "\n| pages | noise re-fetches | false versions | per 1,000 re-fetches | edits made | edits found | diff lines outside the edit | duplicate articles |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut parts: Vec<_> = figs.into_iter().collect();
    parts.sort_by_key(|(p, _)| *p);
    let mut all = Figures::default();
    for (part, f) in &parts {
        row(part.as_str(), f);
        all.pages += f.pages;
        all.articles += f.articles;
        all.refetches += f.refetches;
        all.false_versions += f.false_versions;
        all.edits += f.edits;
        all.found += f.found;
        all.outside += f.outside;
        all.interstitials += f.interstitials;
        all.interstitial_versions += f.interstitial_versions;
    }
    row("all", &all);
    println!(
        "\nInterstitials: {} served ({} on pages' own addresses), {} versions made of them, {} fetches logged as `interstitial`; {} of {} pages had an editable sentence.{}",
        site.interstitials_served.load(Ordering::SeqCst),
        all.interstitials,
        all.interstitial_versions,
        logged,
        all.edits,
        all.pages,
        if interrupted {
            " (cut by the time limit)"
        } else {
            ""
        }
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn row(name: &str, f: &Figures) {
    println!(
        "| {name}: {} | {} | {} | {:.1} | {} | {} ({:.1}%) | {} | {} |",
        f.pages,
        f.refetches,
        f.false_versions,
        f.false_versions as f64 * 1000.0 / f.refetches.max(1) as f64,
        f.edits,
        f.found,
        f.found as f64 * 100.0 / f.edits.max(1) as f64,
        f.outside,
        f.articles.saturating_sub(f.pages)
    );
}
