//! stet-bench: stet's poll cycle at scale, measured, on loopback only.
//!
//! For each scale (number of articles) a child process runs three real poll cycles of the
//! stet library into a fresh SQLite database, against a loopback HTTP server (its own
//! child process, so that its CPU and memory are not counted as stet's) listening on
//! 127.0.0.2, 127.0.0.3, ... (one address per host, so per-host limits apply):
//!
//! 1. `archive`: the first archive of every article;
//! 2. `unchanged`: a re-check where nothing changed (4 in 5 articles answer 304 to their
//!    ETag; the others have no validators and send the same bytes again);
//! 3. `edited`: a re-check where `--edit-percent` of the articles were edited.
//!
//! Articles are real pages (`benches/data`, from the Zyte benchmark), each made distinct
//! by a per-article substitution of the letters of its visible text: markup, scripts,
//! lengths and letter statistics stay those of the real page, the content is unique.
//!
//! Every process bounds itself in time (`--time-limit` per scale); the server exits when
//! its parent closes its stdin. Nothing but loopback addresses is ever contacted.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde::{Deserialize, Serialize};
use stet::bench::{self, STAGES};
use stet::loopback::{Reply, Request};

#[derive(Parser, Debug, Clone)]
#[command(
    name = "stet-bench",
    about = "Measure stet's poll cycles at scale against a loopback server"
)]
struct Args {
    /// Scales to run, as numbers of articles (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [1000usize, 20000])]
    articles: Vec<usize>,
    /// Number of feeds (default: one per 50 articles).
    #[arg(long)]
    feeds: Option<usize>,
    /// Number of hosts (loopback addresses 127.0.0.2, ...), at most 250.
    #[arg(long, default_value_t = 50)]
    hosts: usize,
    /// Percentage of articles edited before the third cycle.
    #[arg(long, default_value_t = 5.0)]
    edit_percent: f64,
    /// politeness.global_concurrency of the bench config.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Time limit per scale; a cycle still running then is cancelled.
    #[arg(long, default_value = "10m")]
    time_limit: humantime::Duration,
    /// Folder of `*.html.gz` pages (default: the crate's benches/data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// `[store] synchronous` of the bench database: `normal` (stet's default) or `full`,
    /// to measure what durability against power loss costs.
    #[arg(long, default_value = "normal")]
    synchronous: String,
    /// Internal: the role of this process (`poller` or `server`).
    #[arg(long, hide = true)]
    role: Option<String>,
}

impl Args {
    fn feeds_for(&self, articles: usize) -> usize {
        self.feeds
            .unwrap_or(articles.div_ceil(50))
            .clamp(1, articles.max(1))
    }
    fn hosts_for(&self, articles: usize) -> usize {
        self.hosts.clamp(1, 250).min(self.feeds_for(articles))
    }
    fn data_dir(&self) -> PathBuf {
        self.data
            .clone()
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data"))
    }
    fn child_args(&self, role: &str, articles: usize) -> Vec<String> {
        vec![
            "--role".into(),
            role.into(),
            "--articles".into(),
            articles.to_string(),
            "--feeds".into(),
            self.feeds_for(articles).to_string(),
            "--hosts".into(),
            self.hosts_for(articles).to_string(),
            "--edit-percent".into(),
            self.edit_percent.to_string(),
            "--concurrency".into(),
            self.concurrency.to_string(),
            "--time-limit".into(),
            self.time_limit.to_string(),
            "--data".into(),
            self.data_dir().display().to_string(),
            "--synchronous".into(),
            self.synchronous.clone(),
        ]
    }
}

/// The figures of one cycle.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CycleResult {
    scale: usize,
    cycle: String,
    articles: usize,
    wall_s: f64,
    cpu_s: f64,
    server_cpu_s: f64,
    peak_rss_kb: u64,
    db_bytes: u64,
    stored_bytes: u64,
    raw_bytes: u64,
    versions: usize,
    errors: usize,
    http_200: u64,
    http_304: u64,
    stage_ns: Vec<u64>,
    interrupted: bool,
}

fn main() {
    let args = Args::parse();
    let code = match args.role.as_deref() {
        Some("server") => server_main(&args),
        Some("poller") => poller_main(&args),
        None => orchestrate(&args),
        Some(other) => {
            eprintln!("stet-bench: unknown role {other:?}");
            2
        }
    };
    std::process::exit(code);
}

// ---------------------------------------------------------------------------------------
// Orchestrator: one poller child per scale, then the tables.

fn orchestrate(args: &Args) -> i32 {
    let exe = std::env::current_exe().expect("current exe");
    let mut all: Vec<CycleResult> = Vec::new();
    println!(
        "stet-bench: scales {:?} articles, {} hosts max, {}% edited, global_concurrency {}, per_host_delay 0s, time limit {} per scale",
        args.articles, args.hosts, args.edit_percent, args.concurrency, args.time_limit
    );
    println!(
        "machine: {} CPUs, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    for &scale in &args.articles {
        println!(
            "\n== {scale} articles, {} feeds on {} hosts (load average before: {}) ==",
            args.feeds_for(scale),
            args.hosts_for(scale),
            loadavg()
        );
        let mut child = match Command::new(&exe)
            .args(args.child_args("poller", scale))
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("stet-bench: cannot start the poller: {e}");
                return 2;
            }
        };
        let stdout = child.stdout.take().expect("piped stdout");
        let limit: Duration = args.time_limit.into();
        let deadline = Instant::now() + limit + Duration::from_secs(60);
        let reader = std::thread::spawn(move || {
            let mut results = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match line.strip_prefix("RESULT ") {
                    Some(json) => results.extend(serde_json::from_str::<CycleResult>(json).ok()),
                    None => println!("{line}"),
                }
            }
            results
        });
        let status = wait_bounded(&mut child, deadline);
        let results = reader.join().unwrap_or_default();
        if !status {
            eprintln!("stet-bench: the {scale}-article run did not finish in time; stopped it");
        }
        all.extend(results);
    }
    print_tables(&all);
    0
}

/// Waits for `child` until `deadline`; kills it (by its own pid) when late. True when
/// it exited by itself.
fn wait_bounded(child: &mut Child, deadline: Instant) -> bool {
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The 1, 5 and 15 minute load averages: other work on the machine skews the figures.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn per_article(r: &CycleResult) -> [f64; 5] {
    let n = r.articles.max(1) as f64;
    [
        r.wall_s / n,
        r.cpu_s / n,
        r.peak_rss_kb as f64,
        r.db_bytes as f64 / n,
        r.stored_bytes as f64 / r.raw_bytes.max(1) as f64,
    ]
}

fn print_tables(all: &[CycleResult]) {
    println!("\n### Results\n");
    println!(
        "| articles | cycle | checked | wall s | articles/s | CPU s / 1k | server CPU s | peak RSS MB | DB MB | stored / raw HTML | versions | errors |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in all {
        println!(
            "| {} | {}{} | {} | {:.2} | {:.0} | {:.2} | {:.2} | {:.1} | {:.1} | {:.3} ({:.1} / {:.1} MB) | {} | {} |",
            r.scale,
            r.cycle,
            if r.interrupted { " (cut)" } else { "" },
            r.articles,
            r.wall_s,
            r.articles as f64 / r.wall_s.max(1e-9),
            r.cpu_s * 1000.0 / r.articles.max(1) as f64,
            r.server_cpu_s,
            r.peak_rss_kb as f64 / 1024.0,
            mb(r.db_bytes),
            r.stored_bytes as f64 / r.raw_bytes.max(1) as f64,
            mb(r.stored_bytes),
            mb(r.raw_bytes),
            r.versions,
            r.errors,
        );
    }
    println!(
        "\n### Where the time goes (seconds summed over tasks; fetch overlaps the others, share of the five)\n"
    );
    let names: Vec<&str> = STAGES.iter().map(|s| s.as_str()).collect();
    println!("| articles | cycle | {} |", names.join(" | "));
    println!("|---:|---|{}", "---:|".repeat(names.len()));
    for r in all {
        let total: u64 = r.stage_ns.iter().sum::<u64>().max(1);
        let cells: Vec<String> = r
            .stage_ns
            .iter()
            .map(|&ns| {
                format!(
                    "{:.2} s ({:.0}%)",
                    ns as f64 / 1e9,
                    ns as f64 * 100.0 / total as f64
                )
            })
            .collect();
        println!("| {} | {} | {} |", r.scale, r.cycle, cells.join(" | "));
    }
    // Growth: each per-article figure at each larger scale over the smallest one.
    let mut scales: Vec<usize> = all.iter().map(|r| r.scale).collect();
    scales.dedup();
    if scales.len() >= 2 {
        let base = scales[0];
        println!(
            "\n### Growth from {base} articles (per-article figures; 1.00 = linear, > 1.3 flags non-linear growth)\n"
        );
        println!(
            "| articles | cycle | wall / article | CPU / article | peak RSS | DB bytes / article | stored / raw | {} / article |",
            names.join(" / article | ")
        );
        println!(
            "|---:|---|---:|---:|---:|---:|---:|{}",
            "---:|".repeat(names.len())
        );
        for &s in &scales[1..] {
            for r in all.iter().filter(|r| r.scale == s) {
                let Some(b) = all.iter().find(|b| b.scale == base && b.cycle == r.cycle) else {
                    continue;
                };
                let (pr, pb) = (per_article(r), per_article(b));
                let mut cells: Vec<String> = (0..5).map(|i| ratio(pr[i], pb[i])).collect();
                for i in 0..STAGES.len() {
                    let x =
                        r.stage_ns.get(i).copied().unwrap_or(0) as f64 / r.articles.max(1) as f64;
                    let y =
                        b.stage_ns.get(i).copied().unwrap_or(0) as f64 / b.articles.max(1) as f64;
                    cells.push(ratio(x, y));
                }
                println!("| {s} | {} | {} |", r.cycle, cells.join(" | "));
            }
        }
    }
}

fn ratio(x: f64, y: f64) -> String {
    if y <= 0.0 {
        return "-".into();
    }
    let q = x / y;
    if q > 1.3 {
        format!("**x{q:.2}**")
    } else {
        format!("x{q:.2}")
    }
}

// ---------------------------------------------------------------------------------------
// Poller: the stet library, three cycles, measured.

struct ServerHandle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl ServerHandle {
    fn ask(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").expect("server stdin");
        self.stdin.flush().expect("server stdin");
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).expect("server stdout");
        answer.trim().to_string()
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        // Closing stdin stops the server; kill it (our own child) if it lingers.
        let deadline = Instant::now() + Duration::from_secs(5);
        let _ = writeln!(self.stdin, "quit");
        wait_bounded(&mut self.child, deadline);
    }
}

fn poller_main(args: &Args) -> i32 {
    let scale = args.articles[0];
    let feeds = args.feeds_for(scale);
    let hosts = args.hosts_for(scale);
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(&exe)
        .args(args.child_args("server", scale))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the bench server");
    let mut server = ServerHandle {
        stdin: child.stdin.take().expect("stdin"),
        stdout: BufReader::new(child.stdout.take().expect("stdout")),
        child,
    };
    let mut ready = String::new();
    server
        .stdout
        .read_line(&mut ready)
        .expect("server ready line");
    let ports: Vec<u16> = ready
        .trim()
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("bench server did not start: {ready:?}"))
        .split(',')
        .map(|p| p.parse().expect("port"))
        .collect();
    assert_eq!(ports.len(), hosts);

    let dir = std::env::temp_dir().join(format!("stet-bench-{}-{scale}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("bench.db");
    let mut toml = format!(
        "database = {db:?}\ninterval = \"30m\"\n\
         [http]\nmax_entries = 100000\n\
         [politeness]\nper_host_delay = \"0s\"\nglobal_concurrency = {}\nobey_robots = false\nallow_private_addresses = true\n\
         [store]\nsynchronous = {:?}\n",
        args.concurrency, args.synchronous
    );
    for f in 0..feeds {
        let h = f % hosts;
        toml.push_str(&format!(
            "[[feed]]\nurl = \"http://127.0.0.{}:{}/feed/{f}.xml\"\n",
            h + 2,
            ports[h]
        ));
    }
    let config = stet::config::Config::from_toml(&toml, Path::new("bench.toml"), &dir)
        .expect("bench config");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let synchronous = config.store.synchronous;
    let poller = stet::poll::Poller::new(config).expect("poller");
    let cancel = poller.cancel_flag();
    let limit: Duration = args.time_limit.into();
    let started = Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        cancel.store(true, Ordering::SeqCst);
    });
    let mut store = stet::store::Store::open(&db).expect("open the database");
    store.set_synchronous(synchronous).expect("set synchronous");
    bench::enable();
    let mut code = 0;
    for (phase, name) in ["archive", "unchanged", "edited"].iter().enumerate() {
        let answer = server.ask(&format!("phase {phase}"));
        assert_eq!(answer, "ok", "server phase switch");
        server.ask("stats"); // zero the server's counters
        let before_blobs = store.blob_stats().expect("blob stats");
        reset_peak_rss();
        bench::reset();
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let report = rt.block_on(poller.poll_once(&mut store, true));
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        let stages = bench::snapshot();
        let peak = peak_rss_kb();
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                eprintln!("stet-bench: poll failed: {e}");
                code = 1;
                break;
            }
        };
        let after_blobs = store.blob_stats().expect("blob stats");
        let stats: Vec<u64> = server
            .ask("stats")
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        let r = CycleResult {
            scale,
            cycle: name.to_string(),
            articles: report.articles_checked,
            wall_s: wall,
            cpu_s: cpu,
            server_cpu_s: stats.get(4).copied().unwrap_or(0) as f64 / 1000.0,
            peak_rss_kb: peak,
            db_bytes: file_size(&db)
                + file_size(&dir.join("bench.db-wal"))
                + file_size(&dir.join("bench.db-shm")),
            stored_bytes: after_blobs.1 - before_blobs.1,
            raw_bytes: stats.get(2).copied().unwrap_or(0),
            versions: report.versions_created,
            errors: report.article_errors.len() + report.feeds_failed.len(),
            http_200: stats.first().copied().unwrap_or(0),
            http_304: stats.get(1).copied().unwrap_or(0),
            stage_ns: stages.to_vec(),
            interrupted: report.interrupted,
        };
        println!(
            "{name:>9}: {} articles in {:.2} s ({:.0}/s), CPU {:.2} s, peak RSS {:.1} MB, {} versions, {} x 200 + {} x 304, {} errors{}",
            r.articles,
            r.wall_s,
            r.articles as f64 / r.wall_s.max(1e-9),
            r.cpu_s,
            r.peak_rss_kb as f64 / 1024.0,
            r.versions,
            r.http_200,
            r.http_304,
            r.errors,
            if r.interrupted {
                " (cut by the time limit)"
            } else {
                ""
            }
        );
        for e in report.article_errors.iter().take(3) {
            println!("           error: {e}");
        }
        println!(
            "RESULT {}",
            serde_json::to_string(&r).expect("result serializes")
        );
        if report.interrupted || started.elapsed() >= limit {
            break;
        }
    }
    store.close();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    code
}

/// User plus system CPU time of this process (all threads), from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    ticks as f64 / 100.0 // USER_HZ is 100 on Linux
}

/// Peak resident set size since the last reset (VmHWM), in KiB.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

// ---------------------------------------------------------------------------------------
// Server: feeds and articles on 127.0.0.2.., per-URL ETags, three phases.

struct Site {
    pages: Vec<Vec<u8>>,
    articles: usize,
    feeds: usize,
    hosts: usize,
    ports: Vec<u16>,
    edit_percent: f64,
    phase: AtomicU8,
    /// article 200s, article 304s, article body bytes, feed requests.
    counters: [AtomicU64; 4],
}

impl Site {
    fn per_feed(&self) -> usize {
        self.articles.div_ceil(self.feeds)
    }
    fn host_of_feed(&self, f: usize) -> usize {
        f % self.hosts
    }
    fn article_url(&self, i: usize) -> String {
        let h = self.host_of_feed(i / self.per_feed());
        format!("http://127.0.0.{}:{}/a/{i}", h + 2, self.ports[h])
    }
    /// Whether article `i` is edited in the third phase (a fixed pseudo-random subset).
    fn edited(&self, i: usize) -> bool {
        let x = (i as u64 ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        ((x >> 33) % 10_000) as f64 / 100.0 < self.edit_percent
    }
    fn revision(&self, i: usize) -> u32 {
        u32::from(self.phase.load(Ordering::Relaxed) >= 2 && self.edited(i))
    }
    fn feed_xml(&self, f: usize) -> Vec<u8> {
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench feed {f}</title><link>{}</link><description>stet-bench</description>\n",
            self.article_url(f * self.per_feed())
        );
        let end = ((f + 1) * self.per_feed()).min(self.articles);
        for i in f * self.per_feed()..end {
            let url = self.article_url(i);
            s.push_str(&format!(
                "<item><title>Article {i}</title><link>{url}</link><guid>{url}</guid><pubDate>Tue, 01 Dec 2026 08:{:02}:00 GMT</pubDate></item>\n",
                i % 60
            ));
        }
        s.push_str("</channel></rss>\n");
        s.into_bytes()
    }
}

fn server_main(args: &Args) -> i32 {
    let scale = args.articles[0];
    let hosts = args.hosts_for(scale);
    let mut pages = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(args.data_dir())
        .expect("bench data folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    files.sort();
    for p in files {
        let mut html = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&p).expect("page"))
            .read_to_end(&mut html)
            .expect("gunzip page");
        pages.push(html);
    }
    assert!(!pages.is_empty(), "no *.html.gz pages in the data folder");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let mut listeners = Vec::new();
        let mut ports = Vec::new();
        for h in 0..hosts {
            let l =
                tokio::net::TcpListener::bind(("127.0.0.".to_string() + &(h + 2).to_string(), 0))
                    .await
                    .expect("bind a loopback address");
            ports.push(l.local_addr().expect("addr").port());
            listeners.push(l);
        }
        let site = Arc::new(Site {
            pages,
            articles: scale,
            feeds: args.feeds_for(scale),
            hosts,
            ports: ports.clone(),
            edit_percent: args.edit_percent,
            phase: AtomicU8::new(0),
            counters: Default::default(),
        });
        for l in listeners {
            let site = site.clone();
            let respond = Arc::new(move |req: &Request| {
                let (status, etag, ctype, body) =
                    respond(&site, &req.path, req.headers.get("if-none-match"));
                let reply = Reply::new(status, ctype, body).header("Server", "stet-bench");
                match etag {
                    Some(e) => reply.header("ETag", e),
                    None => reply,
                }
            });
            tokio::spawn(stet::loopback::serve(l, respond));
        }
        // Control: lines on stdin; EOF or the time limit stops the server.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        println!(
            "READY {}",
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        let limit: Duration = args.time_limit.into();
        let deadline = tokio::time::Instant::now() + limit + Duration::from_secs(30);
        loop {
            let line = tokio::select! {
                l = rx.recv() => l,
                _ = tokio::time::sleep_until(deadline) => None,
            };
            let Some(line) = line else { break };
            let mut out = std::io::stdout().lock();
            if let Some(p) = line.strip_prefix("phase ") {
                site.phase
                    .store(p.trim().parse().unwrap_or(0), Ordering::Relaxed);
                let _ = writeln!(out, "ok");
            } else if line == "stats" {
                let c: Vec<u64> = site
                    .counters
                    .iter()
                    .map(|c| c.swap(0, Ordering::Relaxed))
                    .collect();
                let cpu_ms = (cpu_seconds() * 1000.0) as u64;
                let _ = writeln!(out, "stats {} {} {} {} {cpu_ms}", c[0], c[1], c[2], c[3]);
            } else {
                break;
            }
            let _ = out.flush();
        }
    });
    0
}

type Answer = (&'static str, Option<String>, &'static str, Vec<u8>);

fn respond(site: &Site, path: &str, if_none_match: Option<&String>) -> Answer {
    const HTML: &str = "text/html; charset=utf-8";
    if let Some(f) = path
        .strip_prefix("/feed/")
        .and_then(|s| s.strip_suffix(".xml"))
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|f| *f < site.feeds)
    {
        site.counters[3].fetch_add(1, Ordering::Relaxed);
        let etag = format!("\"feed-{f}\"");
        if if_none_match == Some(&etag) {
            return (
                "304 Not Modified",
                Some(etag),
                "application/rss+xml",
                Vec::new(),
            );
        }
        return (
            "200 OK",
            Some(etag),
            "application/rss+xml",
            site.feed_xml(f),
        );
    }
    if let Some(i) = path
        .strip_prefix("/a/")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|i| *i < site.articles)
    {
        let rev = site.revision(i);
        // Four articles in five have an ETag; the others no validators at all.
        let etag = (i % 5 != 0).then(|| format!("\"a{i}-r{rev}\""));
        if etag.is_some() && if_none_match == etag.as_ref() {
            site.counters[1].fetch_add(1, Ordering::Relaxed);
            return ("304 Not Modified", etag, HTML, Vec::new());
        }
        let page = &site.pages[i % site.pages.len()];
        let body = render(page, i as u64, rev > 0);
        site.counters[0].fetch_add(1, Ordering::Relaxed);
        site.counters[2].fetch_add(body.len() as u64, Ordering::Relaxed);
        return ("200 OK", etag, HTML, body);
    }
    ("404 Not Found", None, HTML, b"not found".to_vec())
}

/// Article `seed` made from a real page: the letters of the visible text (outside tags,
/// comments, scripts, styles and character references) go through a substitution
/// drawn from the seed; when `edited`, a sentence is added to the longest text run.
fn render(page: &[u8], seed: u64, edited: bool) -> Vec<u8> {
    let mut perm: Vec<u8> = (0..26).collect();
    fastrand::Rng::with_seed(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed).shuffle(&mut perm);
    let mut out = Vec::with_capacity(page.len() + 64);
    let mut i = 0;
    let (mut run_start, mut longest) = (0usize, (0usize, 0usize)); // (length, end in out)
    let lower = |b: u8| b.to_ascii_lowercase();
    let starts_with_ci = |at: usize, pat: &[u8]| {
        page.len() >= at + pat.len()
            && page[at..at + pat.len()]
                .iter()
                .map(|b| lower(*b))
                .eq(pat.iter().copied())
    };
    let find_ci = |from: usize, pat: &[u8]| (from..page.len()).find(|&k| starts_with_ci(k, pat));
    while i < page.len() {
        let b = page[i];
        if b == b'<' {
            let len = out.len() - run_start;
            if len > longest.0 {
                longest = (len, out.len());
            }
            let end = if starts_with_ci(i, b"<!--") {
                find_ci(i, b"-->").map_or(page.len(), |k| k + 3)
            } else if starts_with_ci(i, b"<script") {
                find_ci(i, b"</script").unwrap_or(page.len())
            } else if starts_with_ci(i, b"<style") {
                find_ci(i, b"</style").unwrap_or(page.len())
            } else {
                page[i..]
                    .iter()
                    .position(|&c| c == b'>')
                    .map_or(page.len(), |k| i + k + 1)
            };
            out.extend_from_slice(&page[i..end]);
            i = end;
            run_start = out.len();
            continue;
        }
        if b == b'&' {
            let end = page[i + 1..]
                .iter()
                .take(12)
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'#'))
                .map_or(i + 1, |k| i + 1 + k);
            let end = if page.get(end) == Some(&b';') {
                end + 1
            } else {
                end
            };
            out.extend_from_slice(&page[i..end.max(i + 1)]);
            i = end.max(i + 1);
            continue;
        }
        out.push(match b {
            b'a'..=b'z' => b'a' + perm[(b - b'a') as usize],
            b'A'..=b'Z' => b'A' + perm[(b - b'A') as usize],
            _ => b,
        });
        i += 1;
    }
    if edited && longest.0 > 0 {
        let note = b" Correction: an earlier version of this article misstated a figure.";
        out.splice(longest.1..longest.1, note.iter().copied());
    }
    out
}
