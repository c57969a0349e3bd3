//! Configuration: the `config.toml` file that names the feeds to follow and how often.
//!
//! The file is TOML (<https://toml.io/en/v1.0.0>). Durations use humantime syntax
//! (`"30m"`, `"1h 30m"`, `"1d"`). Every key has a default, so an empty file is valid; the
//! commented example that `stet init` writes ([`EXAMPLE`]) is also the embedded default
//! used when no file exists.
//!
//! Errors name the file, the line and column, and the key at fault: a corrupt config is
//! reported, never half-applied.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use crate::http::address::{Allowed, PrivateAccess};

/// The commented example configuration written by `stet init` and used as the default.
pub const EXAMPLE: &str = include_str!("../config.toml");

/// Errors from reading or validating a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or a key has the wrong type or value. The message from the
    /// TOML parser names the line, the column and the key.
    #[error("invalid config {path}: {message}")]
    Parse {
        /// The file at fault.
        path: PathBuf,
        /// Line, column, key and cause, as the TOML parser reports them.
        message: String,
    },
    /// A value parsed but is not acceptable (a feed URL that is not http(s), a zero interval).
    #[error("invalid config {path}: {message}")]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// Which key is wrong and why.
        message: String,
    },
}

/// A parsed, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Absolute (or config-relative, resolved) path of the SQLite database file.
    pub database: PathBuf,
    /// `User-Agent` header sent with every request.
    pub user_agent: String,
    /// Default time between two polls of a feed.
    pub interval: Duration,
    /// When tracked articles are fetched again to look for edits.
    pub recheck: Recheck,
    /// HTTP limits.
    pub http: HttpLimits,
    /// Politeness: per-host and global limits, robots.txt, backoff, address safety.
    pub politeness: Politeness,
    /// Feed lifecycle: permanent redirects and dead feeds.
    pub lifecycle: Lifecycle,
    /// The feeds to follow, in file order.
    pub feeds: Vec<FeedConfig>,
    /// Global noise controls (each feed may add its own).
    pub noise: Noise,
    /// Where to write the Atom feed of changes after each poll, if anywhere.
    pub changes_feed: Option<PathBuf>,
    /// Notifiers, in file order.
    pub notify: Vec<NotifierConfig>,
    /// Database settings (`[store]`).
    pub store: StoreOptions,
}

/// SQLite's `synchronous` setting (`[store] synchronous`,
/// <https://sqlite.org/pragma.html#pragma_synchronous>), in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `normal` (default): the WAL is synced at checkpoints, not at every commit. A
    /// crash of stet loses nothing committed; a power loss or OS crash may lose the
    /// last transactions committed before it (never the database's integrity).
    #[default]
    Normal,
    /// `full`: the WAL is synced at every commit, so a committed batch survives a power
    /// loss too, at the cost of one fsync per transaction.
    Full,
}

impl Synchronous {
    /// The PRAGMA value.
    pub fn as_str(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Database settings (`[store]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreOptions {
    /// Durability of commits.
    pub synchronous: Synchronous,
}

/// A secret value of the configuration (a webhook URL with its token, an SMTP password):
/// read when it is needed, from the environment or a file, so that the config file
/// itself can be shared. Its `Debug` form never shows an inline value.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// Written in the config file itself.
    Inline(String),
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file (surrounding whitespace trimmed), e.g. a systemd
    /// credential or a Docker secret.
    File(PathBuf),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Inline(_) => f.write_str("Inline(***)"),
            Secret::Env(v) => write!(f, "Env({v:?})"),
            Secret::File(p) => write!(f, "File({p:?})"),
        }
    }
}

impl Secret {
    /// The value. `what` names it in the error (`the webhook URL`).
    ///
    /// # Errors
    /// When the variable is not set or the file cannot be read; the error names the
    /// variable or file, never the value.
    pub fn read(&self, what: &str) -> Result<String, String> {
        match self {
            Secret::Inline(v) => Ok(v.clone()),
            Secret::Env(var) => std::env::var(var)
                .map_err(|_| format!("environment variable {var} ({what}) is not set")),
            Secret::File(path) => std::fs::read_to_string(path)
                .map(|s| s.trim().to_string())
                .map_err(|e| format!("cannot read {what} from {}: {e}", path.display())),
        }
    }
}

/// Noise controls: what must not count as a change.
#[derive(Debug, Clone, Default)]
pub struct Noise {
    /// CSS selectors of elements removed from the page before extraction.
    pub drop_selectors: Vec<String>,
    /// Regular expressions (Rust `regex` syntax) of text ignored when deciding whether
    /// the content changed; the stored text keeps it.
    pub ignore_patterns: Vec<regex::Regex>,
    /// Edits smaller than this many characters (inserted plus deleted) are stored but
    /// not reported. 0 reports every edit.
    pub min_change_chars: usize,
    /// A version equal to one of the article's last `seen_before` versions (a page
    /// flipping between states) is stored but not reported. 0 turns this off. Comment
    /// state changes are always reported.
    pub seen_before: usize,
    /// Whether a version whose only change is the social or document title
    /// (`og:title`, `twitter:title`, `<title>`: change kind `social_title`) is reported.
    /// Off by default: such versions are stored and listed by `stet versions`.
    pub report_social_title: bool,
}

impl Noise {
    /// This feed's controls: the global ones plus the feed's own. The feed's
    /// `min_change_chars` and `seen_before` replace the global values when set.
    pub fn merged(&self, feed: &FeedNoise) -> Noise {
        let mut n = self.clone();
        n.drop_selectors.extend(feed.drop_selectors.iter().cloned());
        n.ignore_patterns
            .extend(feed.ignore_patterns.iter().cloned());
        if let Some(m) = feed.min_change_chars {
            n.min_change_chars = m;
        }
        if let Some(k) = feed.seen_before {
            n.seen_before = k;
        }
        if let Some(r) = feed.report_social_title {
            n.report_social_title = r;
        }
        n
    }
}

/// A feed's own noise controls, added to the global ones.
#[derive(Debug, Clone, Default)]
pub struct FeedNoise {
    /// More selectors to drop.
    pub drop_selectors: Vec<String>,
    /// More patterns to ignore.
    pub ignore_patterns: Vec<regex::Regex>,
    /// Replaces the global minimum change size.
    pub min_change_chars: Option<usize>,
    /// Replaces the global seen-before depth.
    pub seen_before: Option<usize>,
    /// Replaces the global `report_social_title`.
    pub report_social_title: Option<bool>,
}

impl PartialEq for FeedNoise {
    fn eq(&self, other: &FeedNoise) -> bool {
        self.drop_selectors == other.drop_selectors
            && self.min_change_chars == other.min_change_chars
            && self.seen_before == other.seen_before
            && self.report_social_title == other.report_social_title
            && self.ignore_patterns.len() == other.ignore_patterns.len()
            && self
                .ignore_patterns
                .iter()
                .zip(&other.ignore_patterns)
                .all(|(a, b)| a.as_str() == b.as_str())
    }
}
impl Eq for FeedNoise {}

/// How a notifier delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifierKind {
    /// HTTP POST of the change as JSON to `url`.
    Webhook {
        /// Endpoint (`url`, `url_env` or `url_file`); may hold a token.
        url: Secret,
    },
    /// Runs `argv` with the change as JSON on stdin; exit status 0 is success.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
    },
    /// Sends an email over SMTP.
    Email(EmailConfig),
}

/// SMTP settings of an email notifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// SMTP server host.
    pub smtp_host: String,
    /// SMTP port (default 587).
    pub smtp_port: u16,
    /// `starttls` (default: upgrade the connection, required), `tls` (implicit TLS, port
    /// 465) or `none` (plain text: only for a local relay).
    pub security: String,
    /// SMTP user name, if the server needs one.
    pub username: Option<String>,
    /// Where the password is read from (`password_env` or `password_file`; never the
    /// config file itself).
    pub password: Option<Secret>,
    /// Sender address.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
}

/// One `[[notify]]` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierConfig {
    /// Unique name (default `KIND-N`); the outbox remembers deliveries by it.
    pub name: String,
    /// How it delivers.
    pub kind: NotifierKind,
    /// Only changes of articles from these feed URLs (all when empty).
    pub feeds: Vec<String>,
    /// Only changes with one of these kinds (all when empty).
    pub kinds: Vec<String>,
    /// First wait before a retry; doubles at each failure, up to 6 hours.
    pub retry_after: Duration,
    /// Time allowed for one delivery attempt.
    pub timeout: Duration,
}

/// The re-check schedule of an archived article: edits happen without the feed changing,
/// so each article is fetched again on its own schedule, often while it is fresh and
/// less often as it ages (the age counts from when stet first saw the article).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recheck {
    /// While the article is younger than this, it is re-checked every feed interval.
    pub fresh_for: Duration,
    /// After `fresh_for`, it is re-checked this often.
    pub then_every: Duration,
    /// Articles older than this are no longer re-checked (their versions stay stored).
    pub stop_after: Duration,
}

/// Limits on every HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub timeout: Duration,
    /// Largest accepted response body, in bytes, after content decoding. A larger body
    /// is dropped whole.
    pub max_body_bytes: u64,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
    /// Most entries read from one feed poll (the first ones of the document).
    pub max_entries: usize,
}

/// Politeness towards the fetched sites (`[politeness]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Politeness {
    /// Requests in flight at once to one host (default 1).
    pub per_host_concurrency: usize,
    /// Least time between the end of one request to a host and the start of the next
    /// (default 1 s). A robots.txt `Crawl-delay` that is longer wins.
    pub per_host_delay: Duration,
    /// Requests in flight at once overall (default 16).
    pub global_concurrency: usize,
    /// Fetch, cache (24 h) and obey robots.txt (RFC 9309) (default true).
    pub obey_robots: bool,
    /// The longest wait after repeated failures (default 1 day).
    pub backoff_max: Duration,
    /// Which non-public addresses article links may reach (default: none, except a
    /// loopback or LAN feed's own host; see [`PrivateAccess`]).
    pub allow_private_addresses: PrivateAccess,
}

impl Default for Politeness {
    fn default() -> Self {
        Politeness {
            per_host_concurrency: 1,
            per_host_delay: Duration::from_secs(1),
            global_concurrency: 16,
            obey_robots: true,
            backoff_max: Duration::from_secs(24 * 3600),
            allow_private_addresses: PrivateAccess::FeedHostOnly,
        }
    }
}

/// Feed lifecycle (`[lifecycle]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// Consecutive polls answered by the same permanent redirect before the stored feed
    /// URL is updated (default 3).
    pub moved_after: u32,
    /// How long a feed fails before it is marked dead (default 7 days).
    pub dead_after: Duration,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            moved_after: 3,
            dead_after: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// One `[[feed]]` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// The feed's URL (RSS, Atom or JSON Feed).
    pub url: String,
    /// A display name; the feed's own title is used when absent.
    pub name: Option<String>,
    /// Time between polls of this feed; the global `interval` when absent.
    pub interval: Duration,
    /// This feed's own noise controls.
    pub noise: FeedNoise,
}

/// The default `User-Agent`: names stet, its version and where to learn about it.
pub fn default_user_agent() -> String {
    format!(
        "stet/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    database: Option<String>,
    user_agent: Option<String>,
    #[serde(default, with = "humantime_opt")]
    interval: Option<Duration>,
    #[serde(default)]
    recheck: RawRecheck,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    politeness: RawPoliteness,
    #[serde(default)]
    lifecycle: RawLifecycle,
    #[serde(default)]
    feed: Vec<RawFeed>,
    #[serde(default)]
    noise: RawNoise,
    changes_feed: Option<String>,
    #[serde(default)]
    notify: Vec<RawNotify>,
    #[serde(default)]
    store: RawStore,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    synchronous: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNoise {
    #[serde(default)]
    drop_selectors: Vec<String>,
    #[serde(default)]
    ignore_patterns: Vec<String>,
    min_change_chars: Option<usize>,
    seen_before: Option<usize>,
    report_social_title: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    name: Option<String>,
    kind: String,
    url: Option<String>,
    url_env: Option<String>,
    url_file: Option<String>,
    command: Option<Vec<String>>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    security: Option<String>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<String>,
    from: Option<String>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    feeds: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default, with = "humantime_opt")]
    retry_after: Option<Duration>,
    #[serde(default, with = "humantime_opt")]
    timeout: Option<Duration>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRecheck {
    #[serde(default, with = "humantime_opt")]
    fresh_for: Option<Duration>,
    #[serde(default, with = "humantime_opt")]
    then_every: Option<Duration>,
    #[serde(default, with = "humantime_opt")]
    stop_after: Option<Duration>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default, with = "humantime_opt")]
    connect_timeout: Option<Duration>,
    #[serde(default, with = "humantime_opt")]
    timeout: Option<Duration>,
    max_body_bytes: Option<u64>,
    max_redirects: Option<usize>,
    max_entries: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPoliteness {
    per_host_concurrency: Option<usize>,
    #[serde(default, with = "humantime_opt")]
    per_host_delay: Option<Duration>,
    global_concurrency: Option<usize>,
    obey_robots: Option<bool>,
    #[serde(default, with = "humantime_opt")]
    backoff_max: Option<Duration>,
    allow_private_addresses: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLifecycle {
    moved_after: Option<u32>,
    #[serde(default, with = "humantime_opt")]
    dead_after: Option<Duration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    url: String,
    name: Option<String>,
    #[serde(default, with = "humantime_opt")]
    interval: Option<Duration>,
    #[serde(default)]
    drop_selectors: Vec<String>,
    #[serde(default)]
    ignore_patterns: Vec<String>,
    min_change_chars: Option<usize>,
    seen_before: Option<usize>,
    report_social_title: Option<bool>,
}

/// Compiles `ignore_patterns` and checks `drop_selectors`, naming the key at fault.
fn compile_noise(
    key: &str,
    selectors: &[String],
    patterns: &[String],
) -> Result<Vec<regex::Regex>, String> {
    for (i, sel) in selectors.iter().enumerate() {
        if scraper::Selector::parse(sel).is_err() {
            return Err(format!(
                "key `{key}drop_selectors[{i}]`: {sel:?} is not a valid CSS selector"
            ));
        }
    }
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            regex::Regex::new(p).map_err(|e| {
                format!("key `{key}ignore_patterns[{i}]`: {p:?} is not a valid regex: {e}")
            })
        })
        .collect()
}

/// Every change kind a notifier may filter on: version changes, then status events.
pub const CHANGE_KINDS: &[&str] = &[
    "title",
    "social_title",
    "body",
    "byline",
    "published",
    "comments_closed",
    "comments_opened",
    "removed",
    "restored",
    "redirected",
    "extraction_failed",
    "feed_moved",
    "feed_gone",
    "feed_dead",
];

/// Validates one `[[notify]]` block.
fn notifier(i: usize, n: RawNotify, base_dir: &Path) -> Result<NotifierConfig, String> {
    let key = format!("notify[{i}]");
    let need = |v: Option<String>, what: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("key `{key}.{what}` is required for kind {:?}", n.kind))
    };
    let kind = match n.kind.as_str() {
        "webhook" => {
            let url = match (&n.url, &n.url_env, &n.url_file) {
                (Some(url), None, None) => {
                    url::Url::parse(url)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"))
                        .ok_or_else(|| {
                            format!(
                                "key `{key}.url`: {:?} is not an http(s) URL",
                                crate::redact::text(url)
                            )
                        })?;
                    Secret::Inline(url.clone())
                }
                (None, Some(var), None) => Secret::Env(var.clone()),
                (None, None, Some(file)) => Secret::File(base_dir.join(file)),
                (None, None, None) => {
                    return Err(format!(
                        "key `{key}.url` (or `url_env`, `url_file`) is required for kind \"webhook\""
                    ));
                }
                _ => {
                    return Err(format!(
                        "keys `{key}.url`, `url_env` and `url_file`: give only one"
                    ));
                }
            };
            NotifierKind::Webhook { url }
        }
        "command" => {
            let argv = n.command.clone().unwrap_or_default();
            if argv.is_empty() || argv[0].trim().is_empty() {
                return Err(format!(
                    "key `{key}.command` is required for kind \"command\" (a list: program, then arguments)"
                ));
            }
            NotifierKind::Command { argv }
        }
        "email" => {
            let security = n.security.clone().unwrap_or_else(|| "starttls".into());
            if !matches!(security.as_str(), "starttls" | "tls" | "none") {
                return Err(format!(
                    "key `{key}.security`: {security:?} is not one of starttls, tls, none"
                ));
            }
            if n.to.is_empty() {
                return Err(format!("key `{key}.to` needs at least one address"));
            }
            NotifierKind::Email(EmailConfig {
                smtp_host: need(n.smtp_host.clone(), "smtp_host")?,
                smtp_port: n
                    .smtp_port
                    .unwrap_or(if security == "tls" { 465 } else { 587 }),
                security,
                username: n.username.clone(),
                password: match (&n.password_env, &n.password_file) {
                    (Some(var), None) => Some(Secret::Env(var.clone())),
                    (None, Some(file)) => Some(Secret::File(base_dir.join(file))),
                    (None, None) => None,
                    (Some(_), Some(_)) => {
                        return Err(format!(
                            "keys `{key}.password_env` and `password_file`: give only one"
                        ));
                    }
                },
                from: need(n.from.clone(), "from")?,
                to: n.to.clone(),
            })
        }
        other => {
            return Err(format!(
                "key `{key}.kind`: {other:?} is not one of webhook, command, email"
            ));
        }
    };
    for (j, k) in n.kinds.iter().enumerate() {
        if !CHANGE_KINDS.contains(&k.as_str()) {
            return Err(format!(
                "key `{key}.kinds[{j}]`: {k:?} is not a change kind (one of {})",
                CHANGE_KINDS.join(", ")
            ));
        }
    }
    Ok(NotifierConfig {
        name: n.name.unwrap_or_else(|| format!("{}-{}", n.kind, i + 1)),
        kind,
        feeds: n.feeds,
        kinds: n.kinds,
        retry_after: n.retry_after.unwrap_or(Duration::from_secs(30)),
        timeout: n.timeout.unwrap_or(Duration::from_secs(30)),
    })
}

/// Reads `politeness.allow_private_addresses`: `false`, `true` or a list of networks
/// and host names (see [`PrivateAccess`]).
fn private_access(v: &toml::Value) -> Result<PrivateAccess, String> {
    const KEY: &str = "politeness.allow_private_addresses";
    match v {
        toml::Value::Boolean(false) => Ok(PrivateAccess::FeedHostOnly),
        toml::Value::Boolean(true) => Ok(PrivateAccess::AllButLinkLocal),
        toml::Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                toml::Value::String(s) => {
                    Allowed::parse(s).map_err(|e| format!("key `{KEY}[{i}]`: {e}"))
                }
                other => Err(format!(
                    "key `{KEY}[{i}]`: expected a string (a network, an address or a host name), found {}",
                    other.type_str()
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(PrivateAccess::Listed),
        other => Err(format!(
            "key `{KEY}`: expected true, false or a list such as [\"10.0.0.0/8\", \"nas.local\"], found {}",
            other.type_str()
        )),
    }
}

/// Serde adapter for optional humantime durations (`"30m"`).
mod humantime_opt {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(s.trim())
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("invalid duration {s:?}: {e}")))
    }
}

impl Config {
    /// The noise controls of the feed that config.toml names `feed_url`: the global ones
    /// plus the feed's own (the global ones alone for a feed not in the file).
    pub fn noise_for(&self, feed_url: Option<&str>) -> Noise {
        self.feeds
            .iter()
            .find(|f| feed_url == Some(f.url.as_str()))
            .map_or_else(|| self.noise.clone(), |f| self.noise.merged(&f.noise))
    }

    /// Default feed interval: 30 minutes.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30 * 60);

    /// Reads and validates the file at `path`. Relative paths inside it (the database)
    /// are resolved against the file's folder.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the file cannot be read, [`ConfigError::Parse`] (with line,
    /// column and key) for bad TOML or a wrong type, [`ConfigError::Invalid`] for a value
    /// out of range.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Self::from_toml(&text, path, dir)
    }

    /// Parses configuration text. `origin` names the source in errors; `base_dir` is the
    /// folder that a relative `database` path is resolved against.
    ///
    /// # Errors
    /// As [`Config::load`], without the read error.
    pub fn from_toml(text: &str, origin: &Path, base_dir: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_path_buf(),
            message: describe_toml_error(text, &e),
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: origin.to_path_buf(),
            message,
        };
        let interval = raw.interval.unwrap_or(Self::DEFAULT_INTERVAL);
        if interval.is_zero() {
            return Err(invalid("key `interval`: must be greater than zero".into()));
        }
        let database = base_dir.join(raw.database.as_deref().unwrap_or("stet.db"));
        let recheck = Recheck {
            fresh_for: raw
                .recheck
                .fresh_for
                .unwrap_or(Duration::from_secs(24 * 3600)),
            then_every: raw
                .recheck
                .then_every
                .unwrap_or(Duration::from_secs(24 * 3600)),
            stop_after: raw
                .recheck
                .stop_after
                .unwrap_or(Duration::from_secs(30 * 24 * 3600)),
        };
        if recheck.then_every.is_zero() {
            return Err(invalid(
                "key `recheck.then_every`: must be greater than zero".into(),
            ));
        }
        let http = HttpLimits {
            connect_timeout: raw.http.connect_timeout.unwrap_or(Duration::from_secs(10)),
            timeout: raw.http.timeout.unwrap_or(Duration::from_secs(60)),
            max_body_bytes: raw.http.max_body_bytes.unwrap_or(10 * 1024 * 1024),
            max_redirects: raw.http.max_redirects.unwrap_or(10),
            max_entries: raw.http.max_entries.unwrap_or(10_000),
        };
        if http.timeout.is_zero() || http.connect_timeout.is_zero() {
            return Err(invalid(
                "keys `http.timeout` and `http.connect_timeout` must be greater than zero".into(),
            ));
        }
        if http.max_entries == 0 {
            return Err(invalid(
                "key `http.max_entries`: must be greater than zero".into(),
            ));
        }
        let dp = Politeness::default();
        let politeness = Politeness {
            per_host_concurrency: raw
                .politeness
                .per_host_concurrency
                .unwrap_or(dp.per_host_concurrency),
            per_host_delay: raw.politeness.per_host_delay.unwrap_or(dp.per_host_delay),
            global_concurrency: raw
                .politeness
                .global_concurrency
                .unwrap_or(dp.global_concurrency),
            obey_robots: raw.politeness.obey_robots.unwrap_or(dp.obey_robots),
            backoff_max: raw.politeness.backoff_max.unwrap_or(dp.backoff_max),
            allow_private_addresses: match raw.politeness.allow_private_addresses {
                None => dp.allow_private_addresses,
                Some(v) => private_access(&v).map_err(invalid)?,
            },
        };
        if politeness.per_host_concurrency == 0 || politeness.global_concurrency == 0 {
            return Err(invalid(
                "keys `politeness.per_host_concurrency` and `politeness.global_concurrency` \
                 must be greater than zero"
                    .into(),
            ));
        }
        if politeness.backoff_max.is_zero() {
            return Err(invalid(
                "key `politeness.backoff_max`: must be greater than zero".into(),
            ));
        }
        let dl = Lifecycle::default();
        let lifecycle = Lifecycle {
            moved_after: raw.lifecycle.moved_after.unwrap_or(dl.moved_after).max(1),
            dead_after: raw.lifecycle.dead_after.unwrap_or(dl.dead_after),
        };
        let mut feeds = Vec::with_capacity(raw.feed.len());
        for (i, f) in raw.feed.into_iter().enumerate() {
            let parsed = url::Url::parse(f.url.trim()).map_err(|e| {
                invalid(format!(
                    "key `feed[{i}].url`: {:?} is not a valid URL: {e}",
                    f.url
                ))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(invalid(format!(
                    "key `feed[{i}].url`: {:?} is not an http or https URL",
                    f.url
                )));
            }
            let feed_interval = f.interval.unwrap_or(interval);
            if feed_interval.is_zero() {
                return Err(invalid(format!(
                    "key `feed[{i}].interval`: must be greater than zero"
                )));
            }
            let patterns = compile_noise(
                &format!("feed[{i}]."),
                &f.drop_selectors,
                &f.ignore_patterns,
            )
            .map_err(invalid)?;
            feeds.push(FeedConfig {
                url: parsed.to_string(),
                name: f.name,
                interval: feed_interval,
                noise: FeedNoise {
                    drop_selectors: f.drop_selectors,
                    ignore_patterns: patterns,
                    min_change_chars: f.min_change_chars,
                    seen_before: f.seen_before,
                    report_social_title: f.report_social_title,
                },
            });
        }
        let noise = Noise {
            ignore_patterns: compile_noise(
                "noise.",
                &raw.noise.drop_selectors,
                &raw.noise.ignore_patterns,
            )
            .map_err(invalid)?,
            drop_selectors: raw.noise.drop_selectors,
            min_change_chars: raw.noise.min_change_chars.unwrap_or(0),
            seen_before: raw.noise.seen_before.unwrap_or(5),
            report_social_title: raw.noise.report_social_title.unwrap_or(false),
        };
        let mut notify = Vec::with_capacity(raw.notify.len());
        for (i, n) in raw.notify.into_iter().enumerate() {
            let n = notifier(i, n, base_dir).map_err(invalid)?;
            if notify.iter().any(|m: &NotifierConfig| m.name == n.name) {
                return Err(invalid(format!(
                    "key `notify[{i}].name`: {:?} is used twice",
                    n.name
                )));
            }
            notify.push(n);
        }
        Ok(Config {
            database,
            user_agent: raw.user_agent.unwrap_or_else(default_user_agent),
            interval,
            recheck,
            http,
            politeness,
            lifecycle,
            feeds,
            noise,
            changes_feed: raw.changes_feed.map(|p| base_dir.join(p)),
            notify,
            store: StoreOptions {
                synchronous: match raw
                    .store
                    .synchronous
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                {
                    None => Synchronous::default(),
                    Some(s) if s == "normal" => Synchronous::Normal,
                    Some(s) if s == "full" => Synchronous::Full,
                    Some(s) => {
                        return Err(invalid(format!(
                            "key `store.synchronous`: {s:?} is not one of normal, full"
                        )));
                    }
                },
            },
        })
    }
}

/// Turns a TOML error into one line: `line L, column C: message` plus the key when the
/// parser knows it.
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before
                .rfind('\n')
                .map_or(before.len(), |i| before.len() - i - 1)
                + 1;
            let line_text = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line}, column {col}: {msg} (in `{line_text}`)")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("test.toml"), Path::new("/srv/stet"))
    }

    #[test]
    fn example_config_is_valid_and_gives_the_defaults() {
        let c = parse(EXAMPLE).unwrap();
        assert_eq!(c.database, Path::new("/srv/stet/stet.db"));
        assert_eq!(c.interval, Duration::from_secs(1800));
        assert_eq!(c.recheck.fresh_for, Duration::from_secs(86400));
        assert_eq!(c.recheck.then_every, Duration::from_secs(86400));
        assert_eq!(c.recheck.stop_after, Duration::from_secs(30 * 86400));
        assert_eq!(c.http.max_body_bytes, 10 * 1024 * 1024);
        assert!(c.user_agent.starts_with("stet/"));
        assert_eq!(c.http.max_redirects, 10);
        assert_eq!(c.http.max_entries, 10_000);
        assert_eq!(c.http.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.http.timeout, Duration::from_secs(60));
        assert_eq!(c.politeness, Politeness::default());
        assert_eq!(c.lifecycle, Lifecycle::default());
        assert_eq!(c.store, StoreOptions::default());
        // The example states every default: parsing it equals parsing an empty file.
        let empty = parse("").unwrap();
        assert_eq!(empty.http, c.http);
        assert_eq!(empty.politeness, c.politeness);
        assert_eq!(empty.lifecycle, c.lifecycle);
    }

    #[test]
    fn empty_config_uses_defaults() {
        let c = parse("").unwrap();
        assert!(c.feeds.is_empty());
        assert_eq!(c.interval, Config::DEFAULT_INTERVAL);
    }

    #[test]
    fn feeds_take_their_own_interval_or_the_default() {
        let c = parse(
            "interval = \"10m\"\n[[feed]]\nurl = \"https://a.example/feed\"\n\
             [[feed]]\nurl = \"https://b.example/rss\"\ninterval = \"2h\"\nname = \"B\"\n",
        )
        .unwrap();
        assert_eq!(c.feeds.len(), 2);
        assert_eq!(c.feeds[0].interval, Duration::from_secs(600));
        assert_eq!(c.feeds[1].interval, Duration::from_secs(7200));
        assert_eq!(c.feeds[1].name.as_deref(), Some("B"));
    }

    #[test]
    fn a_bad_duration_names_line_and_key() {
        let err = parse("database = \"x.db\"\ninterval = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("interval"), "{err}");
        assert!(err.contains("soon"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_rejected_by_name() {
        let err = parse("[[feed]]\nurl = \"https://a.example/\"\nintervall = \"1h\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("intervall"), "{err}");
    }

    #[test]
    fn a_non_http_feed_url_is_rejected() {
        let err = parse("[[feed]]\nurl = \"file:///etc/passwd\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("feed[0].url"), "{err}");
    }

    #[test]
    fn notifiers_and_noise_are_validated() {
        let c = parse(
            "changes_feed = \"changes.xml\"\n[noise]\nignore_patterns = ['\\d+ minutes ago']\nmin_change_chars = 10\n\
             [[notify]]\nkind = \"webhook\"\nurl = \"https://hooks.example/x\"\nkinds = [\"body\"]\n\
             [[notify]]\nname = \"mail\"\nkind = \"email\"\nsmtp_host = \"smtp.example\"\nfrom = \"a@x\"\nto = [\"b@x\"]\n",
        )
        .unwrap();
        assert_eq!(
            c.changes_feed.as_deref(),
            Some(Path::new("/srv/stet/changes.xml"))
        );
        assert_eq!(c.noise.min_change_chars, 10);
        assert_eq!(c.noise.seen_before, 5);
        assert!(c.noise.ignore_patterns[0].is_match("5 minutes ago"));
        assert_eq!(c.notify[0].name, "webhook-1");
        assert_eq!(c.notify[1].name, "mail");
        match &c.notify[1].kind {
            NotifierKind::Email(e) => {
                assert_eq!((e.smtp_port, e.security.as_str()), (587, "starttls"))
            }
            other => panic!("{other:?}"),
        }
        let err = parse("[[notify]]\nkind = \"pigeon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("notify[0].kind"), "{err}");
        let err = parse("[noise]\nignore_patterns = ['(']\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("noise.ignore_patterns[0]"), "{err}");
    }

    #[test]
    fn allow_private_addresses_takes_a_boolean_or_a_list() {
        let access = |v: &str| {
            parse(&format!("[politeness]\nallow_private_addresses = {v}\n"))
                .map(|c| c.politeness.allow_private_addresses)
                .map_err(|e| e.to_string())
        };
        assert_eq!(access("false").unwrap(), PrivateAccess::FeedHostOnly);
        assert_eq!(access("true").unwrap(), PrivateAccess::AllButLinkLocal);
        assert_eq!(
            access("[\"10.0.0.0/8\", \"::1\", \"NAS.local\"]").unwrap(),
            PrivateAccess::Listed(vec![
                Allowed::Net("10.0.0.0/8".parse().unwrap()),
                Allowed::Net("::1/128".parse().unwrap()),
                Allowed::Host("nas.local".into()),
            ])
        );
        assert_eq!(
            access("[\"10.0.0.0/8\", \"300.1.1.1/8\"]").unwrap_err(),
            "invalid config test.toml: key `politeness.allow_private_addresses[1]`: \"300.1.1.1/8\" \
             is not a network (CIDR such as \"10.0.0.0/8\"), an IP address or a host name"
        );
        assert_eq!(
            access("\"yes\"").unwrap_err(),
            "invalid config test.toml: key `politeness.allow_private_addresses`: expected true, \
             false or a list such as [\"10.0.0.0/8\", \"nas.local\"], found string"
        );
    }

    #[test]
    fn secrets_come_from_the_environment_or_a_file() {
        let c = parse(
            "[[notify]]\nkind = \"webhook\"\nurl_env = \"HOOK\"\n\
             [[notify]]\nkind = \"webhook\"\nurl_file = \"hook.txt\"\n\
             [[notify]]\nkind = \"email\"\nsmtp_host = \"s\"\nfrom = \"a@x\"\nto = [\"b@x\"]\n\
             username = \"u\"\npassword_file = \"/run/pw\"\n",
        )
        .unwrap();
        assert_eq!(
            c.notify[0].kind,
            NotifierKind::Webhook {
                url: Secret::Env("HOOK".into())
            }
        );
        assert_eq!(
            c.notify[1].kind,
            NotifierKind::Webhook {
                url: Secret::File("/srv/stet/hook.txt".into())
            }
        );
        match &c.notify[2].kind {
            NotifierKind::Email(e) => {
                assert_eq!(e.password, Some(Secret::File("/run/pw".into())))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            Secret::Env("STET_TEST_UNSET_VARIABLE".into())
                .read("the webhook URL")
                .unwrap_err(),
            "environment variable STET_TEST_UNSET_VARIABLE (the webhook URL) is not set"
        );
        // An inline secret never shows in Debug output.
        let inline =
            parse("[[notify]]\nkind = \"webhook\"\nurl = \"https://u:canary@h.example/\"\n")
                .unwrap();
        assert!(!format!("{inline:?}").contains("canary"));
        let err = parse("[[notify]]\nkind = \"webhook\"\nurl = \"ftp://u:canary@h.example/\"\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("canary"), "{err}");
        let err = parse("[[notify]]\nkind = \"webhook\"\nurl = \"https://h/\"\nurl_env = \"X\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("keys `notify[0].url`, `url_env` and `url_file`: give only one"),
            "{err}"
        );
    }

    #[test]
    fn store_synchronous_is_normal_or_full() {
        assert_eq!(parse("").unwrap().store.synchronous, Synchronous::Normal);
        assert_eq!(
            parse("[store]\nsynchronous = \"FULL\"\n")
                .unwrap()
                .store
                .synchronous,
            Synchronous::Full
        );
        assert_eq!(
            parse("[store]\nsynchronous = \"off\"\n")
                .unwrap_err()
                .to_string(),
            "invalid config test.toml: key `store.synchronous`: \"off\" is not one of normal, full"
        );
    }

    #[test]
    fn broken_toml_names_the_line() {
        let err = parse("interval = \"1h\"\n[[feed]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
