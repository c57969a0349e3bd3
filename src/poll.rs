//! One poll cycle: fetch due feeds, archive new entries' articles, re-check due articles.
//!
//! This is the processor that joins the stages (as Miniflux's `processor`): it asks the
//! [`crate::http`] fetcher for bytes, [`crate::feed`] for entries, [`crate::extract`] for
//! the article, decides with [`crate::diff`] whether a new version exists, and hands the
//! result to [`crate::store`]. A failing feed or article is recorded and reported; the
//! cycle goes on with the others.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::diff::{self, Facts};
use crate::extract::{self, EXTRACTOR_VERSION};
use crate::http::{self, Fetcher};
use crate::schedule;
use crate::store::{self, Article, ArticleCheck, ChangeKind, NewVersion, Store, StoreError};
use crate::text;

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
    /// Stage and cause.
    pub error: String,
}

/// What a poll cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Feeds fetched (200 or 304) and parsed.
    pub feeds_polled: usize,
    /// Feeds that failed.
    pub feeds_failed: Vec<FeedFailure>,
    /// Entries new in this cycle.
    pub new_entries: usize,
    /// Articles fetched (first archive or re-check).
    pub articles_checked: usize,
    /// Versions stored.
    pub versions_created: usize,
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
    /// The fetch or the extraction failed.
    Failed(String),
}

/// Runs poll cycles with one configuration.
pub struct Poller {
    config: Config,
    fetcher: Fetcher,
    cancel: Arc<AtomicBool>,
}

/// The content hash: sha256 over the normalized title, byline, comment state and body
/// text. Anything else in the page (scripts, nonces, ads, "updated 5 minutes ago"
/// labels outside the body) cannot change it.
pub fn content_hash(
    title: Option<&str>,
    byline: Option<&str>,
    comments: extract::CommentState,
    text: &str,
) -> store::Sha256 {
    let doc = format!(
        "title: {}\nbyline: {}\ncomments: {}\n{}",
        title.unwrap_or(""),
        byline.unwrap_or(""),
        comments.as_str(),
        text
    );
    store::blob::sha256(text::normalize_for_hash(&doc).as_bytes())
}

impl Poller {
    /// A poller for `config`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: Config) -> Result<Poller, PollError> {
        let fetcher = Fetcher::new(&config.user_agent, config.http)?;
        Ok(Poller {
            config,
            fetcher,
            cancel: Arc::new(AtomicBool::new(false)),
        })
    }

    /// A flag that, once set, makes the running cycle stop after the item in flight.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Polls every due feed (every feed when `all`), archives the articles of new
    /// entries, then re-checks every due article (every tracked one when `all`).
    ///
    /// # Errors
    /// Only a store failure; feed and article failures are in the report.
    pub async fn poll_once(&self, store: &mut Store, all: bool) -> Result<PollReport, PollError> {
        store.sync_feeds(&self.config.feeds)?;
        let mut report = PollReport::default();
        let mut checked_now = std::collections::HashSet::new();
        for feed in store.due_feeds(Utc::now(), all)? {
            if self.cancelled() {
                report.interrupted = true;
                return Ok(report);
            }
            match self.poll_feed(store, &feed).await? {
                Ok(new_articles) => {
                    report.feeds_polled += 1;
                    for article_id in new_articles {
                        if self.cancelled() {
                            report.interrupted = true;
                            return Ok(report);
                        }
                        report.new_entries += 1;
                        let article = store.article(article_id)?;
                        self.tally(
                            &mut report,
                            &article,
                            self.check_article(store, &article).await?,
                        );
                        checked_now.insert(article_id);
                    }
                }
                Err(error) => {
                    tracing::debug!(feed = %feed.url, %error, "feed poll failed");
                    report.feeds_failed.push(FeedFailure {
                        url: feed.url.clone(),
                        error,
                    });
                }
            }
        }
        for article in store.due_articles(Utc::now(), all)? {
            if checked_now.contains(&article.id) {
                continue;
            }
            if self.cancelled() {
                report.interrupted = true;
                return Ok(report);
            }
            self.tally(
                &mut report,
                &article,
                self.check_article(store, &article).await?,
            );
        }
        Ok(report)
    }

    fn tally(&self, report: &mut PollReport, article: &Article, outcome: CheckOutcome) {
        report.articles_checked += 1;
        match outcome {
            CheckOutcome::NewVersion(..) => report.versions_created += 1,
            CheckOutcome::Failed(e) => report.article_errors.push(format!("{}: {e}", article.url)),
            CheckOutcome::HttpStatus(s) => report
                .article_errors
                .push(format!("{}: HTTP status {s}", article.url)),
            CheckOutcome::Unchanged | CheckOutcome::NotModified => {}
        }
    }

    /// Fetches and parses one feed, records its new entries. The outer error is a store
    /// failure; the inner one the feed's own failure, already recorded on the feed.
    async fn poll_feed(
        &self,
        store: &mut Store,
        feed: &store::Feed,
    ) -> Result<Result<Vec<i64>, String>, PollError> {
        let started = Utc::now();
        let interval = std::time::Duration::from_secs(feed.interval_secs.max(1));
        let next = schedule::next_feed_poll(started, interval);
        let (record, result) = self.fetcher.get(&feed.url, &feed.validators).await;
        store.log_fetch(&record, Some(feed.id), None)?;
        let failure = |msg: String| -> Result<Result<Vec<i64>, String>, PollError> { Ok(Err(msg)) };
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("{} failed: {}", e.stage.as_str(), e.message);
                store.feed_polled(feed.id, started, next, None, None, Some(&msg))?;
                return failure(msg);
            }
        };
        if resp.not_modified() {
            store.feed_polled(feed.id, started, next, None, None, None)?;
            return Ok(Ok(Vec::new()));
        }
        if !resp.is_success() {
            let msg = format!("HTTP status {}", resp.status);
            store.feed_polled(feed.id, started, next, None, None, Some(&msg))?;
            return failure(msg);
        }
        let parsed = match crate::feed::parse(&resp.body, resp.final_url.as_str()) {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("parse failed: {e}");
                store.feed_polled(feed.id, started, next, None, None, Some(&msg))?;
                return failure(msg);
            }
        };
        let created = store.record_entries(feed.id, &parsed.entries, started)?;
        store.feed_polled(
            feed.id,
            started,
            next,
            Some(&resp.validators),
            parsed.title.as_deref(),
            None,
        )?;
        tracing::info!(feed = %feed.url, entries = parsed.entries.len(), new = created.len(), "feed polled");
        Ok(Ok(created))
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
        let interval = article
            .feed_interval_secs
            .map_or(self.config.interval, std::time::Duration::from_secs);
        let next = schedule::next_article_check(
            article.first_seen,
            started,
            interval,
            &self.config.recheck,
        );
        let (record, result) = self.fetcher.get(&article.url, &article.validators).await;
        store.log_fetch(&record, article.feed_id, Some(article.id))?;
        let mut check = ArticleCheck {
            article_id: article.id,
            checked_at: started,
            next_check_at: next,
            validators: None,
            raw_sha256: None,
            error: None,
            version: None,
        };
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("{} failed: {}", e.stage.as_str(), e.message);
                tracing::debug!(article = %article.url, error = %msg, "article fetch failed");
                check.error = Some(&msg);
                store.save_check(&check)?;
                return Ok(CheckOutcome::Failed(msg));
            }
        };
        if resp.not_modified() {
            store.save_check(&check)?;
            return Ok(CheckOutcome::NotModified);
        }
        if !resp.is_success() {
            let msg = format!("HTTP status {}", resp.status);
            check.error = Some(&msg);
            store.save_check(&check)?;
            return Ok(CheckOutcome::HttpStatus(resp.status));
        }
        let raw_sha = store::blob::sha256(&resp.body);
        check.validators = Some(&resp.validators);
        check.raw_sha256 = Some(raw_sha);
        let latest = store.latest_version(article.id)?;
        if latest
            .as_ref()
            .is_some_and(|v| v.extractor_version == EXTRACTOR_VERSION)
            && article.last_raw_sha256 == Some(raw_sha)
        {
            store.save_check(&check)?;
            return Ok(CheckOutcome::NotModified);
        }
        let decoded = http::decode::decode_html(&resp.body, resp.charset());
        let extracted = match extract::extract(&decoded.text, resp.final_url.as_str()) {
            Ok(x) => x,
            Err(e) => {
                let msg = format!("extraction failed: {e}");
                tracing::debug!(article = %article.url, error = %msg, "extraction failed");
                check.error = Some(&msg);
                store.save_check(&check)?;
                return Ok(CheckOutcome::Failed(msg));
            }
        };
        let title = extracted
            .title
            .as_deref()
            .or(article.entry.title.as_deref());
        let byline = extracted
            .byline
            .as_deref()
            .or(article.entry.author.as_deref());
        let published = extracted.published.or(article.entry.published);
        let published_s = published.map(store::fmt_time);
        let content_sha = content_hash(title, byline, extracted.comments, &extracted.text);
        if latest
            .as_ref()
            .is_some_and(|v| v.content_sha256 == hex::encode(content_sha))
        {
            store.save_check(&check)?;
            return Ok(CheckOutcome::Unchanged);
        }
        let body_sha = store::blob::sha256(text::normalize_for_hash(&extracted.text).as_bytes());
        let body_hex = hex::encode(body_sha);
        let facts = Facts {
            title,
            byline,
            published: published_s.as_deref(),
            comments: extracted.comments,
            body_sha256: &body_hex,
        };
        let kinds = diff::change_kinds(latest.as_ref().map(Facts::from).as_ref(), &facts);
        check.version = Some(NewVersion {
            raw: &resp.body,
            html: &extracted.html,
            text: &extracted.text,
            content_sha256: content_sha,
            body_sha256: body_sha,
            title,
            byline,
            published,
            canonical_url: extracted.canonical_url.as_deref(),
            lang: extracted.lang.as_deref(),
            comments: extracted.comments,
            changes: &kinds,
            extractor_version: EXTRACTOR_VERSION,
        });
        let id = store
            .save_check(&check)?
            .expect("a check with a version stores it");
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
