//! Fetching: HTTP GET with conditional requests, limits, and decoding of the body.
//!
//! Conditional GET follows RFC 9110 §13 (`If-None-Match` from a stored `ETag`,
//! `If-Modified-Since` from a stored `Last-Modified`; `304 Not Modified` means the stored
//! copy is current). Content codings (gzip, deflate, br) are removed by reqwest. The body
//! is read in chunks and dropped whole once it passes the configured size cap, so a huge
//! or endless response cannot exhaust memory.
//!
//! The fetcher never touches the database: every attempt, failed or not, comes back as a
//! [`FetchRecord`] for the caller to store.

pub mod decode;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::config::HttpLimits;

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
}

/// The stage at which a fetch failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The URL could not be used (bad scheme, no host).
    Url,
    /// DNS lookup or TCP connection failed.
    Connect,
    /// The connect or total timeout passed.
    Timeout,
    /// Too many redirects, or a redirect loop.
    Redirect,
    /// Reading or decoding the body failed.
    Body,
    /// The body is larger than the configured cap.
    TooLarge,
    /// Any other transport failure.
    Request,
}

impl Stage {
    /// A short lowercase name, as stored in the fetch log.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Url => "url",
            Stage::Connect => "connect",
            Stage::Timeout => "timeout",
            Stage::Redirect => "redirect",
            Stage::Body => "body",
            Stage::TooLarge => "too_large",
            Stage::Request => "request",
        }
    }
}

/// A fetch that produced no HTTP response to use.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{url}: {} failed: {message}", stage.as_str())]
pub struct FetchError {
    /// The URL that was asked for.
    pub url: String,
    /// Where it failed.
    pub stage: Stage,
    /// The cause, in words.
    pub message: String,
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
}

/// An HTTP client with stet's limits and `User-Agent`. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: HttpLimits,
}

impl Fetcher {
    /// Builds a client that sends `user_agent`, follows at most `limits.max_redirects`
    /// redirects (and stops at once on a loop), and applies the timeouts.
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn new(user_agent: &str, limits: HttpLimits) -> Result<Fetcher, FetchError> {
        let max = limits.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().iter().any(|u| u == attempt.url()) {
                let msg = format!("redirect loop at {}", attempt.url());
                attempt.error(msg)
            } else if attempt.previous().len() > max {
                let msg = format!("more than {max} redirects");
                attempt.error(msg)
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            .redirect(policy)
            .build()
            .map_err(|e| FetchError {
                url: String::new(),
                stage: Stage::Request,
                message: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Fetcher { client, limits })
    }

    /// GETs `url`, sending the stored `validators` as a conditional request.
    ///
    /// Returns the record of the attempt (always) and the response or the error. Any HTTP
    /// status is a response; only transport failures (connect, timeout, redirect loop,
    /// oversized body) are errors.
    pub async fn get(
        &self,
        url: &str,
        validators: &Validators,
    ) -> (FetchRecord, Result<Response, FetchError>) {
        let started_at = Utc::now();
        let clock = Instant::now();
        let result = self.get_inner(url, validators).await;
        let record = FetchRecord {
            url: url.to_string(),
            started_at,
            status: result.as_ref().ok().map(|r| r.status),
            bytes: result.as_ref().map_or(0, |r| r.body.len() as u64),
            duration_ms: millis(clock.elapsed()),
            error: result.as_ref().err().map(|e| e.to_string()),
        };
        (record, result)
    }

    async fn get_inner(&self, url: &str, validators: &Validators) -> Result<Response, FetchError> {
        let err = |stage: Stage, message: String| FetchError {
            url: url.to_string(),
            stage,
            message,
        };
        let parsed = Url::parse(url).map_err(|e| err(Stage::Url, e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(err(
                Stage::Url,
                format!("unsupported scheme {:?}", parsed.scheme()),
            ));
        }
        let mut headers = HeaderMap::new();
        if let Some(etag) = validators.etag.as_deref().and_then(header_value) {
            headers.insert(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = validators.last_modified.as_deref().and_then(header_value) {
            headers.insert(header::IF_MODIFIED_SINCE, lm);
        }
        let mut resp = self
            .client
            .get(parsed)
            .headers(headers)
            .send()
            .await
            .map_err(|e| classify(url, &e))?;
        let status = resp.status().as_u16();
        let final_url = resp.url().clone();
        let text_header = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let new_validators = Validators {
            etag: text_header(header::ETAG),
            last_modified: text_header(header::LAST_MODIFIED),
        };
        let content_type = text_header(header::CONTENT_TYPE);
        let cap = self.limits.max_body_bytes;
        if let Some(len) = resp.content_length()
            && len > cap
            && resp.headers().get(header::CONTENT_ENCODING).is_none()
        {
            return Err(err(
                Stage::TooLarge,
                format!(
                    "response too large: Content-Length {len} bytes exceeds the cap of {cap} bytes"
                ),
            ));
        }
        let mut body = Vec::new();
        if status != 304 {
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) => {
                        if body.len() as u64 + chunk.len() as u64 > cap {
                            return Err(err(
                                Stage::TooLarge,
                                format!("response too large: body exceeds the cap of {cap} bytes"),
                            ));
                        }
                        body.extend_from_slice(&chunk);
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
        }
        Ok(Response {
            status,
            final_url,
            validators: new_validators,
            content_type,
            body,
        })
    }
}

fn header_value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Maps a reqwest error to a stage and a message that includes the underlying causes.
fn classify(url: &str, e: &reqwest::Error) -> FetchError {
    let stage = if e.is_timeout() {
        Stage::Timeout
    } else if e.is_redirect() {
        Stage::Redirect
    } else if e.is_connect() {
        Stage::Connect
    } else if e.is_body() || e.is_decode() {
        Stage::Body
    } else {
        Stage::Request
    };
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
    let message = parts.join(": ");
    FetchError {
        url: url.to_string(),
        stage,
        message,
    }
}
