//! The command line: argument parsing and the commands, each a thin layer over the
//! library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::changes;
use crate::config::{self, Config};
use crate::diff;
use crate::notify;
use crate::poll::{self, Poller};
use crate::snapshot;
use crate::store::changes::ChangeFilter;
use crate::store::{Store, Version};

const EXIT_HELP: &str = "\
Exit status:
  0  success (for `poll`: every feed was fetched and parsed)
  1  `poll`: at least one feed failed (one line per failed feed on stderr)
  2  error: bad arguments, bad config, database failure, unknown article or version
  3  `poll`/`run`: another `stet poll` or `stet run` is working on the same database;
     nothing was done (cron runs that overlap skip instead of fetching everything twice)

Environment:
  STET_CONFIG  config file, as --config
  STET_LOG     log filter (tracing EnvFilter syntax), e.g. `info` or `stet=debug`
  NO_COLOR     disables colour in word diffs";

/// stet: archive web articles from feeds and watch them change.
#[derive(Debug, Parser)]
#[command(name = "stet", version, about, after_help = EXIT_HELP)]
pub struct Cli {
    /// Config file. When the default ./config.toml does not exist, the embedded example
    /// configuration is used with the current folder as its base.
    #[arg(
        long,
        short,
        global = true,
        env = "STET_CONFIG",
        default_value = "config.toml"
    )]
    pub config: PathBuf,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented config.toml (if none exists) and create the database.
    Init,
    /// Poll every due feed and re-check every due article once, then exit (cron mode).
    Poll {
        /// Poll every feed and re-check every tracked article now, due or not.
        #[arg(long)]
        all: bool,
    },
    /// Run as a daemon: poll each feed on its interval until SIGINT or SIGTERM.
    Run,
    /// List the feeds followed: URL, status (ok, failing, dead, gone, disallowed), last
    /// success, last error (stage and cause) and next poll.
    Feeds {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// List archived articles.
    Articles {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// List the versions of an article, oldest first, with whether each was reported as
    /// a change and, if not, why (`no: seen_before`, `no: below_min_size`,
    /// `no: social_title`).
    Versions {
        /// Article id, or any of its URLs (a feed's link, the URL a fetch ended at, the
        /// canonical URL; tracking parameters, scheme and `www.` do not matter).
        article: String,
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Print a version's cleaned article.
    Show {
        /// Version id.
        version: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Rebuild cleaned content and metadata from stored raw HTML with this stet's
    /// extractor, without refetching (after an upgrade, or a change of noise controls).
    #[command(group = clap::ArgGroup::new("which").required(true).args(["article", "all"]))]
    Reextract {
        /// Only this article (id or any of its URLs).
        #[arg(long)]
        article: Option<String>,
        /// Every article with a version made by another extractor version.
        #[arg(long)]
        all: bool,
        /// Rebuild versions already made by this extractor version too.
        #[arg(long)]
        force: bool,
    },
    /// List detected changes, newest first (an article's first version is not a change).
    Changes {
        /// Only changes since this time: RFC 3339 (`2024-05-01T00:00:00Z`), a date
        /// (`2024-05-01`) or an age (`2d`, `12h`).
        #[arg(long)]
        since: Option<String>,
        /// Only articles of this feed URL.
        #[arg(long)]
        feed: Option<String>,
        /// Only changes of this kind.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(config::CHANGE_KINDS))]
        kind: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print a JSON array (same as `--format json`).
        #[arg(long)]
        json: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ChangesFormat::Text)]
        format: ChangesFormat,
    },
    /// Diff the last two versions of an article (one argument) or two versions (two ids).
    Diff {
        /// An article id or any of its URLs, or the older version id when NEW is given.
        first: String,
        /// The newer version id.
        new: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Unified)]
        format: DiffFormat,
        /// Colour for word diffs.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
}

/// Formats of `stet show`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    /// Plain text, one sentence a line.
    Text,
    /// The cleaned HTML.
    Html,
    /// The version's fields plus `text` and `html`.
    Json,
}

/// Formats of `stet changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChangesFormat {
    /// One line per change.
    Text,
    /// A JSON array of changes.
    Json,
    /// An Atom feed (RFC 4287) with the HTML diff of each change.
    Atom,
}

/// Formats of `stet diff`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    /// `diff -u` style, by sentence.
    Unified,
    /// Inserted and deleted words marked inline.
    Word,
    /// Change kinds and hunks.
    Json,
    /// A self-contained HTML page: metadata of both versions, then the inline diff.
    Html,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Loads the config named on the command line, or the embedded default when the default
/// path does not exist.
fn load_config(path: &Path) -> Result<Config> {
    if !path.exists() && path == Path::new("config.toml") {
        return Ok(Config::from_toml(
            config::EXAMPLE,
            Path::new("(embedded default config)"),
            Path::new("."),
        )?);
    }
    Ok(Config::load(path)?)
}

fn open_store(cfg: &Config) -> Result<Store> {
    let store = Store::open(&cfg.database)
        .with_context(|| format!("cannot open database {}", cfg.database.display()))?;
    store.set_synchronous(cfg.store.synchronous)?;
    Ok(store)
}

/// The database of `poll` and `run`, created when missing; a new database and a
/// configuration without feeds are said on stderr, so that a mistyped `database` path
/// is not a silent new archive.
fn open_or_create_store(cfg: &Config) -> Result<Store> {
    let created = !cfg.database.exists();
    let store = open_store(cfg)?;
    if created {
        eprintln!("stet: created a new database at {}", cfg.database.display());
    }
    if cfg.feeds.is_empty() {
        eprintln!("stet: no [[feed]] in the configuration: nothing to poll");
    }
    Ok(store)
}

/// The database of a command that works on the archive (lists, shows, diffs,
/// re-extracts): it must exist already, so that a mistyped `database` path is an error
/// instead of a new, empty archive.
fn open_archive(cfg: &Config) -> Result<Store> {
    if !cfg.database.exists() {
        bail!(
            "no database at {} (`stet init` or `stet poll` creates it; is `database` in the config right?)",
            cfg.database.display()
        );
    }
    open_store(cfg)
}

/// The database of a command that only reads the archive (lists, shows, diffs,
/// searches): opened read-only ([`Store::open_read_only`]), so archives on read-only
/// media and backups can be read, and nothing is written. A database of an older schema
/// is opened writable once to be upgraded.
fn open_archive_read_only(cfg: &Config) -> Result<Store> {
    if !cfg.database.exists() {
        return open_archive(cfg);
    }
    match Store::open_read_only(&cfg.database) {
        Err(crate::store::StoreError::Outdated { .. }) => open_archive(cfg),
        other => other.with_context(|| format!("cannot open database {}", cfg.database.display())),
    }
}

/// Runs the parsed command; returns the process exit code.
///
/// # Errors
/// Any failure that stops the command (exit code 2).
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Init => init(&cli.config),
        Command::Poll { all } => {
            let cfg = load_config(&cli.config)?;
            poll(cfg, all)
        }
        Command::Run => {
            let cfg = load_config(&cli.config)?;
            daemon(cfg)
        }
        Command::Feeds { json } => {
            let store = open_archive_read_only(&load_config(&cli.config)?)?;
            feeds(&store, json)
        }
        Command::Articles { json } => {
            let store = open_archive_read_only(&load_config(&cli.config)?)?;
            articles(&store, json)
        }
        Command::Versions { article, json } => {
            let store = open_archive_read_only(&load_config(&cli.config)?)?;
            versions(&store, &article, json)
        }
        Command::Show { version, format } => {
            let store = open_archive_read_only(&load_config(&cli.config)?)?;
            show(&store, version, format)
        }
        Command::Reextract {
            article,
            all: _,
            force,
        } => {
            let cfg = load_config(&cli.config)?;
            let mut store = open_archive(&cfg)?;
            reextract_cmd(&mut store, &cfg, article.as_deref(), force)
        }
        Command::Changes {
            since,
            feed,
            kind,
            limit,
            json,
            format,
        } => {
            let store = open_archive_read_only(&load_config(&cli.config)?)?;
            let filter = ChangeFilter {
                since: since.as_deref().map(parse_since).transpose()?,
                feed_url: feed,
                kind,
                limit,
                ..ChangeFilter::default()
            };
            changes_cmd(
                &store,
                &filter,
                if json { ChangesFormat::Json } else { format },
            )
        }
        Command::Diff {
            first,
            new,
            format,
            color,
        } => {
            let store = open_archive_read_only(&load_config(&cli.config)?)?;
            diff_cmd(&store, &first, new, format, color)
        }
    }
}

fn reextract_cmd(
    store: &mut Store,
    cfg: &Config,
    article: Option<&str>,
    force: bool,
) -> Result<i32> {
    let ids = match article {
        Some(a) => vec![store.find_article(a)?],
        None if force => store.articles()?.iter().map(|a| a.id).collect(),
        None => store.articles_to_reextract(crate::extract::EXTRACTOR_VERSION)?,
    };
    let (mut rebuilt, mut failed, mut articles) = (0, 0, 0);
    for id in ids {
        let article = store.article(id)?;
        let noise = cfg.noise_for(article.feed_config_url.as_deref());
        let mut touched = false;
        for v in store.versions(id)? {
            match snapshot::reextract(store, &article, &v, &noise, force) {
                Ok(true) => {
                    rebuilt += 1;
                    touched = true;
                }
                Ok(false) => {}
                Err(snapshot::ReextractError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    failed += 1;
                    eprintln!("version {} of {}: {e}", v.id, article.url);
                }
            }
        }
        articles += usize::from(touched);
    }
    eprintln!("re-extracted {rebuilt} version(s) of {articles} article(s); {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}

/// Parses `--since`: RFC 3339, a date, or an age such as `2d`.
fn parse_since(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Some(t) = crate::extract::parse_any_time(s) {
        return Ok(t);
    }
    let age = humantime::parse_duration(s).with_context(|| {
        format!("--since {s:?}: not a time (2024-05-01T00:00:00Z), a date or an age (2d)")
    })?;
    Ok(chrono::Utc::now() - crate::schedule::delta(age))
}

fn changes_cmd(store: &Store, filter: &ChangeFilter, format: ChangesFormat) -> Result<i32> {
    let list = changes::list(store, filter)?;
    let mut out = std::io::stdout().lock();
    match format {
        ChangesFormat::Json => return print_json(&list),
        ChangesFormat::Atom => write!(out, "{}", notify::atom::feed(store, &list)?)?,
        ChangesFormat::Text => {
            for c in &list {
                let versions = match (c.old_version, c.new_version) {
                    (Some(o), Some(n)) => format!("v{o} -> v{n}"),
                    (None, Some(n)) => format!("v{n}"),
                    _ => "event".to_string(),
                };
                writeln!(
                    out,
                    "{}  {}  {}  {}\n    {}\n    {}",
                    c.at,
                    c.article_id
                        .map_or_else(|| "feed".to_string(), |id| format!("article {id}")),
                    versions,
                    c.title.as_deref().unwrap_or(""),
                    c.summary,
                    c.article_url
                        .as_deref()
                        .or(c.feed_url.as_deref())
                        .unwrap_or("")
                )?;
            }
        }
    }
    Ok(0)
}

fn init(path: &Path) -> Result<i32> {
    if path.exists() {
        eprintln!("{} exists; leaving it as it is", path.display());
    } else {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(path, config::EXAMPLE)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    let cfg = Config::load(path)?;
    let store = open_store(&cfg)?;
    eprintln!(
        "database {} ready (schema version {})",
        cfg.database.display(),
        store.schema_version()?
    );
    store.close();
    Ok(0)
}

/// Exit status when another poller holds the database.
const EXIT_BUSY: i32 = 3;

/// Takes the database's poll lock (an advisory lock on `DATABASE.lock`), so that two
/// pollers never fetch and write the same articles at once. None when another process
/// holds it; the lock is released when the file is dropped or the process ends.
fn poll_lock(cfg: &Config) -> Result<Option<std::fs::File>> {
    let mut name = cfg.database.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => {
            eprintln!(
                "stet: another `stet poll` or `stet run` is working on {}; nothing done",
                cfg.database.display()
            );
            Ok(None)
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn poll(cfg: Config, all: bool) -> Result<i32> {
    let mut store = open_or_create_store(&cfg)?;
    let Some(_lock) = poll_lock(&cfg)? else {
        return Ok(EXIT_BUSY);
    };
    let poller = Poller::new(cfg.clone())?;
    let rt = runtime()?;
    let report = rt
        .block_on(poller.poll_once(&mut store, all))
        .with_context(|| format!("poll failed on database {}", cfg.database.display()))?;
    match rt.block_on(notify::after_poll(&mut store, &cfg)) {
        Ok(n) => {
            for f in &n.failures {
                eprintln!("notification failed: {}", crate::redact::text(f));
            }
        }
        Err(e) => eprintln!("notifications: {e}"),
    }
    store.close();
    let masked = crate::redact::text;
    for f in &report.feeds_failed {
        eprintln!("feed failed: {}: {}", masked(&f.url), masked(&f.error));
    }
    for e in &report.article_errors {
        eprintln!("article failed: {}", masked(e));
    }
    if report.articles_deferred > 0 {
        let hosts: Vec<String> = report
            .deferred_hosts
            .iter()
            .map(|(host, until)| format!("{host} until {}", crate::store::fmt_time(*until)))
            .collect();
        eprintln!(
            "{} article(s) deferred while their host backs off after failures: {}; they are rescheduled for then",
            report.articles_deferred,
            hosts.join(", ")
        );
    }
    for (old, new) in &report.feeds_moved {
        eprintln!(
            "feed moved: {} -> {} (permanent redirects; update config.toml)",
            crate::redact::text(old),
            crate::redact::text(new)
        );
    }
    tracing::info!(
        feeds = report.feeds_polled,
        failed = report.feeds_failed.len(),
        new_entries = report.new_entries,
        articles = report.articles_checked,
        versions = report.versions_created,
        "poll finished"
    );
    Ok(if report.feeds_failed.is_empty() { 0 } else { 1 })
}

fn daemon(cfg: Config) -> Result<i32> {
    let mut store = open_or_create_store(&cfg)?;
    let Some(_lock) = poll_lock(&cfg)? else {
        return Ok(EXIT_BUSY);
    };
    let poller = Poller::new(cfg.clone())?;
    let cancel = poller.cancel_flag();
    let rt = runtime()?;
    rt.block_on(async {
        let stop = async {
            #[cfg(unix)]
            {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
                tokio::select! {
                    r = tokio::signal::ctrl_c() => r?,
                    _ = term.recv() => {}
                }
            }
            #[cfg(not(unix))]
            tokio::signal::ctrl_c().await?;
            anyhow::Ok(())
        };
        tokio::pin!(stop);
        tracing::info!("stet daemon started");
        loop {
            let report = {
                let cycle = poller.poll_once(&mut store, false);
                tokio::pin!(cycle);
                tokio::select! {
                    r = &mut cycle => r,
                    s = &mut stop => {
                        s?;
                        tracing::info!("shutdown requested; finishing the write in flight");
                        cancel.store(true, Ordering::SeqCst);
                        cycle.await
                    }
                }
            };
            match report {
                Ok(r) => {
                    for f in &r.feeds_failed {
                        tracing::warn!(feed = %f.url, error = %f.error, "feed failed");
                    }
                    for e in &r.article_errors {
                        tracing::warn!("article failed: {e}");
                    }
                }
                Err(e) => tracing::error!(error = %e, database = %cfg.database.display(), "poll cycle failed; retrying later"),
            }
            if cancel.load(Ordering::SeqCst) {
                break;
            }
            if let Err(e) = notify::after_poll(&mut store, &cfg).await {
                tracing::error!(error = %e, "notifications failed");
            }
            let next_due = [store.next_due(), store.next_notification_due()]
                .into_iter()
                .filter_map(|r| r.ok().flatten())
                .min();
            let wait = poll::sleep_until_due(
                next_due,
                chrono::Utc::now(),
                std::time::Duration::from_secs(60),
            )
            .max(std::time::Duration::from_secs(1));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                s = &mut stop => { s?; break; }
            }
        }
        anyhow::Ok(())
    })?;
    store.close();
    tracing::info!("stet daemon stopped");
    Ok(0)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(0)
}

fn feeds(store: &Store, json: bool) -> Result<i32> {
    // Credentials in feed URLs (`https://user:password@...`) are masked.
    let mut rows = store.feeds()?;
    let mask = |s: &mut String| *s = crate::redact::string(s);
    for f in &mut rows {
        mask(&mut f.url);
        mask(&mut f.config_url);
        f.last_error.as_mut().map(mask);
        f.moved_to.as_mut().map(mask);
    }
    if json {
        return print_json(&rows);
    }
    let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map_or_else(|| "-".to_string(), crate::store::fmt_time)
    };
    println!(
        "{:>4}  {:<10}  {:<20}  {:<20}  URL / LAST ERROR",
        "ID", "STATUS", "LAST SUCCESS", "NEXT POLL"
    );
    for f in rows {
        println!(
            "{:>4}  {:<10}  {:<20}  {:<20}  {}",
            f.id,
            f.status,
            t(f.last_success_at),
            t(f.next_poll_at),
            f.url
        );
        if f.config_url != f.url {
            println!("{:>60}moved from {}", "", f.config_url);
        }
        if let Some(e) = &f.last_error {
            println!("{:>60}{e}", "");
        }
    }
    Ok(0)
}

fn articles(store: &Store, json: bool) -> Result<i32> {
    let rows = store.articles()?;
    if json {
        return print_json(&rows);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>5}  {:>8}  {:<20}  TITLE / URL",
        "ID", "VERSIONS", "LAST CHANGED"
    )?;
    for a in rows {
        writeln!(
            out,
            "{:>5}  {:>8}  {:<20}  {}\n{:>39}{}",
            a.id,
            a.versions,
            a.last_changed.as_deref().unwrap_or("-"),
            a.title.as_deref().unwrap_or("(untitled)"),
            "",
            a.url
        )?;
    }
    Ok(0)
}

fn versions(store: &Store, article: &str, json: bool) -> Result<i32> {
    let id = store.find_article(article)?;
    let rows = store.versions(id)?;
    if json {
        return print_json(&rows);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>6}  {:<20}  {:<8}  {:<24}  {:<18}  TITLE",
        "ID", "FETCHED", "COMMENTS", "CHANGES", "REPORTED"
    )?;
    for v in rows {
        let changes: Vec<&str> = v.changes.iter().map(|c| c.as_str()).collect();
        // Whether the version was reported as a change, and if not, why (the noise
        // control that held it back).
        let reported = match &v.suppressed {
            Some(why) => format!("no: {why}"),
            None => "yes".to_string(),
        };
        writeln!(
            out,
            "{:>6}  {:<20}  {:<8}  {:<24}  {:<18}  {}",
            v.id,
            v.fetched_at,
            v.comments.as_str(),
            changes.join(","),
            reported,
            v.title.as_deref().unwrap_or("")
        )?;
    }
    Ok(0)
}

fn show(store: &Store, id: i64, format: ShowFormat) -> Result<i32> {
    let v = store.version(id)?;
    match format {
        ShowFormat::Text => {
            let text = store.blob_text(&v.text_sha256)?;
            writeln!(std::io::stdout().lock(), "{text}")?;
            Ok(0)
        }
        ShowFormat::Html => {
            let html = store.blob_text(&v.html_sha256)?;
            writeln!(std::io::stdout().lock(), "{html}")?;
            Ok(0)
        }
        ShowFormat::Json => {
            let mut value = serde_json::to_value(&v)?;
            value["text"] = store.blob_text(&v.text_sha256)?.into();
            value["html"] = store.blob_text(&v.html_sha256)?.into();
            print_json(&value)
        }
    }
}

/// The two versions a `diff` compares.
fn diff_pair(store: &Store, first: &str, new: Option<i64>) -> Result<(Version, Version)> {
    match new {
        Some(new_id) => {
            let old_id: i64 = first
                .parse()
                .with_context(|| format!("{first:?} is not a version id"))?;
            let (old, new) = (store.version(old_id)?, store.version(new_id)?);
            if old.article_id != new.article_id {
                bail!(
                    "versions {old_id} and {new_id} belong to different articles ({} and {}); \
                     `stet versions ARTICLE` lists an article's versions",
                    old.article_id,
                    new.article_id
                );
            }
            Ok((old, new))
        }
        None => {
            let article = store.find_article(first)?;
            let mut all = store.versions(article)?;
            if all.len() < 2 {
                bail!(
                    "article {first} has {} version(s); a diff needs two",
                    all.len()
                );
            }
            let new = all.pop().expect("two versions");
            let old = all.pop().expect("two versions");
            Ok((old, new))
        }
    }
}

fn diff_cmd(
    store: &Store,
    first: &str,
    new: Option<i64>,
    format: DiffFormat,
    color: ColorChoice,
) -> Result<i32> {
    let (old, new) = diff_pair(store, first, new)?;
    let old_doc = diff::document(&old, &store.blob_text(&old.text_sha256)?);
    let new_doc = diff::document(&new, &store.blob_text(&new.text_sha256)?);
    match format {
        DiffFormat::Unified => {
            let label = |v: &Version| format!("version {} ({})", v.id, v.fetched_at);
            let text = diff::unified(&old_doc, &new_doc, &label(&old), &label(&new));
            write!(std::io::stdout().lock(), "{text}")?;
            Ok(0)
        }
        DiffFormat::Word => {
            let colored = match color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stdout().is_terminal()
                }
            };
            let marks = if colored {
                diff::Marks::Color
            } else {
                diff::Marks::Plain
            };
            write!(
                std::io::stdout().lock(),
                "{}",
                diff::word(&old_doc, &new_doc, marks)
            )?;
            Ok(0)
        }
        DiffFormat::Html => {
            let url = store.article(new.article_id)?.url;
            let page = diff::html_page(&old, &new, &old_doc, &new_doc, &url);
            write!(std::io::stdout().lock(), "{page}")?;
            Ok(0)
        }
        DiffFormat::Json => print_json(&serde_json::json!({
            "article_id": new.article_id,
            "old": old,
            "new": new,
            "changes": new.changes,
            "hunks": diff::hunks(&old_doc, &new_doc),
        })),
    }
}
