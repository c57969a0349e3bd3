//! One poll cycle: fetch due feeds, archive new entries' articles, re-check due articles.
//!
//! This is the processor that joins the stages (as Miniflux's `processor`): it asks the
//! [`crate::http`] fetcher for bytes, [`crate::feed`] for entries, [`crate::extract`] for
//! the article, decides with [`crate::diff`] whether a new version exists, and hands the
//! result to [`crate::store`]. A failing feed or article is recorded and reported; the
//! cycle goes on with the others.
//!
//! Fetches run concurrently (at most `politeness.global_concurrency` at once, the
//! per-host limits applied by the fetcher) while every database write happens here, on
//! the task that owns the [`Store`]: feeds in the order they were listed, articles in
//! the order their pages are ready (so that one slow page holds no other back). Writes
//! are grouped in transactions (at most 256 items or one second each).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use crate::bench;
use crate::config::Config;
use crate::diff::{self, Facts};
use crate::extract::{self, EXTRACTOR_VERSION};
use crate::guard::{self, Verdict};
use crate::http::{self, FetchError, FetchRecord, Fetcher, Request, Response, Stage};
use crate::identity;
use crate::multipage;
use crate::noise;
use crate::schedule;
use crate::snapshot;
use crate::store::bases::BasePool;
use crate::store::{
    self, Article, ArticleCheck, ChangeKind, FeedPoll, NewEvent, Store, StoreError,
};

/// Errors that stop a poll cycle: only the database failing does.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The store failed; what was written before stays.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] http::FetchError),
}

/// A feed that failed in a cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFailure {
    /// The feed URL.
    pub url: String,
    /// Stage and cause (`http_status failed: HTTP 503`).
    pub error: String,
}

/// What a poll cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Feeds fetched (200 or 304) and parsed.
    pub feeds_polled: usize,
    /// Feeds that failed.
    pub feeds_failed: Vec<FeedFailure>,
    /// Feeds whose stored URL was updated after persistent permanent redirects:
    /// (old URL, new URL).
    pub feeds_moved: Vec<(String, String)>,
    /// Entries new in this cycle.
    pub new_entries: usize,
    /// Articles fetched (first archive or re-check).
    pub articles_checked: usize,
    /// Versions stored.
    pub versions_created: usize,
    /// Articles not fetched because their host is backing off after failures (they are
    /// rescheduled for when the backoff ends).
    pub articles_deferred: usize,
    /// The hosts (host key, [`http::host_key`]) of the deferred articles, each with the
    /// end of its backoff (the latest seen).
    pub deferred_hosts: std::collections::BTreeMap<String, DateTime<Utc>>,
    /// Article fetches or extractions that failed, as `url: cause`.
    pub article_errors: Vec<String>,
    /// True when the cycle stopped early on a shutdown request.
    pub interrupted: bool,
}

/// What one article check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// A new version was stored, with these change kinds.
    NewVersion(i64, Vec<ChangeKind>),
    /// Fetched and extracted; the content hash equals the latest version's.
    Unchanged,
    /// 304 Not Modified, or the same raw bytes as last time.
    NotModified,
    /// The server answered with a non-2xx status; nothing stored.
    HttpStatus(u16),
    /// A 200 that is an error, "busy" or paywall page; nothing stored.
    SoftError(String),
    /// The extraction collapsed against the stored version; nothing stored.
    ExtractionFailed(String),
    /// Not fetched: the host is backing off until then.
    Deferred(DateTime<Utc>),
    /// The fetch or the extraction failed (`stage failed: cause`).
    Failed(String),
}

/// Runs poll cycles with one configuration.
pub struct Poller {
    config: Config,
    fetcher: Fetcher,
    cancel: Arc<AtomicBool>,
    /// Prepares fetched pages ([`Prepared`]), one thread per CPU: more would only hold
    /// more parsed pages in memory.
    cpu: CpuPool,
    /// Delta bases for raw pages: stored full pages that similar pages are compressed
    /// against, bounded in memory.
    bases: Arc<BasePool>,
    /// Whether `bases` was seeded from the archive (once per poller).
    bases_seeded: AtomicBool,
}

/// The CPU work on a fetched page, done off the writer task while other pages are
/// fetched and written: the raw body's hash and, unless the raw bytes are those of the
/// last check, decoding, extraction and the raw page's compression (as a delta against
/// a resembling stored page when the poller holds one, see [`store::bases`]).
pub struct Prepared {
    /// The raw body's hash, or for a multi-page article the hash of all its pages
    /// ([`multipage::series_hash`]).
    raw_sha: store::Sha256,
    /// Why the body is not a web page ([`guard::not_a_page`]), when it is not.
    not_a_page: Option<String>,
    work: Option<Work>,
    /// The article's later pages, when it is split over several ([`multipage`]).
    pages: multipage::Pages,
}

/// Decoding and extraction of one page.
struct Work {
    /// The encoding the page was decoded with.
    encoding: &'static encoding_rs::Encoding,
    page_text: String,
    extracted: Result<extract::Extracted, extract::ExtractError>,
    /// The raw body packed as a blob, possibly as a delta, with its sketch (None:
    /// compressed when stored).
    raw_packed: Option<(store::blob::Packed, store::bases::Sketch)>,
    /// The encodings of the later pages of a multi-page article, in order.
    page_encodings: Vec<&'static encoding_rs::Encoding>,
}

impl Work {
    /// Decodes and extracts `resp` and its `later` pages (one article over all of
    /// them); packs the raw body against `bases` when there is no later page.
    fn of(
        resp: &Response,
        later: &[multipage::Page],
        drop_selectors: &[String],
        bases: Option<&BasePool>,
    ) -> Work {
        let decode_span = bench::span(bench::Stage::Decode);
        let decoded = http::decode::decode_html(&resp.body, resp.charset());
        let page_text = guard::page_text(&decoded.text);
        let later: Vec<(http::decode::Decoded, &multipage::Page)> = later
            .iter()
            .map(|p| (http::decode::decode_html(&p.body, p.charset.as_deref()), p))
            .collect();
        drop(decode_span);
        let extract_span = bench::span(bench::Stage::Extract);
        let first = (decoded.text.as_str(), resp.final_url.as_str());
        let extracted = if later.is_empty() {
            extract::extract_with(first.0, first.1, drop_selectors)
        } else {
            let pages: Vec<(String, String)> = later
                .iter()
                .map(|(d, p)| (d.text.clone(), p.url.clone()))
                .collect();
            multipage::extract_pages(first, &pages, drop_selectors)
        };
        drop(extract_span);
        let raw_packed = bases
            .filter(|_| later.is_empty())
            .and_then(|b| store::blob::pack(&resp.body, b).ok());
        Work {
            encoding: decoded.encoding,
            page_text,
            extracted,
            raw_packed,
            page_encodings: later.iter().map(|(d, _)| d.encoding).collect(),
        }
    }
}

/// Orders items so that consecutive ones are on different hosts (round robin over the
/// hosts, each host's items in their order). With per-host concurrency 1, a run of one
/// host's articles would otherwise hold every global fetch slot behind one connection.
fn interleave_by_host(articles: Vec<Article>) -> Vec<Article> {
    let mut queues: Vec<std::collections::VecDeque<Article>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for a in articles {
        let host = url::Url::parse(&a.url)
            .ok()
            .and_then(|u| http::host_key(&u))
            .unwrap_or_default();
        let i = *index.entry(host).or_insert_with(|| {
            queues.push(Default::default());
            queues.len() - 1
        });
        queues[i].push_back(a);
    }
    let mut out = Vec::with_capacity(queues.iter().map(|q| q.len()).sum());
    while !queues.is_empty() {
        queues.retain_mut(|q| match q.pop_front() {
            Some(a) => {
                out.push(a);
                true
            }
            None => false,
        });
    }
    out
}

/// Articles are read from the store and checked this many at a time: enough for a page
/// to hold many hosts (a page is in id order, and ids come a feed at a time), so that
/// per-host limits do not starve the global fetch slots; few enough (a few MB) that a
/// cycle's memory does not grow with the archive.
const ARTICLE_PAGE: usize = 4096;

/// How often a cycle waiting for fetches looks for a shutdown request.
const CANCEL_CHECK: std::time::Duration = std::time::Duration::from_millis(200);

/// Writes of a cycle are grouped in transactions of at most this many items...
const BATCH_ITEMS: usize = 256;
/// The delta base pool is seeded from the raw pages of this many most recent versions...
const SEED_RECENT_VERSIONS: usize = 5000;
/// ... taking at most this many bases (fewer when the pool's budget is reached first).
const SEED_MAX_BASES: usize = 64;
/// ...or this long, whichever comes first: a crash loses at most one batch, whose
/// items are simply checked again.
const BATCH_TIME: std::time::Duration = std::time::Duration::from_secs(1);

type Fetched = (FetchRecord, Result<Response, FetchError>);

impl Poller {
    /// A poller for `config`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: Config) -> Result<Poller, PollError> {
        Self::with_lookup(config, Arc::new(http::address::SystemLookup))
    }

    /// A poller whose fetcher resolves names with `lookup` (tests stand in for DNS).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn with_lookup(
        config: Config,
        lookup: Arc<dyn http::address::Lookup>,
    ) -> Result<Poller, PollError> {
        let fetcher = Fetcher::with_lookup(
            &config.user_agent,
            config.http,
            config.politeness.clone(),
            lookup,
        )?;
        Ok(Poller {
            config,
            fetcher,
            cancel: Arc::new(AtomicBool::new(false)),
            cpu: CpuPool::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
            bases: Arc::new(BasePool::default()),
            bases_seeded: AtomicBool::new(false),
        })
    }

    /// A flag that, once set, makes the running cycle stop after the item in flight.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    /// The noise controls of an article's feed: the global ones plus the feed's own.
    fn noise_for(&self, article: &Article) -> crate::config::Noise {
        self.config.noise_for(article.feed_config_url.as_deref())
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Polls every due feed (every feed when `all`), archives the articles of new
    /// entries, then re-checks every due article (every tracked one when `all`).
    /// `all` also overrides hosts' backoff, as an explicit request.
    ///
    /// # Errors
    /// Only a store failure; feed and article failures are in the report.
    pub async fn poll_once(&self, store: &mut Store, all: bool) -> Result<PollReport, PollError> {
        store.sync_feeds(&self.config.feeds)?;
        self.fetcher.seed_robots(store.robots_entries()?);
        self.fetcher.seed_backoff(store.host_backoff()?);
        let mut report = PollReport::default();
        let result = self.cycle(store, all, &mut report).await;
        // The batch in flight: what was written stays, whatever happened.
        let committed = store.commit_batch();
        // Whatever happened, keep what was learnt about robots.txt and hosts.
        store.save_robots(&self.fetcher.take_new_robots())?;
        store.save_host_backoff(&self.fetcher.backoff_state())?;
        for r in self.fetcher.take_side_records() {
            store.log_fetch(&r, None, None)?;
        }
        result?;
        committed?;
        Ok(report)
    }

    async fn cycle(
        &self,
        store: &mut Store,
        all: bool,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        let global = self.config.politeness.global_concurrency;
        let feeds = store.due_feeds(Utc::now(), all)?;
        let mut batch = Batch::start(store)?;
        let mut new_articles = Vec::new();
        {
            let mut results =
                futures_util::stream::iter(feeds.into_iter().map(|feed| async move {
                    let started = Utc::now();
                    let fetched = self
                        .fetcher
                        .fetch(&Request {
                            url: &feed.url,
                            validators: &feed.validators,
                            allow_private: true,
                            force: all,
                        })
                        .await;
                    (feed, started, fetched)
                }))
                .buffered(global);
            while let Some((feed, started, fetched)) =
                self.next_unless_cancelled(&mut results).await
            {
                let created = self.save_feed(store, &feed, started, fetched, report)?;
                report.new_entries += created.len();
                new_articles.extend(created);
                batch.tick(store)?;
            }
        }
        if self.cancelled() {
            report.interrupted = true;
            return Ok(());
        }
        // The articles of new entries first, then the due ones, a page at a time: a
        // cycle holds at most a page of articles whatever the archive's size.
        let now = Utc::now();
        let mut seen = HashSet::new();
        new_articles.retain(|id| seen.insert(*id));
        for ids in new_articles.chunks(ARTICLE_PAGE) {
            let page = ids
                .iter()
                .map(|id| store.article(*id))
                .collect::<Result<Vec<_>, _>>()?;
            if !self
                .check_page(store, page, all, &mut batch, report)
                .await?
            {
                return Ok(());
            }
        }
        let mut cursor = None;
        loop {
            let (mut page, next) =
                store.due_articles_page(now, all, cursor.as_ref(), ARTICLE_PAGE)?;
            if page.is_empty() {
                return Ok(());
            }
            cursor = next;
            page.retain(|a| !seen.contains(&a.id));
            if !self
                .check_page(store, page, all, &mut batch, report)
                .await?
            {
                return Ok(());
            }
        }
    }

    /// Fetches, prepares and saves one page of articles (at most
    /// `politeness.global_concurrency` in flight). False when the cycle was cancelled.
    async fn check_page(
        &self,
        store: &mut Store,
        articles: Vec<Article>,
        all: bool,
        batch: &mut Batch,
        report: &mut PollReport,
    ) -> Result<bool, PollError> {
        if self.cancelled() {
            report.interrupted = true;
            return Ok(false);
        }
        let global = self.config.politeness.global_concurrency;
        if !articles.is_empty() && !self.bases_seeded.swap(true, Ordering::SeqCst) {
            self.seed_bases(store)?;
        }
        let articles = interleave_by_host(articles);
        let mut results =
            futures_util::stream::iter(articles.into_iter().map(|article| async move {
                let started = Utc::now();
                let fetched = self.fetch_article(&article, all).await;
                let pages = self.follow_pages(&article, &fetched, all).await;
                let drop_selectors = self.noise_for(&article).drop_selectors;
                let (fetched, prepared) = prepare(
                    fetched,
                    pages,
                    &self.cpu,
                    article.last_raw_sha256,
                    drop_selectors,
                    &self.bases,
                )
                .await;
                (article, started, fetched, prepared)
            }))
            // In the order pages are ready: the writer never waits on one slow page while
            // others are prepared (each article is its own row, so order does not matter).
            .buffer_unordered(global);
        while let Some((article, started, fetched, prepared)) =
            self.next_unless_cancelled(&mut results).await
        {
            let outcome = self.save_article(store, &article, started, fetched, prepared)?;
            self.tally(report, &article, outcome);
            batch.tick(store)?;
        }
        if self.cancelled() {
            report.interrupted = true;
            return Ok(false);
        }
        Ok(true)
    }

    /// Fills the delta base pool with the pages most used as bases by the archive's
    /// recent versions, while they fit.
    fn seed_bases(&self, store: &Store) -> Result<(), PollError> {
        let _t = bench::span(bench::Stage::HashCompress);
        for (hash, bytes) in store.recent_bases(SEED_RECENT_VERSIONS, SEED_MAX_BASES)? {
            if !self.bases.has_room(bytes.len()) {
                break;
            }
            self.bases
                .admit(hash, &bytes, &store::bases::Sketch::of(&bytes));
        }
        Ok(())
    }

    /// The next finished item of a cycle's stream, or None when the stream is done or the
    /// cycle is cancelled. Cancellation is looked at every [`CANCEL_CHECK`], so that a
    /// shutdown does not wait for slow downloads: the fetches in flight are dropped with
    /// the stream (their items are simply checked at the next poll).
    async fn next_unless_cancelled<S>(&self, results: &mut S) -> Option<S::Item>
    where
        S: futures_util::Stream + Unpin,
    {
        loop {
            if self.cancelled() {
                return None;
            }
            if let Ok(next) = tokio::time::timeout(CANCEL_CHECK, results.next()).await {
                return next;
            }
        }
    }

    fn tally(&self, report: &mut PollReport, article: &Article, outcome: CheckOutcome) {
        report.articles_checked += 1;
        match outcome {
            CheckOutcome::NewVersion(..) => report.versions_created += 1,
            CheckOutcome::Failed(e)
            | CheckOutcome::SoftError(e)
            | CheckOutcome::ExtractionFailed(e) => {
                report.article_errors.push(format!("{}: {e}", article.url))
            }
            CheckOutcome::HttpStatus(s) => report
                .article_errors
                .push(format!("{}: http_status failed: HTTP {s}", article.url)),
            CheckOutcome::Deferred(until) => {
                report.articles_deferred += 1;
                let host = url::Url::parse(&article.url)
                    .ok()
                    .and_then(|u| http::host_key(&u))
                    .unwrap_or_default();
                let latest = report.deferred_hosts.entry(host).or_insert(until);
                *latest = (*latest).max(until);
            }
            CheckOutcome::Unchanged | CheckOutcome::NotModified => {}
        }
    }

    /// Whether the article's host is trusted ([`Fetcher::trusts_link`]: a loopback or
    /// LAN feed's own pages under the default setting).
    async fn allows_private(&self, article: &Article) -> bool {
        match &article.feed_url {
            Some(f) => self.fetcher.trusts_link(f, &article.url).await,
            None => false,
        }
    }

    async fn fetch_article(&self, article: &Article, force: bool) -> Fetched {
        let allow_private = self.allows_private(article).await;
        self.fetcher
            .fetch(&Request {
                url: &article.url,
                validators: &article.validators,
                allow_private,
                force,
            })
            .await
    }

    /// The later pages of an article split over several ([`multipage::follow`]), fetched
    /// like the article itself; their links are read on the CPU pool.
    async fn follow_pages(
        &self,
        article: &Article,
        fetched: &Fetched,
        force: bool,
    ) -> multipage::Pages {
        let Ok(first) = &fetched.1 else {
            return multipage::Pages::default();
        };
        if !multipage::may_have_next(&first.body) {
            return multipage::Pages::default();
        }
        let allow_private = self.allows_private(article).await;
        multipage::follow(
            &self.fetcher,
            first,
            &article.url,
            allow_private,
            force,
            |body, charset, url| {
                self.cpu.run(move || {
                    let decoded = http::decode::decode_html(&body, charset.as_deref());
                    multipage::links(&decoded.text, &url)
                })
            },
        )
        .await
    }

    /// Records one feed poll and its new entries; returns the articles created.
    fn save_feed(
        &self,
        store: &mut Store,
        feed: &store::Feed,
        started: DateTime<Utc>,
        (record, result): Fetched,
        report: &mut PollReport,
    ) -> Result<Vec<i64>, PollError> {
        let _t = bench::span(bench::Stage::Sqlite);
        let fetch_id = store.log_fetch(&record, Some(feed.id), None)?;
        let interval = std::time::Duration::from_secs(feed.interval_secs.max(1));
        let mut poll = FeedPoll {
            feed_id: feed.id,
            polled_at: started,
            next_poll_at: schedule::next_feed_poll(started, interval),
            status: "ok",
            failures: 0,
            failing_since: None,
            error: None,
            validators: None,
            title: None,
            moved: None,
        };
        let resp = match result {
            Ok(r) => r,
            Err(e) if e.stage == Stage::Backoff => {
                // Nothing was sent: keep the state, come back when the host is free.
                poll.status = &feed.status;
                poll.failures = feed.failures;
                poll.failing_since = feed.failing_since;
                poll.next_poll_at = e.retry_at.unwrap_or(poll.next_poll_at);
                let msg = e.short();
                poll.error = Some(&msg);
                store.save_feed_poll(&poll)?;
                store.set_fetch_outcome(fetch_id, "deferred", None, None)?;
                tracing::info!(feed = %feed.url, error = %msg, "feed deferred");
                return Ok(Vec::new());
            }
            Err(e) => {
                let status = if e.stage == Stage::Robots {
                    "disallowed"
                } else {
                    "failing"
                };
                let msg = e.short();
                self.feed_failed(store, feed, &mut poll, &msg, status, None, report)?;
                return Ok(Vec::new());
            }
        };
        if resp.status == 410 {
            let msg = "http_status failed: HTTP 410 Gone; the feed is disabled (remove it from config.toml)".to_string();
            self.feed_failed(store, feed, &mut poll, &msg, "gone", None, report)?;
            return Ok(Vec::new());
        }
        if !resp.not_modified() && !resp.is_success() {
            let msg = format!("http_status failed: HTTP {}", resp.status);
            self.feed_failed(
                store,
                feed,
                &mut poll,
                &msg,
                "failing",
                resp.retry_after,
                report,
            )?;
            return Ok(Vec::new());
        }
        // A permanent redirect seen at this poll: count it, move the feed once it stays.
        let mut moved_now = None;
        if let Some(target) = resp.permanent_redirect() {
            let target = target.as_str();
            let count = if feed.moved_to.as_deref() == Some(target) {
                feed.moved_count + 1
            } else {
                1
            };
            if count >= self.config.lifecycle.moved_after {
                moved_now = Some(target.to_string());
            } else {
                poll.moved = Some((target, count));
            }
        }
        let mut created = Vec::new();
        let parsed;
        if resp.not_modified() {
            store.set_fetch_outcome(fetch_id, "not_modified", None, None)?;
        } else {
            parsed = match crate::feed::parse_http(
                &resp.body,
                resp.final_url.as_str(),
                resp.charset(),
            ) {
                Ok(p) => p,
                Err(e) => {
                    let msg = match &resp.unknown_coding {
                        Some(c) => format!(
                            "decode failed: unknown Content-Encoding {c:?} and the body is not a feed as sent: {e}"
                        ),
                        None => format!("parse failed: {e}"),
                    };
                    store.set_fetch_outcome(
                        fetch_id,
                        "error",
                        Some(msg.split(' ').next().unwrap_or("parse")),
                        Some(&msg),
                    )?;
                    self.feed_failed(store, feed, &mut poll, &msg, "failing", None, report)?;
                    return Ok(Vec::new());
                }
            };
            let mut entries = parsed.entries.clone();
            if entries.len() > self.config.http.max_entries {
                tracing::warn!(feed = %feed.url, entries = entries.len(), cap = self.config.http.max_entries, "feed has more entries than http.max_entries; reading the first ones");
                entries.truncate(self.config.http.max_entries);
            }
            created = store.record_entries(feed.id, &entries, started)?;
            let hint = parsed.min_interval.max(resp.max_age);
            poll.next_poll_at = schedule::next_feed_poll_hinted(started, interval, hint);
            poll.validators = Some(&resp.validators);
            poll.title = parsed.title.as_deref();
            store.set_fetch_outcome(
                fetch_id,
                if created.is_empty() {
                    "ok"
                } else {
                    "new_entries"
                },
                None,
                None,
            )?;
            tracing::info!(feed = %feed.url, entries = entries.len(), new = created.len(), "feed polled");
        }
        report.feeds_polled += 1;
        store.save_feed_poll(&poll)?;
        if let Some(target) = moved_now {
            if store.move_feed(feed.id, &target, started)? {
                tracing::warn!(feed = %feed.url, to = %target, "feed moved permanently; stored URL updated (update config.toml too)");
                report.feeds_moved.push((feed.url.clone(), target));
            } else {
                tracing::warn!(feed = %feed.url, to = %target, "feed moved to a URL that another feed already has; not moved");
            }
        }
        Ok(created)
    }

    /// Records a failed feed poll: failures, status (dead after `lifecycle.dead_after`),
    /// backoff and the error.
    #[allow(clippy::too_many_arguments)]
    fn feed_failed<'a>(
        &self,
        store: &mut Store,
        feed: &store::Feed,
        poll: &mut FeedPoll<'a>,
        msg: &'a str,
        status: &'static str,
        retry_after: Option<std::time::Duration>,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        let interval = std::time::Duration::from_secs(feed.interval_secs.max(1));
        let failures = feed.failures + 1;
        let since = feed.failing_since.unwrap_or(poll.polled_at);
        let max = self.config.politeness.backoff_max;
        let mut status = status;
        let wait = match status {
            "disallowed" => max,
            _ => schedule::backoff(interval, failures, max, retry_after),
        };
        if status == "failing"
            && poll.polled_at - since >= schedule::delta(self.config.lifecycle.dead_after)
        {
            status = "dead";
        }
        poll.status = status;
        poll.failures = failures;
        poll.failing_since = Some(since);
        poll.next_poll_at = poll.polled_at + schedule::delta(wait);
        poll.error = Some(msg);
        store.save_feed_poll(poll)?;
        if status != feed.status && matches!(status, "gone" | "dead") {
            store.add_event(&NewEvent {
                article_id: None,
                feed_id: Some(feed.id),
                at: poll.polled_at,
                kind: if status == "gone" {
                    "feed_gone"
                } else {
                    "feed_dead"
                },
                detail: Some(msg),
            })?;
        }
        // `stet poll` prints one line per failed feed and the daemon logs the report:
        // this is the detail for debugging.
        tracing::debug!(feed = %feed.url, error = %msg, status = %status, "feed poll failed");
        report.feeds_failed.push(FeedFailure {
            url: feed.url.clone(),
            error: msg.to_string(),
        });
        Ok(())
    }

    /// Fetches one article and stores a new version when its content changed.
    ///
    /// # Errors
    /// Only a store failure.
    pub async fn check_article(
        &self,
        store: &mut Store,
        article: &Article,
    ) -> Result<CheckOutcome, PollError> {
        let started = Utc::now();
        let fetched = self.fetch_article(article, false).await;
        let pages = self.follow_pages(article, &fetched, false).await;
        let (fetched, prepared) = prepare(
            fetched,
            pages,
            &self.cpu,
            article.last_raw_sha256,
            self.noise_for(article).drop_selectors,
            &self.bases,
        )
        .await;
        self.save_article(store, article, started, fetched, prepared)
    }

    /// Judges a fetched article and writes the outcome in one transaction.
    fn save_article(
        &self,
        store: &mut Store,
        article: &Article,
        started: DateTime<Utc>,
        (record, result): Fetched,
        prepared: Option<Prepared>,
    ) -> Result<CheckOutcome, PollError> {
        // Time on the writer task counts as SQLite, less the nested stages below.
        let _t = bench::span(bench::Stage::Sqlite);
        let fetch_id = store.log_fetch(&record, article.feed_id, Some(article.id))?;
        let interval = article
            .feed_interval_secs
            .map_or(self.config.interval, std::time::Duration::from_secs);
        let next = schedule::next_article_check(
            article.first_seen,
            started,
            interval,
            &self.config.recheck,
        );
        let mut check = ArticleCheck {
            article_id: article.id,
            checked_at: started,
            next_check_at: next,
            validators: None,
            raw_sha256: None,
            error: None,
            version: None,
            status: None,
            event: None,
        };
        let removed = article.status == "removed";
        let restore = |check: &mut ArticleCheck<'_>| {
            if removed {
                check.status = Some("ok");
                check.event = Some(("restored", "available again"));
            }
        };
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                let msg = e.short();
                tracing::debug!(article = %article.url, error = %msg, "article fetch failed");
                check.error = Some(&msg);
                let outcome = match e.stage {
                    Stage::Backoff => {
                        let at = e.retry_at.unwrap_or(started);
                        check.next_check_at = Some(at);
                        store.save_check(&check)?;
                        store.set_fetch_outcome(fetch_id, "deferred", None, None)?;
                        return Ok(CheckOutcome::Deferred(at));
                    }
                    Stage::Robots => "disallowed",
                    _ => "error",
                };
                store.save_check(&check)?;
                store.set_fetch_outcome(fetch_id, outcome, None, None)?;
                return Ok(CheckOutcome::Failed(msg));
            }
        };
        if resp.not_modified() {
            restore(&mut check);
            store.save_check(&check)?;
            store.set_fetch_outcome(fetch_id, "not_modified", None, None)?;
            return Ok(CheckOutcome::NotModified);
        }
        if !resp.is_success() {
            let msg = format!("http_status failed: HTTP {}", resp.status);
            check.error = Some(&msg);
            let mut outcome = "error";
            let detail = format!("unavailable (HTTP {})", resp.status);
            if matches!(resp.status, 404 | 410) {
                outcome = "removed";
                if !removed && store.latest_version(article.id)?.is_some() {
                    check.status = Some("removed");
                    check.event = Some(("removed", &detail));
                }
            }
            if let Some(wait) = resp.retry_after {
                let at = started + schedule::delta(wait);
                check.next_check_at = check.next_check_at.map(|n| n.max(at));
            }
            store.save_check(&check)?;
            store.set_fetch_outcome(fetch_id, outcome, Some("http_status"), None)?;
            return Ok(CheckOutcome::HttpStatus(resp.status));
        }
        let (raw_sha, not_a_page, work, pages) = match prepared {
            Some(p) => (p.raw_sha, p.not_a_page, p.work, p.pages),
            None => (
                store::blob::sha256(&resp.body),
                guard::not_a_page(resp.content_type.as_deref(), &resp.body),
                None,
                multipage::Pages::default(),
            ),
        };
        // A multi-page article: every page's fetch is logged; one page missing makes the
        // check incomplete, and no version (its paragraphs would look deleted). Its first
        // page is always fetched whole (no validators kept), so that a 304 for it never
        // hides an edit on a later page.
        for r in &pages.records {
            store.log_fetch(r, article.feed_id, Some(article.id))?;
        }
        if let Some(why) = &pages.failure {
            let msg = format!("pages failed: {why}");
            tracing::info!(article = %article.url, error = %msg, "article page missing");
            check.error = Some(&msg);
            store.save_check(&check)?;
            store.set_fetch_outcome(fetch_id, "error", None, Some(&msg))?;
            return Ok(CheckOutcome::Failed(msg));
        }
        let no_validators = http::Validators::default();
        let validators = if pages.pages.is_empty() {
            &resp.validators
        } else {
            &no_validators
        };
        // An article moved for good (301/308): recorded once per new address, on the
        // same article, which keeps its identity and history.
        let moved = resp
            .permanent_redirect()
            .map(|to| format!("{} -> {to}", article.url));
        if let Some(detail) = moved.as_deref()
            && check.event.is_none()
            && store
                .article_events(article.id)?
                .iter()
                .find(|e| e.kind == "redirected")
                .is_none_or(|e| e.detail.as_deref() != Some(detail))
        {
            check.event = Some(("redirected", detail));
        }
        let latest = store.latest_version(article.id)?;
        if latest
            .as_ref()
            .is_some_and(|v| v.extractor_version == EXTRACTOR_VERSION)
            && article.last_raw_sha256 == Some(raw_sha)
        {
            check.validators = Some(validators);
            restore(&mut check);
            store.save_check(&check)?;
            store.set_fetch_outcome(fetch_id, "unchanged", None, None)?;
            return Ok(CheckOutcome::NotModified);
        }
        if let Some(why) = not_a_page {
            let msg = format!("extract failed: {why}");
            tracing::info!(article = %article.url, error = %msg, "not a web page");
            check.error = Some(&msg);
            store.save_check(&check)?;
            store.set_fetch_outcome(fetch_id, "soft_error", Some("extract"), Some(&msg))?;
            return Ok(CheckOutcome::SoftError(msg));
        }
        let noise = self.noise_for(article);
        let Work {
            encoding,
            page_text,
            extracted,
            raw_packed,
            page_encodings,
        } = match work {
            Some(w) => w,
            None => Work::of(&resp, &pages.pages, &noise.drop_selectors, None),
        };
        // A consent or login wall (often on another host, reached by a redirect) is not
        // the article: no version, no report; the fetch log says what it was.
        let extracted_chars = extracted.as_ref().ok().map(|x| x.text.chars().count());
        if let Some(why) =
            crate::interstitial::detect(&page_text, &article.url, &resp.final_url, extracted_chars)
                .or_else(|| {
                    crate::interstitial::detect_refresh(
                        &resp.body,
                        &page_text,
                        &resp.final_url,
                        extracted_chars,
                    )
                })
        {
            let msg = format!("extract failed: {why}");
            tracing::info!(article = %article.url, error = %msg, "interstitial");
            check.error = Some(&msg);
            check.event = None;
            store.save_check(&check)?;
            store.set_fetch_outcome(fetch_id, "interstitial", Some("extract"), Some(&msg))?;
            return Ok(CheckOutcome::SoftError(msg));
        }
        let prev_len = match &latest {
            Some(v) => Some(store.blob_text(&v.text_sha256)?.chars().count()),
            None => None,
        };
        let new_len = extracted.as_ref().ok().map(|x| x.text.chars().count());
        let verdict = guard::judge(&page_text, new_len, prev_len);
        let extracted = match (extracted, verdict) {
            (_, Verdict::SoftError(why)) => {
                let msg = format!("extract failed: soft error page, not an article: {why}");
                tracing::info!(article = %article.url, error = %msg, "soft error page");
                check.error = Some(&msg);
                store.save_check(&check)?;
                store.set_fetch_outcome(fetch_id, "soft_error", Some("extract"), Some(&msg))?;
                return Ok(CheckOutcome::SoftError(msg));
            }
            (_, Verdict::Collapsed(why)) => {
                let msg = format!("extract failed: {why}");
                tracing::warn!(article = %article.url, error = %msg, "extraction collapsed");
                check.error = Some(&msg);
                check.event = Some(("extraction_failed", &why));
                store.save_check(&check)?;
                store.set_fetch_outcome(
                    fetch_id,
                    "extraction_failed",
                    Some("extract"),
                    Some(&msg),
                )?;
                return Ok(CheckOutcome::ExtractionFailed(msg));
            }
            (Ok(x), Verdict::Usable) => x,
            (Err(e), Verdict::Usable) => {
                let msg = match &resp.unknown_coding {
                    Some(c) => format!("decode failed: unknown Content-Encoding {c:?}: {e}"),
                    None => format!("extract failed: {e}"),
                };
                tracing::debug!(article = %article.url, error = %msg, "extraction failed");
                check.error = Some(&msg);
                store.save_check(&check)?;
                store.set_fetch_outcome(fetch_id, "error", Some("extract"), Some(&msg))?;
                return Ok(CheckOutcome::Failed(msg));
            }
        };
        // One article per story: the fetch's final URL or the page's canonical URL may
        // show that this article is one already archived under another URL; then it is
        // merged into that one, and this check continues there.
        let seen = identity::Seen {
            requested: &article.url,
            final_url: &resp.final_url,
            canonical: extracted.canonical_url.as_deref(),
            title: extracted.title.as_deref(),
            text: &extracted.text,
            at: started,
        };
        let merged;
        // Before two articles are compared (and perhaps merged and re-labelled), their
        // versions are brought up to this extractor: like is compared with like.
        let mut refresh = |store: &mut Store, id: i64| -> Result<(), StoreError> {
            let owner = store.article(id)?;
            let noise = self.noise_for(&owner);
            for v in store.versions(id)? {
                if v.extractor_version == EXTRACTOR_VERSION {
                    continue;
                }
                match snapshot::reextract(store, &owner, &v, &noise, false) {
                    Ok(_) => {}
                    Err(snapshot::ReextractError::Store(e)) => return Err(e),
                    Err(e) => {
                        tracing::warn!(article = %owner.url, version = v.id, error = %e, "re-extraction failed");
                    }
                }
            }
            Ok(())
        };
        let (article, latest) = match identity::settle(store, article.id, &seen, &mut refresh)? {
            Some(into) => {
                merged = store.article(into)?;
                check.article_id = into;
                check.next_check_at = schedule::next_article_check(
                    merged.first_seen,
                    started,
                    interval,
                    &self.config.recheck,
                );
                (&merged, store.latest_version(into)?)
            }
            // Settling may have brought the latest version up to this extractor.
            None => (article, store.latest_version(article.id)?),
        };
        check.validators = Some(validators);
        check.raw_sha256 = Some(raw_sha);
        restore(&mut check);
        // Compare like with like: a latest version made by an older extractor is rebuilt
        // from its raw page with this one first, so an upgrade is not an edit.
        let latest = match latest {
            Some(v) if v.extractor_version != EXTRACTOR_VERSION => {
                match snapshot::reextract(store, article, &v, &noise, false) {
                    Ok(_) => Some(store.version(v.id)?),
                    Err(snapshot::ReextractError::Store(e)) => return Err(e.into()),
                    Err(e) => {
                        tracing::warn!(article = %article.url, version = v.id, error = %e, "re-extraction failed");
                        Some(v)
                    }
                }
            }
            other => other,
        };
        let snap = snapshot::build(extracted, &article.entry, &noise);
        if latest
            .as_ref()
            .is_some_and(|v| v.content_sha256 == hex::encode(snap.content_sha256))
        {
            store.save_check(&check)?;
            store.set_fetch_outcome(fetch_id, "unchanged", None, None)?;
            return Ok(CheckOutcome::Unchanged);
        }
        let body_hex = hex::encode(snap.body_sha256);
        let published_s = snap.published.map(store::fmt_time);
        let facts = Facts {
            title: snap.title.as_deref(),
            byline: snap.byline.as_deref(),
            published: published_s.as_deref(),
            comments: snap.extracted.comments,
            body_sha256: &body_hex,
            headline: snap.extracted.headline.as_deref(),
            social_title: snap.extracted.social_title.as_deref(),
            document_title: snap.extracted.document_title.as_deref(),
        };
        let kinds = diff::change_kinds(latest.as_ref().map(Facts::from).as_ref(), &facts);
        let suppressed = noise::suppression(
            &noise,
            store,
            article.id,
            &hex::encode(snap.content_sha256),
            latest.as_ref(),
            &kinds,
            &snap.extracted.text,
        )?;
        let page_raws: Vec<store::PageRaw<'_>> = pages
            .pages
            .iter()
            .zip(&page_encodings)
            .map(|(p, e)| store::PageRaw {
                url: &p.url,
                raw: &p.body,
                encoding: Some(e.name()),
            })
            .collect();
        let mut version =
            snap.as_new_version(&resp.body, &kinds, suppressed, Some(encoding.name()));
        version.pages = &page_raws;
        check.version = Some(version);
        let id = store
            .save_check_with(&check, raw_packed.as_ref().map(|(p, _)| p))?
            .expect("a check with a version stores it");
        // A page stored full may serve as the base of the similar pages that follow.
        if let Some((packed, sketch)) = &raw_packed
            && packed.base.is_none()
            && store.is_full_blob(&raw_sha)?
        {
            self.bases.admit(raw_sha, &resp.body, sketch);
        }
        store.set_fetch_outcome(fetch_id, "new_version", None, None)?;
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        tracing::info!(article = %article.url, version = id, changes = ?names, "new version");
        Ok(CheckOutcome::NewVersion(id, kinds))
    }
}

/// The time until the next due item, capped at `max`, or `max` when nothing is due.
pub fn sleep_until_due(
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    max: std::time::Duration,
) -> std::time::Duration {
    match next {
        Some(t) if t <= now => std::time::Duration::ZERO,
        Some(t) => (t - now).to_std().unwrap_or(max).min(max),
        None => max,
    }
}

/// The threads that prepare fetched pages ([`Prepared`]), one per CPU. A page is queued
/// as soon as it is fetched, and a free thread takes the next one at once, even while
/// the writer task is busy writing (async permits would only pass on when the writer
/// next polls the stream, leaving a CPU idle meanwhile). Fixed threads also bound the
/// parsed pages held in memory, and the allocator's per-thread arenas. A rayon pool; its
/// threads end when it is dropped.
struct CpuPool {
    pool: rayon::ThreadPool,
}

impl CpuPool {
    fn new(threads: usize) -> CpuPool {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("stet-prepare-{i}"))
            .build()
            .expect("start the prepare threads");
        CpuPool { pool }
    }

    /// Runs `f` on a pool thread and waits for its result (a panic in `f` is raised
    /// here). When the waiting future is dropped first (the cycle was cancelled or
    /// failed), a job not yet started is skipped.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            if tx.is_closed() {
                return;
            }
            let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        });
        match rx.await.expect("a prepare job always answers") {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Hashes, decodes and extracts a fetched page on a [`CpuPool`] thread, so that the
/// writer task only writes. Nothing for a response that is not a 2xx with a body; no
/// extraction when the raw bytes' hash is `last`, the hash of the last check's.
async fn prepare(
    fetched: Fetched,
    pages: multipage::Pages,
    cpu: &CpuPool,
    last: Option<store::Sha256>,
    drop_selectors: Vec<String>,
    bases: &Arc<BasePool>,
) -> (Fetched, Option<Prepared>) {
    if !matches!(&fetched.1, Ok(r) if r.is_success() && !r.not_modified()) {
        return (fetched, None);
    }
    let bases = Arc::clone(bases);
    cpu.run(move || {
        let prepared = match &fetched.1 {
            Ok(resp) => {
                let raw_sha =
                    multipage::series_hash(&store::blob::sha256(&resp.body), &pages.pages);
                // Nothing to prepare for the same raw bytes as last time, for a body
                // that is not a web page or for an incomplete series of pages (the
                // writer reports them).
                let not_a_page = guard::not_a_page(resp.content_type.as_deref(), &resp.body);
                let work =
                    (last != Some(raw_sha) && not_a_page.is_none() && pages.failure.is_none())
                        .then(|| Work::of(resp, &pages.pages, &drop_selectors, Some(&bases)));
                Some(Prepared {
                    raw_sha,
                    not_a_page,
                    work,
                    pages,
                })
            }
            Err(_) => None,
        };
        (fetched, prepared)
    })
    .await
}

/// The open write batch of a cycle (see [`BATCH_ITEMS`]).
struct Batch {
    items: usize,
    since: std::time::Instant,
}

impl Batch {
    fn start(store: &mut Store) -> Result<Batch, PollError> {
        store.begin_batch()?;
        Ok(Batch {
            items: 0,
            since: std::time::Instant::now(),
        })
    }

    /// Counts a written item; commits and opens the next batch when this one is full.
    fn tick(&mut self, store: &mut Store) -> Result<(), PollError> {
        self.items += 1;
        if self.items >= BATCH_ITEMS || self.since.elapsed() >= BATCH_TIME {
            store.commit_batch()?;
            *self = Batch::start(store)?;
        }
        Ok(())
    }
}
