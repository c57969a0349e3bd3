//! Fetching: polite HTTP GET with conditional requests, limits, and decoding of the body.
//!
//! - Conditional GET follows RFC 9110 §13 (`If-None-Match` from a stored `ETag`,
//!   `If-Modified-Since` from a stored `Last-Modified`; `304 Not Modified` means the
//!   stored copy is current).
//! - Redirects are followed here, not by reqwest, so that each hop is checked: at most
//!   `max_redirects`, a loop stops at once, each target's address and robots.txt are
//!   checked, and a chain of permanent redirects (301/308) is reported.
//! - Content codings are removed by [`coding`] while the body streams in; the decoded
//!   body is dropped whole once it passes the size cap, so a huge, endless or
//!   "bomb" response cannot exhaust memory.
//! - Politeness: per-host concurrency and delay ([`polite`]), robots.txt ([`robots`]),
//!   per-host backoff after 429, 503 and connection failures (honouring `Retry-After`,
//!   RFC 9110 §10.2.3), and address safety ([`address`]).
//!
//! The fetcher never touches the database: every attempt, failed or not, comes back as a
//! [`FetchRecord`] for the caller to store; robots.txt and backoff state are handed in
//! and out as values.

pub mod address;
pub mod coding;
pub mod decode;
pub mod polite;
pub mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::config::{HttpLimits, Politeness};
use robots::{RobotsEntry, Rules};

/// Stored validators of a previous response, sent back for a conditional GET
/// (RFC 9110 §13.1.1 and §13.1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The previous response's `ETag`, sent as `If-None-Match`.
    pub etag: Option<String>,
    /// The previous response's `Last-Modified`, sent as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A completed HTTP exchange (any status, including 304 and errors like 404).
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The URL after redirects.
    pub final_url: Url,
    /// Validators to store for the next conditional GET.
    pub validators: Validators,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body after content decoding (empty for 304), at most the configured cap.
    pub body: Vec<u8>,
    /// `Retry-After` of a 429 or 503 response (RFC 9110 §10.2.3), seconds or HTTP-date
    /// form, as a wait from now.
    pub retry_after: Option<Duration>,
    /// `Cache-Control: max-age` of the response (RFC 9111 §5.2.2.1).
    pub max_age: Option<Duration>,
    /// The redirects followed, in order: status and target.
    pub redirects: Vec<(u16, Url)>,
    /// Content codings left undecoded because stet does not know them.
    pub unknown_coding: Option<String>,
}

impl Response {
    /// True for 304 Not Modified.
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `charset` parameter of the `Content-Type` header, if any.
    pub fn charset(&self) -> Option<&str> {
        self.content_type.as_deref().and_then(decode::charset_param)
    }

    /// The target when every redirect followed was permanent (301 or 308, RFC 9110
    /// §15.4.2 and §15.4.9): the URL that the request should use from now on.
    pub fn permanent_redirect(&self) -> Option<&Url> {
        (!self.redirects.is_empty() && self.redirects.iter().all(|(s, _)| matches!(s, 301 | 308)))
            .then_some(&self.final_url)
    }
}

/// True when two URLs name the same host (case-insensitive; ports may differ).
pub fn same_host(a: &Url, b: &Url) -> bool {
    matches!((a.host_str(), b.host_str()), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y))
}

/// The outcome of one request: a response, or a redirect to follow (status, Location).
enum Hop {
    Done(Box<Response>),
    Redirect(u16, String),
}

/// The key under which politeness limits and backoff apply: the host and, when it is
/// not the scheme's default, the port (two servers on one machine are two hosts).
pub fn host_key(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

/// The stage at which fetching or processing a URL failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The URL could not be used (bad scheme, no host).
    Url,
    /// The URL's host is a non-public address and that is not allowed.
    Address,
    /// robots.txt disallows the URL (or could not be read).
    Robots,
    /// The host or feed is backing off after failures; nothing was sent.
    Backoff,
    /// DNS lookup or TCP connection failed.
    Connect,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// The connect or total timeout passed.
    Timeout,
    /// Too many redirects, or a redirect loop.
    Redirect,
    /// The server answered with an error status.
    HttpStatus,
    /// Reading the body failed.
    Body,
    /// The body is larger than the configured cap.
    TooLarge,
    /// The content coding or the character set could not be decoded.
    Decode,
    /// The feed could not be parsed.
    Parse,
    /// No usable article could be extracted (or the page is an error page).
    Extract,
    /// The database failed.
    Store,
    /// Any other transport failure.
    Request,
}

impl Stage {
    /// A short lowercase name, as stored in the fetch log.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Url => "url",
            Stage::Address => "address",
            Stage::Robots => "robots",
            Stage::Backoff => "backoff",
            Stage::Connect => "connect",
            Stage::Tls => "tls",
            Stage::Timeout => "timeout",
            Stage::Redirect => "redirect",
            Stage::HttpStatus => "http_status",
            Stage::Body => "body",
            Stage::TooLarge => "too_large",
            Stage::Decode => "decode",
            Stage::Parse => "parse",
            Stage::Extract => "extract",
            Stage::Store => "store",
            Stage::Request => "request",
        }
    }
}

/// A fetch that produced no HTTP response to use.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {} failed: {message}", crate::redact::text(url), stage.as_str())]
pub struct FetchError {
    /// The URL that was asked for.
    pub url: String,
    /// Where it failed.
    pub stage: Stage,
    /// The cause, in words.
    pub message: String,
    /// When nothing was sent because of a backoff or `Retry-After`: when to try again.
    pub retry_at: Option<DateTime<Utc>>,
}

impl FetchError {
    fn new(url: &str, stage: Stage, message: impl Into<String>) -> FetchError {
        FetchError {
            url: url.to_string(),
            stage,
            message: message.into(),
            retry_at: None,
        }
    }

    /// `stage failed: cause`, without the URL (for a row that already names it).
    pub fn short(&self) -> String {
        format!("{} failed: {}", self.stage.as_str(), self.message)
    }
}

/// One HTTP attempt, as recorded in the fetch log whatever its outcome.
#[derive(Debug, Clone)]
pub struct FetchRecord {
    /// The URL asked for.
    pub url: String,
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Body bytes received (after content decoding).
    pub bytes: u64,
    /// Wall time of the whole exchange, in milliseconds.
    pub duration_ms: u64,
    /// The error, when the fetch failed.
    pub error: Option<String>,
    /// The stage that failed, when the fetch failed.
    pub stage: Option<Stage>,
}

/// What to fetch, and how.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The absolute http(s) URL.
    pub url: &'a str,
    /// Validators for a conditional GET.
    pub validators: &'a Validators,
    /// Trust the URL's own host: it may be on any address (a feed's own URL, or a link
    /// that [`Fetcher::trusts_link`] allows). Redirects to other hosts are still checked
    /// against `allow_private_addresses`.
    pub allow_private: bool,
    /// Ignore a host's backoff (an explicit `poll --all`).
    pub force: bool,
}

/// Backoff state of one host (RFC 9110 `Retry-After` and exponential backoff).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostBackoff {
    /// Consecutive failures (429, 503, connect errors, timeouts).
    pub failures: u32,
    /// No request before this time.
    pub blocked_until: Option<DateTime<Utc>>,
}

/// Least backoff of a host after its first failure; doubled at each further one.
pub const HOST_BACKOFF_BASE: Duration = Duration::from_secs(60);

/// A robots.txt entry, its rules, and the transport failure when it was unreachable.
type RobotsState = (RobotsEntry, Rules, Option<(Stage, String)>);
type RobotsCell = Arc<tokio::sync::OnceCell<Arc<RobotsState>>>;

/// An HTTP client with stet's limits, politeness and `User-Agent`. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    /// For trusted hosts (a feed's own): any address ([`address::Plain`]).
    client: reqwest::Client,
    /// For the rest: connects only to the addresses that `allow_private_addresses`
    /// permits ([`address::Guarded`]).
    guarded_client: reqwest::Client,
    lookup: Arc<dyn address::Lookup>,
    access: Arc<address::PrivateAccess>,
    /// Whether a feed host has only non-public addresses, per host name.
    private_hosts: Arc<Mutex<HashMap<String, bool>>>,
    /// Hosts that failed since the last [`Fetcher::seed_backoff`] (this poll): their
    /// backoff holds even for a forced request.
    fresh_failures: Arc<Mutex<std::collections::HashSet<String>>>,
    limits: HttpLimits,
    politeness: Politeness,
    token: String,
    hosts: Arc<polite::HostLimiter>,
    robots: Arc<Mutex<HashMap<String, RobotsCell>>>,
    new_robots: Arc<Mutex<Vec<RobotsEntry>>>,
    backoff: Arc<Mutex<HashMap<String, HostBackoff>>>,
    side_records: Arc<Mutex<Vec<FetchRecord>>>,
}

impl Fetcher {
    /// Builds a client that sends `user_agent`, applies the limits and the default
    /// politeness ([`Politeness::default`]).
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn new(user_agent: &str, limits: HttpLimits) -> Result<Fetcher, FetchError> {
        Self::with_politeness(user_agent, limits, Politeness::default())
    }

    /// As [`Fetcher::new`], with the given politeness settings.
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn with_politeness(
        user_agent: &str,
        limits: HttpLimits,
        politeness: Politeness,
    ) -> Result<Fetcher, FetchError> {
        Self::with_lookup(
            user_agent,
            limits,
            politeness,
            Arc::new(address::SystemLookup),
        )
    }

    /// As [`Fetcher::with_politeness`], resolving names with `lookup` (every connection
    /// and every address check uses it): a test can make a name resolve to any address.
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn with_lookup(
        user_agent: &str,
        limits: HttpLimits,
        politeness: Politeness,
        lookup: Arc<dyn address::Lookup>,
    ) -> Result<Fetcher, FetchError> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(user_agent)
                .connect_timeout(limits.connect_timeout)
                // A backstop only: each exchange has its own deadline of `timeout`
                // (counted once the host's slot is held), whose error says more.
                .timeout(limits.timeout + Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
        };
        let built = |b: reqwest::ClientBuilder| {
            b.build().map_err(|e| {
                FetchError::new("", Stage::Request, format!("cannot build HTTP client: {e}"))
            })
        };
        let access = Arc::new(politeness.allow_private_addresses.clone());
        let client = built(builder().dns_resolver(Arc::new(address::Plain(Arc::clone(&lookup)))))?;
        let guarded_client = built(builder().dns_resolver(Arc::new(address::Guarded {
            lookup: Arc::clone(&lookup),
            access: Arc::clone(&access),
        })))?;
        Ok(Fetcher {
            client,
            guarded_client,
            lookup,
            access,
            private_hosts: Arc::default(),
            fresh_failures: Arc::default(),
            limits,
            token: robots::product_token(user_agent),
            hosts: Arc::new(polite::HostLimiter::new(
                politeness.per_host_concurrency,
                politeness.per_host_delay,
            )),
            politeness,
            robots: Arc::default(),
            new_robots: Arc::default(),
            backoff: Arc::default(),
            side_records: Arc::default(),
        })
    }

    /// The client for a trusted host (any address) or another (guarded).
    fn client(&self, trusted: bool) -> &reqwest::Client {
        if trusted {
            &self.client
        } else {
            &self.guarded_client
        }
    }

    /// True when every address of the URL's host is non-public (a name that does not
    /// resolve is not private: its fetch fails at connect). Cached per host name.
    pub async fn host_is_private(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        if let Some(v) = self.private_hosts.lock().expect("hosts lock").get(host) {
            return *v;
        }
        let private = match address::resolve(&*self.lookup, url).await {
            Ok(ips) => !ips.is_empty() && ips.into_iter().all(|ip| !address::is_public(ip)),
            Err(_) => false,
        };
        self.private_hosts
            .lock()
            .expect("hosts lock")
            .insert(host.to_string(), private);
        private
    }

    /// Whether a link found in the feed at `feed_url` may be fetched as trusted
    /// ([`Request::allow_private`]): only under the default
    /// `allow_private_addresses = false`, only for a link on the feed's own host name,
    /// and only when that host has no public address (a feed on loopback or the LAN
    /// linking to its own pages). Any other link is guarded.
    pub async fn trusts_link(&self, feed_url: &str, link: &str) -> bool {
        if *self.access != address::PrivateAccess::FeedHostOnly {
            return false;
        }
        let (Ok(feed), Ok(link)) = (Url::parse(feed_url), Url::parse(link)) else {
            return false;
        };
        same_host(&feed, &link) && self.host_is_private(&feed).await
    }

    /// Seeds the robots.txt cache with stored entries (stale ones are ignored).
    pub fn seed_robots(&self, entries: Vec<RobotsEntry>) {
        let now = Utc::now();
        let mut map = self.robots.lock().expect("robots lock");
        for e in entries.into_iter().filter(|e| e.fresh(now)) {
            let rules = Rules::new(&e, &self.token);
            if let Some(d) = rules.crawl_delay()
                && let Ok(u) = Url::parse(&e.origin)
                && let Some(h) = host_key(&u)
            {
                self.hosts.set_crawl_delay(&h, d);
            }
            let cell = tokio::sync::OnceCell::new_with(Some(Arc::new((e.clone(), rules, None))));
            map.insert(e.origin.clone(), Arc::new(cell));
        }
    }

    /// robots.txt files fetched since the last call, to be stored.
    pub fn take_new_robots(&self) -> Vec<RobotsEntry> {
        std::mem::take(&mut self.new_robots.lock().expect("robots lock"))
    }

    /// Seeds the per-host backoff state at the start of a poll (failures of earlier
    /// polls: a forced request ignores them, not those seen from now on).
    pub fn seed_backoff(&self, hosts: Vec<(String, HostBackoff)>) {
        self.backoff.lock().expect("backoff lock").extend(hosts);
        self.fresh_failures.lock().expect("backoff lock").clear();
        // A new poll: feed hosts are resolved again (a daemon runs for months).
        self.private_hosts.lock().expect("hosts lock").clear();
    }

    /// The backoff error of `host` when it is blocked now: by a failure seen in this
    /// poll, or by an earlier one unless `force`.
    fn blocked(&self, url: &str, host: &str, force: bool) -> Option<FetchError> {
        let until = self
            .backoff
            .lock()
            .expect("backoff lock")
            .get(host)
            .and_then(|b| b.blocked_until)
            .filter(|t| *t > Utc::now())?;
        if force
            && !self
                .fresh_failures
                .lock()
                .expect("backoff lock")
                .contains(host)
        {
            return None;
        }
        let mut e = FetchError::new(
            url,
            Stage::Backoff,
            format!(
                "host {host} is backing off after failures until {}",
                crate::store::fmt_time(until)
            ),
        );
        e.retry_at = Some(until);
        Some(e)
    }

    /// The per-host backoff state, to be stored.
    pub fn backoff_state(&self) -> Vec<(String, HostBackoff)> {
        let map = self.backoff.lock().expect("backoff lock");
        let mut v: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Fetch records of requests made on the fetcher's own behalf (robots.txt) since
    /// the last call.
    pub fn take_side_records(&self) -> Vec<FetchRecord> {
        std::mem::take(&mut self.side_records.lock().expect("records lock"))
    }

    /// GETs `url`, sending the stored `validators` as a conditional request. The URL is
    /// trusted (any address allowed); robots.txt, backoff and per-host limits apply.
    pub async fn get(
        &self,
        url: &str,
        validators: &Validators,
    ) -> (FetchRecord, Result<Response, FetchError>) {
        self.fetch(&Request {
            url,
            validators,
            allow_private: true,
            force: false,
        })
        .await
    }

    /// Fetches `req.url`: backoff, address and robots.txt checks, then the GET with its
    /// redirects, under the per-host limits.
    ///
    /// Returns the record of the attempt (always) and the response or the error. Any
    /// HTTP status is a response; only failures to get one (connect, timeout, redirect
    /// loop, oversized body, refused address, robots.txt) are errors.
    pub async fn fetch(&self, req: &Request<'_>) -> (FetchRecord, Result<Response, FetchError>) {
        let started_at = Utc::now();
        let clock = Instant::now();
        let result = crate::bench::timed(crate::bench::Stage::Fetch, self.fetch_inner(req)).await;
        let record = FetchRecord {
            url: crate::redact::string(req.url),
            started_at,
            status: result.as_ref().ok().map(|r| r.status),
            bytes: result.as_ref().map_or(0, |r| r.body.len() as u64),
            duration_ms: millis(clock.elapsed()),
            error: result.as_ref().err().map(FetchError::short),
            stage: result.as_ref().err().map(|e| e.stage),
        };
        (record, result)
    }

    /// Updates the host's backoff after an exchange with it, while its slot is still
    /// held: `Ok(status, retry_after)` for an answer, `Err(stage)` for none. So the
    /// requests queued behind the slot see the failure before they are sent.
    fn note_host_outcome(&self, host: &str, outcome: Result<(u16, Option<Duration>), Stage>) {
        let failed_for = match outcome {
            Ok((429 | 503, retry_after)) => Some(retry_after),
            Ok(_) => None,
            Err(Stage::Connect | Stage::Timeout | Stage::Tls) => Some(None),
            Err(_) => return,
        };
        let mut map = self.backoff.lock().expect("backoff lock");
        match failed_for {
            None => {
                map.remove(host);
            }
            Some(retry_after) => {
                self.fresh_failures
                    .lock()
                    .expect("backoff lock")
                    .insert(host.to_string());
                let b = map.entry(host.to_string()).or_default();
                b.failures += 1;
                let wait = crate::schedule::backoff(
                    HOST_BACKOFF_BASE,
                    b.failures,
                    self.politeness.backoff_max,
                    retry_after,
                );
                b.blocked_until = Some(Utc::now() + crate::schedule::delta(wait));
            }
        }
    }

    async fn fetch_inner(&self, req: &Request<'_>) -> Result<Response, FetchError> {
        let url = req.url;
        let err = |stage: Stage, message: String| FetchError::new(url, stage, message);
        let mut current = Url::parse(url).map_err(|e| err(Stage::Url, e.to_string()))?;
        if !matches!(current.scheme(), "http" | "https") || current.host_str().is_none() {
            return Err(err(
                Stage::Url,
                format!(
                    "unsupported URL {:?}",
                    crate::redact::text(current.as_str())
                ),
            ));
        }
        let origin = current.clone();
        // A quick look before any robots.txt or address work; the deciding look is
        // taken once the host's slot is held (below).
        if let Some(e) = self.blocked(url, &host_key(&current).unwrap_or_default(), req.force) {
            return Err(e);
        }
        let mut redirects: Vec<(u16, Url)> = Vec::new();
        loop {
            // A trusted request trusts its own host, never the hosts it redirects to.
            let trusted = req.allow_private && same_host(&origin, &current);
            let host = host_key(&current).unwrap_or_default();
            if let Err((stage, m)) = self.check_target(&current, trusted).await {
                // A host that could not be reached for robots.txt is failing like one
                // that could not be reached for the page: back off from it.
                self.note_host_outcome(&host, Err(stage));
                return Err(err(stage, m));
            }
            let permit = self.hosts.acquire(&host).await;
            // While this request waited for the slot, the one before it may have failed:
            // then nothing is sent (one failing host costs one timeout per poll).
            if let Some(e) = self.blocked(url, &host, req.force) {
                return Err(e);
            }
            let hop = self.exchange(req, &current, trusted, &redirects).await;
            self.note_host_outcome(
                &host,
                match &hop {
                    Ok(Hop::Done(r)) => Ok((r.status, r.retry_after)),
                    Ok(Hop::Redirect(status, _)) => Ok((*status, None)),
                    Err(e) => Err(e.stage),
                },
            );
            drop(permit);
            match hop? {
                Hop::Done(resp) => return Ok(*resp),
                Hop::Redirect(status, loc) => {
                    let next = current.join(&loc).map_err(|e| {
                        err(
                            Stage::Redirect,
                            format!("HTTP {status} to an invalid Location {loc:?}: {e}"),
                        )
                    })?;
                    let shown = crate::redact::string(next.as_str());
                    if next == current
                        || redirects.iter().any(|(_, u)| *u == next)
                        || next.as_str() == url
                    {
                        return Err(err(
                            Stage::Redirect,
                            format!(
                                "redirect loop at {shown} after {} redirect(s)",
                                redirects.len() + 1
                            ),
                        ));
                    }
                    if redirects.len() >= self.limits.max_redirects {
                        return Err(err(
                            Stage::Redirect,
                            format!(
                                "more than {} redirects (last to {shown})",
                                self.limits.max_redirects
                            ),
                        ));
                    }
                    redirects.push((status, next.clone()));
                    current = next;
                }
            }
        }
    }

    /// One request to `current` and its answer, within `http.timeout`: the response,
    /// or the redirect to follow.
    async fn exchange(
        &self,
        req: &Request<'_>,
        current: &Url,
        trusted: bool,
        redirects: &[(u16, Url)],
    ) -> Result<Hop, FetchError> {
        let url = req.url;
        // The total timeout bounds each exchange (request to last body byte), counted
        // once the host is free, not while waiting for it.
        let deadline = tokio::time::Instant::now() + self.limits.timeout;
        let timed_out = |what: &str| {
            FetchError::new(
                url,
                Stage::Timeout,
                format!(
                    "no complete response within {}{what}",
                    humantime::format_duration(self.limits.timeout)
                ),
            )
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        if let Some(etag) = req.validators.etag.as_deref().and_then(header_value) {
            headers.insert(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = req
            .validators
            .last_modified
            .as_deref()
            .and_then(header_value)
        {
            headers.insert(header::IF_MODIFIED_SINCE, lm);
        }
        let resp = tokio::time::timeout_at(
            deadline,
            self.client(trusted)
                .get(current.clone())
                .headers(headers)
                .send(),
        )
        .await
        .map_err(|_| timed_out(""))?
        .map_err(|e| classify(url, &e))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection()
            && status != 304
            && let Some(loc) = resp.headers().get(header::LOCATION)
        {
            let loc = loc.to_str().unwrap_or_default().trim().to_string();
            return Ok(Hop::Redirect(status, loc));
        }
        let out =
            tokio::time::timeout_at(deadline, self.read_response(url, resp, redirects.to_vec()))
                .await
                .map_err(|_| timed_out(" (the body was still arriving)"))??;
        Ok(Hop::Done(Box::new(out)))
    }

    /// Address and robots.txt checks of one target (the URL or a redirect's); a
    /// `trusted` host may be on any address.
    async fn check_target(&self, target: &Url, trusted: bool) -> Result<(), (Stage, String)> {
        if !matches!(target.scheme(), "http" | "https") {
            return Err((
                Stage::Redirect,
                format!(
                    "redirect to unsupported URL {}",
                    crate::redact::text(target.as_str())
                ),
            ));
        }
        if !trusted {
            self.check_address(target).await?;
        }
        if self.politeness.obey_robots {
            let rules = self.robots_for(target, trusted).await;
            if let Some((stage, why)) = &rules.2 {
                // The server could not be reached for robots.txt: the page would fail
                // the same way, so say that.
                return Err((*stage, format!("{why} (while fetching robots.txt)")));
            }
            if !rules.1.allowed(target) {
                let why = match &rules.1 {
                    Rules::DisallowAll(why) => format!("{why}; assuming disallow (RFC 9309)"),
                    _ => format!("disallowed by {}/robots.txt", robots::origin(target)),
                };
                return Err((Stage::Robots, why));
            }
        }
        Ok(())
    }

    /// Refuses an untrusted target none of whose addresses `allow_private_addresses`
    /// permits (the connection would be refused by the guarded resolver anyway; this
    /// says why first). A name that does not resolve passes: its fetch fails at connect.
    async fn check_address(&self, target: &Url) -> Result<(), (Stage, String)> {
        let host = target.host_str().unwrap_or_default();
        let refused = |ips: &[std::net::IpAddr]| {
            let what = match address::literal_ip(target) {
                Some(ip) => format!("{ip} is a non-public address"),
                None => format!(
                    "{host} {} ({})",
                    address::NON_PUBLIC,
                    address::list_ips(ips)
                ),
            };
            (
                Stage::Address,
                format!("refused: {what}; list it in politeness.allow_private_addresses to allow"),
            )
        };
        if address::literal_ip(target).is_none() && self.access.permits_host(host) {
            return Ok(());
        }
        match address::resolve(&*self.lookup, target).await {
            Ok(ips) if !ips.is_empty() && !ips.iter().any(|ip| self.access.permits_ip(*ip)) => {
                Err(refused(&ips))
            }
            _ => Ok(()),
        }
    }

    /// The robots.txt rules of `target`'s origin, fetched once per origin and run.
    async fn robots_for(&self, target: &Url, allow_private: bool) -> Arc<RobotsState> {
        let origin = robots::origin(target);
        let cell = {
            let mut map = self.robots.lock().expect("robots lock");
            map.entry(origin.clone()).or_default().clone()
        };
        cell.get_or_init(|| async {
            let (entry, failure) = self.fetch_robots(&origin, allow_private).await;
            let rules = Rules::new(&entry, &self.token);
            if let Some(d) = rules.crawl_delay()
                && let Some(h) = host_key(target)
            {
                self.hosts.set_crawl_delay(&h, d);
            }
            // 5xx and unreachable answers are not kept: the next run asks again.
            if entry.status.is_some_and(|s| s < 500) {
                self.new_robots
                    .lock()
                    .expect("robots lock")
                    .push(entry.clone());
            }
            Arc::new((entry, rules, failure))
        })
        .await
        .clone()
    }

    async fn fetch_robots(
        &self,
        origin: &str,
        allow_private: bool,
    ) -> (RobotsEntry, Option<(Stage, String)>) {
        let url = format!("{origin}/robots.txt");
        let started_at = Utc::now();
        let clock = Instant::now();
        let result = async {
            let mut current =
                Url::parse(&url).map_err(|e| FetchError::new(&url, Stage::Url, e.to_string()))?;
            for _ in 0..=5 {
                let host = host_key(&current).unwrap_or_default();
                let permit = self.hosts.acquire(&host).await;
                let resp = self
                    .client(allow_private)
                    .get(current.clone())
                    .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
                    .send()
                    .await
                    .map_err(|e| classify(&url, &e))?;
                let status = resp.status().as_u16();
                if resp.status().is_redirection()
                    && let Some(next) = resp
                        .headers()
                        .get(header::LOCATION)
                        .and_then(|l| l.to_str().ok())
                        .and_then(|l| current.join(l).ok())
                {
                    drop(permit);
                    if !(allow_private && same_host(&current, &next))
                        && self.check_address(&next).await.is_err()
                    {
                        return Ok((404, Vec::new()));
                    }
                    current = next;
                    continue;
                }
                if !(200..300).contains(&status) {
                    return Ok((status, Vec::new()));
                }
                let body = self
                    .read_body(&url, resp, robots::ROBOTS_MAX_BYTES)
                    .await
                    .map(|(b, _)| b)
                    .or_else(|e| match e.stage {
                        // RFC 9309 §2.5: parse at least the first 500 KiB.
                        Stage::TooLarge => Ok(Vec::new()),
                        _ => Err(e),
                    })?;
                return Ok((status, body));
            }
            Ok::<_, FetchError>((404, Vec::new()))
        }
        .await;
        let (status, body, failure) = match result {
            Ok((s, b)) => (Some(s), b, None),
            Err(e) => (None, Vec::new(), Some((e.stage, e.message))),
        };
        let error = failure
            .as_ref()
            .map(|(st, m)| format!("{} failed: {m}", st.as_str()));
        self.side_records
            .lock()
            .expect("records lock")
            .push(FetchRecord {
                url: url.clone(),
                started_at,
                status,
                bytes: body.len() as u64,
                duration_ms: millis(clock.elapsed()),
                error,
                stage: failure.as_ref().map(|f| f.0),
            });
        let entry = RobotsEntry {
            origin: origin.to_string(),
            fetched_at: started_at,
            status,
            body,
        };
        (entry, failure)
    }

    /// Reads and decodes a body under `cap`. Returns it and any unknown coding.
    async fn read_body(
        &self,
        url: &str,
        mut resp: reqwest::Response,
        cap: u64,
    ) -> Result<(Vec<u8>, Option<String>), FetchError> {
        let err = |stage: Stage, message: String| FetchError::new(url, stage, message);
        let encoding = resp
            .headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let too_large = || {
            err(
                Stage::TooLarge,
                format!("response too large: body exceeds the cap of {cap} bytes"),
            )
        };
        let decode_error = |e: coding::DecodeError| match e {
            coding::DecodeError::TooLarge(_) => too_large(),
            coding::DecodeError::Corrupt(m) => err(
                Stage::Decode,
                format!(
                    "Content-Encoding {}: {m}",
                    encoding.as_deref().unwrap_or("identity")
                ),
            ),
        };
        if let Some(len) = resp.content_length()
            && len > cap
        {
            return Err(err(
                Stage::TooLarge,
                format!(
                    "response too large: Content-Length {len} bytes exceeds the cap of {cap} bytes"
                ),
            ));
        }
        let mut decoder = coding::Decoder::new(encoding.as_deref(), cap);
        let mut raw_len: u64 = 0;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    raw_len += chunk.len() as u64;
                    if raw_len > cap {
                        return Err(too_large());
                    }
                    decoder.write(&chunk).map_err(decode_error)?;
                }
                Ok(None) => break,
                Err(e) => {
                    let mut fe = classify(url, &e);
                    if fe.stage == Stage::Request {
                        fe.stage = Stage::Body;
                    }
                    return Err(fe);
                }
            }
        }
        let unknown = decoder.unknown();
        let body = decoder.finish().map_err(decode_error)?;
        Ok((body, unknown))
    }

    async fn read_response(
        &self,
        url: &str,
        resp: reqwest::Response,
        redirects: Vec<(u16, Url)>,
    ) -> Result<Response, FetchError> {
        let status = resp.status().as_u16();
        let final_url = resp.url().clone();
        let text_header = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let validators = Validators {
            etag: text_header(header::ETAG),
            last_modified: text_header(header::LAST_MODIFIED),
        };
        let content_type = text_header(header::CONTENT_TYPE);
        let retry_after = matches!(status, 429 | 503)
            .then(|| text_header(header::RETRY_AFTER))
            .flatten()
            .and_then(|v| parse_retry_after(&v, Utc::now()));
        let max_age = text_header(header::CACHE_CONTROL).and_then(|v| parse_max_age(&v));
        let (body, unknown_coding) = if status == 304 {
            (Vec::new(), None)
        } else {
            self.read_body(url, resp, self.limits.max_body_bytes)
                .await?
        };
        Ok(Response {
            status,
            final_url,
            validators,
            content_type,
            body,
            retry_after,
            max_age,
            redirects,
            unknown_coding,
        })
    }
}

/// Parses a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date,
/// as a wait from `now` (zero for a date in the past).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let at: DateTime<Utc> = at.into();
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The `max-age` directive of a `Cache-Control` value (RFC 9111 §5.2.2.1), in seconds.
pub fn parse_max_age(value: &str) -> Option<Duration> {
    value.split(',').find_map(|d| {
        let (k, v) = d.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse::<u64>().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

fn header_value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Maps a reqwest error to a stage and a message that includes the underlying causes.
fn classify(url: &str, e: &reqwest::Error) -> FetchError {
    // reqwest's own line repeats the URL ("error sending request for url (...)"): the
    // causes below it say what went wrong.
    let mut parts: Vec<String> = Vec::new();
    let top = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() || !top.starts_with("error sending request") {
        parts.insert(0, top);
    }
    let mut message = crate::redact::string(&parts.join(": "));
    let lower = message.to_ascii_lowercase();
    // A timeout while the body streams in comes back from reqwest as "error decoding
    // response body" with the timeout only among its causes.
    let timed_out = e.is_timeout() || lower.contains("timed out");
    if timed_out && (e.is_body() || e.is_decode()) {
        message = "timed out while the body was still arriving".to_string();
    }
    let stage = if timed_out {
        Stage::Timeout
    } else if message.contains(address::NON_PUBLIC) {
        Stage::Address
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        Stage::Tls
    } else if e.is_connect() {
        Stage::Connect
    } else if e.is_body() || e.is_decode() {
        Stage::Body
    } else {
        Stage::Request
    };
    FetchError::new(url, stage, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 12:05:00 GMT", now),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(
            parse_max_age("public, max-age=3600"),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(parse_max_age("no-cache"), None);
    }
}
