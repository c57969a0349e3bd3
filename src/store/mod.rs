//! Storage: feeds, entries, articles, versions and content-addressed blobs in SQLite.
//!
//! - Blobs (raw HTML, cleaned HTML, plain text) are keyed by the sha256 of their bytes and
//!   stored once, zstd-compressed, however many versions or articles share them.
//! - A version row holds the metadata, the blob hashes, the content hash and the list of
//!   changes from the previous version of the same article.
//! - The schema lives in `migrations/NNNN_*.sql`, applied in order when the database
//!   opens (rusqlite_migration records the schema version in `PRAGMA user_version`).
//! - The database runs in WAL mode with foreign keys on; every multi-row write is one
//!   transaction, so a crash loses at most the article being written.
//!
//! The store never fetches anything; it is given what to keep.

pub mod bases;
pub mod blob;
pub mod changes;
pub mod identity;
mod identity_migrate;
pub mod outbox;

use std::path::Path;
use std::sync::LazyLock;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use rusqlite_migration::{M, Migrations};
use serde::Serialize;

use crate::extract::CommentState;
use crate::http::robots::RobotsEntry;
use crate::http::{FetchRecord, HostBackoff, Validators};

/// A sha256 digest.
pub type Sha256 = [u8; 32];

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An SQLite error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A blob could not be compressed or decompressed.
    #[error("blob {hash}: {message}")]
    Blob {
        /// Hex sha256 of the blob.
        hash: String,
        /// The cause.
        message: String,
    },
    /// A requested row does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The database's schema is newer than this stet knows: a newer stet made it.
    #[error("created by a newer stet (schema {found}, this stet knows {known}): upgrade stet")]
    TooNew {
        /// The database's schema version (`PRAGMA user_version`).
        found: i64,
        /// The newest schema this stet knows.
        known: i64,
    },
    /// A read-only open found a schema older than this stet's, which only a writable
    /// open can bring up to date.
    #[error(
        "the database has schema {found}, this stet needs {known}: open it writable once (`stet poll`) to upgrade it"
    )]
    Outdated {
        /// The database's schema version.
        found: i64,
        /// The schema this stet needs.
        known: i64,
    },
}

type Result<T> = std::result::Result<T, StoreError>;

/// The schema migrations, in order; a current database's `user_version` is their count.
const MIGRATION_FILES: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_fetching.sql"),
    include_str!("../../migrations/0003_reports.sql"),
    include_str!("../../migrations/0004_delta_blobs.sql"),
    include_str!("../../migrations/0005_watched.sql"),
    include_str!("../../migrations/0006_identity.sql"),
];

/// Migrations whose SQL is followed by a Rust step in the same transaction: by index in
/// [`MIGRATION_FILES`].
const MIGRATION_HOOKS: &[(usize, MigrationHook)] = &[(5, identity_migrate::migrate)];

/// A migration's Rust step, run in the migration's transaction after its SQL.
type MigrationHook = fn(&rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(
        MIGRATION_FILES
            .iter()
            .enumerate()
            .map(
                |(i, sql)| match MIGRATION_HOOKS.iter().find(|(n, _)| *n == i) {
                    Some((_, hook)) => M::up_with_hook(sql, *hook),
                    None => M::up(sql),
                },
            )
            .collect(),
    )
});

/// Hot query: One article by id.
const SQL_ARTICLE: &str = "SELECT a.*, f.interval_secs, f.url AS feed_url, f.config_url AS feed_config_url FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id
                 WHERE a.id = ?1";
/// Hot query: A page of the articles due for a re-check, oldest due first.
const SQL_DUE_ARTICLES_PAGE: &str = "SELECT a.*, f.interval_secs, f.url AS feed_url, f.config_url AS feed_config_url FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id
             WHERE a.next_check_at IS NOT NULL AND a.next_check_at <= ?1
               AND (a.next_check_at, a.id) > (?2, ?3)
             ORDER BY a.next_check_at, a.id LIMIT ?4";
/// Hot query: A page of the articles still re-checked, by id (`poll --all`).
const SQL_ALL_ARTICLES_PAGE: &str = "SELECT a.*, f.interval_secs, f.url AS feed_url, f.config_url AS feed_config_url FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id
             WHERE a.next_check_at IS NOT NULL AND a.id > ?1
             ORDER BY a.id LIMIT ?2";
/// Hot query: An article's newest version.
const SQL_LATEST_VERSION: &str =
    "SELECT * FROM versions WHERE article_id = ?1 ORDER BY id DESC LIMIT 1";
/// Hot query: Whether a feed entry is known.
const SQL_ENTRY_EXISTS: &str = "SELECT 1 FROM entries WHERE feed_id = ?1 AND entry_key = ?2";
/// Hot query: An article by URL.
const SQL_ARTICLE_BY_URL: &str = "SELECT id FROM articles WHERE url = ?1";
/// Hot query: An article's check state.
const SQL_SAVE_CHECK: &str =
    "UPDATE articles SET last_checked = ?2, next_check_at = ?3, last_error = ?4,
               etag = CASE WHEN ?5 THEN ?6 ELSE etag END,
               last_modified = CASE WHEN ?5 THEN ?7 ELSE last_modified END,
               last_raw_sha256 = COALESCE(?8, last_raw_sha256)
             WHERE id = ?1";
/// Hot query: A fetch's outcome.
const SQL_FETCH_OUTCOME: &str = "UPDATE fetches SET outcome = ?2, stage = COALESCE(?3, stage),
                   error = COALESCE(?4, error) WHERE id = ?1";
/// Hot query (once per poll cycle): the raw pages of the last ?1 versions, as the full
/// blobs they are or are deltas against, most used first (at most ?2).
const SQL_RECENT_BASES: &str = "SELECT COALESCE(b.base, b.sha256) AS h, count(*) AS n
             FROM versions v JOIN blobs b ON b.sha256 = v.raw_sha256
             WHERE v.id > (SELECT max(id) FROM versions) - ?1
             GROUP BY h ORDER BY n DESC LIMIT ?2";
/// Hot query: An article's versions.
const SQL_VERSIONS: &str = "SELECT * FROM versions WHERE article_id = ?1 ORDER BY id";

/// The queries a poll cycle runs per item (and `stet versions`), for the query-plan
/// test: none may scan `articles`, `versions` or `blobs`.
pub const HOT_QUERIES: &[&str] = &[
    SQL_ARTICLE,
    SQL_DUE_ARTICLES_PAGE,
    SQL_ALL_ARTICLES_PAGE,
    SQL_LATEST_VERSION,
    SQL_ENTRY_EXISTS,
    SQL_ARTICLE_BY_URL,
    identity::SQL_URL_OWNERS,
    SQL_SAVE_CHECK,
    SQL_FETCH_OUTCOME,
    SQL_VERSIONS,
    SQL_RECENT_BASES,
    blob::SQL_BLOB_EXISTS,
    blob::SQL_BLOB_GET,
    blob::SQL_BLOB_IS_FULL,
];

/// What changed between a version and the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The first version of the article.
    New,
    /// The headline changed.
    Title,
    /// The body text changed.
    Body,
    /// The author line changed.
    Byline,
    /// The publication time changed.
    Published,
    /// Comments were open (or absent) and are now closed.
    CommentsClosed,
    /// Comments were closed (or absent) and are now open.
    CommentsOpened,
    /// The social title (`og:title`, `twitter:title`) or the document title (`<title>`)
    /// changed while the visible headline did not (an A/B test of social headlines, a
    /// search-engine title). Stored, and reported only with `noise.report_social_title`.
    SocialTitle,
}

impl ChangeKind {
    /// The snake_case name used in the database and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Title => "title",
            ChangeKind::Body => "body",
            ChangeKind::Byline => "byline",
            ChangeKind::Published => "published",
            ChangeKind::CommentsClosed => "comments_closed",
            ChangeKind::CommentsOpened => "comments_opened",
            ChangeKind::SocialTitle => "social_title",
        }
    }
}

/// Formats a time as stored: RFC 3339, UTC, whole seconds, `Z`.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_stored_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// A feed as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Feed {
    /// Row id.
    pub id: i64,
    /// The feed URL.
    pub url: String,
    /// Name from the config.
    pub name: Option<String>,
    /// The feed's own title.
    pub title: Option<String>,
    /// Seconds between polls.
    pub interval_secs: u64,
    /// Validators from the last 200 response.
    #[serde(skip)]
    pub validators: Validators,
    /// Last poll attempt.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// Last successful poll.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error, cleared on success.
    pub last_error: Option<String>,
    /// Next poll (None: due now).
    pub next_poll_at: Option<DateTime<Utc>>,
    /// The URL as written in config.toml (differs from `url` after a move).
    pub config_url: String,
    /// `ok`, `failing`, `dead`, `gone` or `disallowed` (see migration 0002).
    pub status: String,
    /// Consecutive failed polls.
    pub failures: u32,
    /// Start of the current run of failures.
    pub failing_since: Option<DateTime<Utc>>,
    /// Target of the permanent redirect seen at the last polls, if any.
    pub moved_to: Option<String>,
    /// Polls in a row that saw that redirect.
    pub moved_count: u32,
}

/// The outcome of one feed poll, written in one statement.
#[derive(Debug, Clone)]
pub struct FeedPoll<'a> {
    /// The feed.
    pub feed_id: i64,
    /// When the poll's fetch started.
    pub polled_at: DateTime<Utc>,
    /// When to poll next.
    pub next_poll_at: DateTime<Utc>,
    /// New status (`ok`, `failing`, `dead`, `gone`, `disallowed`).
    pub status: &'a str,
    /// Consecutive failures after this poll (0 on success).
    pub failures: u32,
    /// Start of the current run of failures (None on success).
    pub failing_since: Option<DateTime<Utc>>,
    /// The error (`stage failed: cause`), None on success.
    pub error: Option<&'a str>,
    /// Validators to keep (from a 200).
    pub validators: Option<&'a Validators>,
    /// The feed's title, when parsed.
    pub title: Option<&'a str>,
    /// Permanent redirect target seen, and in how many polls in a row.
    pub moved: Option<(&'a str, u32)>,
}

/// A status event (migration 0002, table `events`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Row id.
    pub id: i64,
    /// The article, for an article event.
    pub article_id: Option<i64>,
    /// The article's feed, or the feed of a feed event.
    pub feed_id: Option<i64>,
    /// RFC 3339 time of the fetch that saw it.
    pub at: String,
    /// `removed`, `restored`, `extraction_failed`, `redirected`, `feed_moved`,
    /// `feed_gone`, `feed_dead`.
    pub kind: String,
    /// Cause in words ("unavailable (HTTP 404)").
    pub detail: Option<String>,
}

/// A status event to record.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// The article, for an article event.
    pub article_id: Option<i64>,
    /// The feed.
    pub feed_id: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
    /// Kind (see [`Event::kind`]).
    pub kind: &'a str,
    /// Cause in words.
    pub detail: Option<&'a str>,
}

/// An article as stored, with its re-check state.
#[derive(Debug, Clone)]
pub struct Article {
    /// Row id.
    pub id: i64,
    /// Page URL.
    pub url: String,
    /// The feed that first listed it.
    pub feed_id: Option<i64>,
    /// That feed's poll interval in seconds (drives fresh re-checks).
    pub feed_interval_secs: Option<u64>,
    /// That feed's URL as config.toml names it (before any permanent redirect).
    pub feed_config_url: Option<String>,
    /// When stet first saw it.
    pub first_seen: DateTime<Utc>,
    /// Validators from the last 200 response.
    pub validators: Validators,
    /// sha256 of the last raw body received.
    pub last_raw_sha256: Option<Sha256>,
    /// Feed entry metadata, the fallback when the page lacks its own.
    pub entry: EntryMeta,
    /// URL of the feed that first listed it.
    pub feed_url: Option<String>,
    /// `ok`, or `removed` after a 404/410 of an article that had versions.
    pub status: String,
}

/// Feed entry metadata kept with an article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryMeta {
    /// Entry title.
    pub title: Option<String>,
    /// Entry author.
    pub author: Option<String>,
    /// Entry publication time.
    pub published: Option<DateTime<Utc>>,
}

/// A row of `stet articles`.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleSummary {
    /// Row id.
    pub id: i64,
    /// Page URL. Here and in `feed_url` and `feeds`, credentials are masked
    /// ([`crate::redact`]): the summary is for showing.
    pub url: String,
    /// Title of the newest version (or of the feed entry).
    pub title: Option<String>,
    /// URL of the feed that first listed it.
    pub feed_url: Option<String>,
    /// URLs of every feed that lists it (an article may be in several), the first
    /// listing one first.
    pub feeds: Vec<String>,
    /// Number of versions.
    pub versions: u64,
    /// RFC 3339.
    pub first_seen: String,
    /// RFC 3339, or null.
    pub last_checked: Option<String>,
    /// RFC 3339 time of the newest version, or null.
    pub last_changed: Option<String>,
}

/// A stored version (without its blobs).
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// Row id.
    pub id: i64,
    /// Its article.
    pub article_id: i64,
    /// RFC 3339 time of the fetch that produced it.
    pub fetched_at: String,
    /// Hex sha256 over the normalized title, byline, body text and comment state.
    pub content_sha256: String,
    /// Hex sha256 of the normalized body text.
    #[serde(skip)]
    pub body_sha256: String,
    /// Hex sha256 of the raw page blob.
    pub raw_sha256: String,
    /// Hex sha256 of the cleaned HTML blob.
    pub html_sha256: String,
    /// Hex sha256 of the plain-text blob.
    pub text_sha256: String,
    /// Headline.
    pub title: Option<String>,
    /// Author line.
    pub byline: Option<String>,
    /// RFC 3339 publication time.
    pub published: Option<String>,
    /// Canonical URL.
    pub canonical_url: Option<String>,
    /// Language.
    pub lang: Option<String>,
    /// Comment state.
    pub comments: CommentState,
    /// Change kinds from the previous version.
    pub changes: Vec<ChangeKind>,
    /// Extractor version that produced it.
    pub extractor_version: u32,
    /// Why it is not reported as a change, or None when it is.
    pub suppressed: Option<String>,
    /// The encoding the raw page was decoded with (WHATWG name).
    pub encoding: Option<String>,
    /// The visible headline (the page's `<h1>` headline), if any.
    pub headline: Option<String>,
    /// The social title (`og:title`, else `twitter:title`), if any.
    pub social_title: Option<String>,
    /// The document title (`<title>`), if any.
    pub document_title: Option<String>,
}

/// A later page (the second or after) of a multi-page article, to store with its
/// version ([`crate::multipage`]).
#[derive(Debug, Clone, Copy)]
pub struct PageRaw<'a> {
    /// The address it was fetched from (after redirects).
    pub url: &'a str,
    /// Its raw bytes (after content decoding).
    pub raw: &'a [u8],
    /// The encoding it was decoded with (WHATWG name).
    pub encoding: Option<&'a str>,
}

/// A stored later page of a version (table `version_pages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPage {
    /// Its number in the article: 2, 3, ...
    pub page: u32,
    /// The address it was fetched from.
    pub url: String,
    /// Hex sha256 of its raw blob.
    pub raw_sha256: String,
    /// The encoding it was decoded with (WHATWG name).
    pub encoding: Option<String>,
}

/// A new version to store.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// The page bytes as fetched (after content decoding).
    pub raw: &'a [u8],
    /// Cleaned article HTML.
    pub html: &'a str,
    /// Its plain text.
    pub text: &'a str,
    /// Content hash.
    pub content_sha256: Sha256,
    /// Normalized body text hash.
    pub body_sha256: Sha256,
    /// Headline.
    pub title: Option<&'a str>,
    /// Author line.
    pub byline: Option<&'a str>,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Canonical URL.
    pub canonical_url: Option<&'a str>,
    /// Language.
    pub lang: Option<&'a str>,
    /// Comment state.
    pub comments: CommentState,
    /// Change kinds from the previous version.
    pub changes: &'a [ChangeKind],
    /// Extractor version.
    pub extractor_version: u32,
    /// Why the version is not reported as a change (`seen_before`, `below_min_size`,
    /// `social_title`), or None when it is.
    pub suppressed: Option<&'a str>,
    /// The encoding the raw page was decoded with (WHATWG name).
    pub encoding: Option<&'a str>,
    /// The visible headline.
    pub headline: Option<&'a str>,
    /// The social title.
    pub social_title: Option<&'a str>,
    /// The document title.
    pub document_title: Option<&'a str>,
    /// The pages after the first, for a multi-page article (stored with a new version;
    /// left as they are by [`Store::update_derived`]).
    pub pages: &'a [PageRaw<'a>],
}

/// The outcome of one check of an article, written in one transaction.
#[derive(Debug, Clone)]
pub struct ArticleCheck<'a> {
    /// The article.
    pub article_id: i64,
    /// When the check's fetch started.
    pub checked_at: DateTime<Utc>,
    /// Next re-check, or None to stop.
    pub next_check_at: Option<DateTime<Utc>>,
    /// New validators to keep (only from a 200 response).
    pub validators: Option<&'a Validators>,
    /// sha256 of the raw body received (only from a 200 response).
    pub raw_sha256: Option<Sha256>,
    /// The error of this check, or None when it succeeded.
    pub error: Option<&'a str>,
    /// A new version, when the content changed.
    pub version: Option<NewVersion<'a>>,
    /// A new article status (`ok`, `removed`), when it changes.
    pub status: Option<&'a str>,
    /// A status event to record with the check: kind and detail.
    pub event: Option<(&'a str, &'a str)>,
}

/// Where a page of [`Store::due_articles_page`] ended: the last article's due time (as
/// stored) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCursor {
    at: String,
    id: i64,
}

/// The SQLite store.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets WAL mode and foreign keys,
    /// and applies pending migrations.
    ///
    /// # Errors
    /// When the file cannot be opened or the schema cannot be migrated.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Sqlite(rusqlite::Error::InvalidPath(
                    format!("{}: {e}", dir.display()).into(),
                ))
            })?;
        }
        Self::init(Connection::open(path)?)
    }

    /// Opens the database at `path` for reading only, for the commands that list, show,
    /// diff and search: nothing is created, migrated or written, so an archive on
    /// read-only media or a backup can be read as it is.
    ///
    /// SQLite's read-only mode still creates the `-wal` and `-shm` files of a WAL
    /// database when they are missing and the folder is writable; so when there is no
    /// `-wal` file (no writer has the database open, and every write was checkpointed
    /// into the file) the database is opened `immutable`, which reads the file alone and
    /// creates nothing. With a `-wal` file (a daemon is running), the normal read-only
    /// mode reads the writer's latest commits through it.
    ///
    /// # Errors
    /// When the file cannot be opened, its schema is newer than this stet's
    /// ([`StoreError::TooNew`]) or older ([`StoreError::Outdated`]).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        use rusqlite::OpenFlags;
        let abs = std::path::absolute(path).map_err(|e| {
            StoreError::Sqlite(rusqlite::Error::InvalidPath(
                format!("{}: {e}", path.display()).into(),
            ))
        })?;
        let mut wal = abs.clone().into_os_string();
        wal.push("-wal");
        let immutable = !Path::new(&wal).exists();
        let mut uri = url::Url::from_file_path(&abs)
            .map_err(|()| StoreError::Sqlite(rusqlite::Error::InvalidPath(abs.clone())))?
            .to_string();
        uri.push_str(if immutable {
            "?mode=ro&immutable=1"
        } else {
            "?mode=ro"
        });
        let conn = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATION_FILES.len() as i64;
        if found > known {
            return Err(StoreError::TooNew { found, known });
        }
        if found < known {
            return Err(StoreError::Outdated { found, known });
        }
        Ok(Store { conn })
    }

    /// True when the store was opened read-only ([`Store::open_read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false)
    }

    /// Sets SQLite's `synchronous` (see [`crate::config::Synchronous`]).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn set_synchronous(&self, mode: crate::config::Synchronous) -> Result<()> {
        self.conn
            .pragma_update(None, "synchronous", mode.as_str())?;
        Ok(())
    }

    /// An in-memory database, for tests.
    ///
    /// # Errors
    /// As [`Store::open`].
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Two processes opening a new database at once (the daemon and a command) race:
        // switching to WAL needs a moment alone, and both see the schema unmigrated, so
        // the loser's CREATE TABLE fails. The loser waits and tries again; by then the
        // schema is current and there is nothing left to do.
        // Only that race is retried: any other failure (not a database, a schema from
        // a newer stet, a read-only file) is reported at once.
        let mut attempt = 0;
        loop {
            match Self::prepare(&mut conn) {
                Ok(()) => return Ok(Store { conn }),
                Err(e) => {
                    attempt += 1;
                    if attempt >= 10 || !Self::lost_a_race(&conn, &e) {
                        return Err(e);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20 * attempt));
                }
            }
        }
    }

    /// True when `e` is what another process opening the database at the same moment
    /// causes: the database is busy or locked, or the migration failed while the schema
    /// is now current (the other process migrated it).
    fn lost_a_race(conn: &Connection, e: &StoreError) -> bool {
        let busy = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        };
        match e {
            StoreError::Sqlite(e) => busy(e),
            StoreError::Migration(_) => conn
                .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
                .is_ok_and(|v| v == MIGRATION_FILES.len() as i64),
            _ => false,
        }
    }

    fn prepare(conn: &mut Connection) -> Result<()> {
        // A database from a newer stet is left exactly as it is.
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATION_FILES.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        // Readers opening a database that a daemon is writing to take no write lock:
        // WAL is switched on and migrations run only when they are not yet in place.
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if version != known {
            MIGRATIONS.to_latest(conn)?;
        }
        Ok(())
    }

    /// The schema version (number of migrations applied).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Brings the feeds table in step with the configuration: new URLs are added, known
    /// ones get the configured name and interval, feeds no longer configured are marked
    /// inactive (their history stays).
    ///
    /// # Errors
    /// On an SQLite error; nothing is changed then.
    pub fn sync_feeds(&mut self, feeds: &[crate::config::FeedConfig]) -> Result<()> {
        let tx = self.conn.savepoint()?;
        tx.execute("UPDATE feeds SET active = 0", [])?;
        {
            // A feed moved by a permanent redirect keeps its config URL as the key.
            let mut update = tx.prepare_cached(
                "UPDATE feeds SET name = ?2, interval_secs = ?3, active = 1
                 WHERE config_url = ?1 OR (config_url IS NULL AND url = ?1)",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO feeds (url, config_url, name, interval_secs, active)
                 VALUES (?1, ?1, ?2, ?3, 1)
                 ON CONFLICT(url) DO UPDATE SET name = excluded.name,
                   interval_secs = excluded.interval_secs, active = 1",
            )?;
            for f in feeds {
                let p = params![f.url, f.name, f.interval.as_secs() as i64];
                if update.execute(p)? == 0 {
                    insert.execute(p)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn feed_from_row(r: &Row<'_>) -> rusqlite::Result<Feed> {
        Ok(Feed {
            id: r.get("id")?,
            url: r.get("url")?,
            name: r.get("name")?,
            title: r.get("title")?,
            interval_secs: r.get::<_, i64>("interval_secs")? as u64,
            validators: Validators {
                etag: r.get("etag")?,
                last_modified: r.get("last_modified")?,
            },
            last_polled_at: parse_stored_time(r.get("last_polled_at")?),
            last_success_at: parse_stored_time(r.get("last_success_at")?),
            last_error: r.get("last_error")?,
            next_poll_at: parse_stored_time(r.get("next_poll_at")?),
            config_url: r
                .get::<_, Option<String>>("config_url")?
                .unwrap_or(r.get("url")?),
            status: r.get("status")?,
            failures: r.get::<_, i64>("failures")? as u32,
            failing_since: parse_stored_time(r.get("failing_since")?),
            moved_to: r.get("moved_to")?,
            moved_count: r.get::<_, i64>("moved_count")? as u32,
        })
    }

    /// Active feeds due at `now` (all active feeds when `all`), in config order.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn due_feeds(&self, now: DateTime<Utc>, all: bool) -> Result<Vec<Feed>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT * FROM feeds WHERE active = 1 AND status != 'gone'
               AND (?1 OR next_poll_at IS NULL OR next_poll_at <= ?2) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![all, fmt_time(now)], Self::feed_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All active feeds.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn feeds(&self) -> Result<Vec<Feed>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM feeds WHERE active = 1 ORDER BY id")?;
        let rows = stmt.query_map([], Self::feed_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records the outcome of a feed poll (status, failures, schedule, error, validators,
    /// title and any permanent redirect seen).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn save_feed_poll(&mut self, p: &FeedPoll<'_>) -> Result<()> {
        let ok = p.error.is_none();
        self.conn
            .prepare_cached(
                "UPDATE feeds SET last_polled_at = ?2, next_poll_at = ?3, status = ?4,
                   failures = ?5, failing_since = ?6, last_error = ?7,
                   last_success_at = CASE WHEN ?8 THEN ?2 ELSE last_success_at END,
                   etag = CASE WHEN ?9 THEN ?10 ELSE etag END,
                   last_modified = CASE WHEN ?9 THEN ?11 ELSE last_modified END,
                   title = COALESCE(?12, title),
                   moved_to = ?13, moved_count = ?14
                 WHERE id = ?1",
            )?
            .execute(params![
                p.feed_id,
                fmt_time(p.polled_at),
                fmt_time(p.next_poll_at),
                p.status,
                p.failures,
                p.failing_since.map(fmt_time),
                p.error.map(crate::redact::string),
                ok,
                p.validators.is_some(),
                p.validators.and_then(|v| v.etag.as_deref()),
                p.validators.and_then(|v| v.last_modified.as_deref()),
                p.title,
                p.moved.map(|m| m.0),
                p.moved.map_or(0, |m| m.1),
            ])?;
        Ok(())
    }

    /// Moves a feed to `new_url` after a persistent permanent redirect, keeping its
    /// config URL, and records a `feed_moved` event. Returns false (and changes
    /// nothing) when another feed already has that URL.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn move_feed(&mut self, feed_id: i64, new_url: &str, at: DateTime<Utc>) -> Result<bool> {
        let tx = self.conn.savepoint()?;
        let taken = tx
            .query_row(
                "SELECT 1 FROM feeds WHERE url = ?1 AND id != ?2",
                params![new_url, feed_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if taken {
            return Ok(false);
        }
        let old: String = tx.query_row("SELECT url FROM feeds WHERE id = ?1", [feed_id], |r| {
            r.get(0)
        })?;
        tx.execute(
            "UPDATE feeds SET url = ?2, moved_to = NULL, moved_count = 0,
               etag = NULL, last_modified = NULL WHERE id = ?1",
            params![feed_id, new_url],
        )?;
        let detail = format!("{old} -> {new_url}");
        insert_event(
            &tx,
            &NewEvent {
                article_id: None,
                feed_id: Some(feed_id),
                at,
                kind: "feed_moved",
                detail: Some(&detail),
            },
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Records a status event.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn add_event(&mut self, e: &NewEvent<'_>) -> Result<i64> {
        insert_event(&self.conn, e)
    }

    /// Status events, newest first, at most `limit`.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn events(&self, limit: usize) -> Result<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM events ORDER BY at DESC, id DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The status events of one article, newest first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn article_events(&self, article_id: i64) -> Result<Vec<Event>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT * FROM events WHERE article_id = ?1 ORDER BY at DESC, id DESC",
        )?;
        let rows = stmt.query_map([article_id], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Cached robots.txt files.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn robots_entries(&self) -> Result<Vec<RobotsEntry>> {
        let mut stmt = self.conn.prepare_cached("SELECT * FROM robots")?;
        let rows = stmt.query_map([], |r| {
            Ok(RobotsEntry {
                origin: r.get("origin")?,
                fetched_at: parse_stored_time(r.get("fetched_at")?).unwrap_or_default(),
                status: r.get("status")?,
                body: r.get("body")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores fetched robots.txt files, replacing older ones of the same origin.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn save_robots(&mut self, entries: &[RobotsEntry]) -> Result<()> {
        let tx = self.conn.savepoint()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO robots (origin, fetched_at, status, body)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in entries {
                stmt.execute(params![e.origin, fmt_time(e.fetched_at), e.status, e.body])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Per-host backoff state.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn host_backoff(&self) -> Result<Vec<(String, HostBackoff)>> {
        let mut stmt = self.conn.prepare_cached("SELECT * FROM hosts")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>("host")?,
                HostBackoff {
                    failures: r.get::<_, i64>("failures")? as u32,
                    blocked_until: parse_stored_time(r.get("blocked_until")?),
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces the per-host backoff state.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn save_host_backoff(&mut self, hosts: &[(String, HostBackoff)]) -> Result<()> {
        let tx = self.conn.savepoint()?;
        tx.execute("DELETE FROM hosts", [])?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO hosts (host, failures, blocked_until) VALUES (?1, ?2, ?3)",
            )?;
            for (h, b) in hosts {
                stmt.execute(params![h, b.failures, b.blocked_until.map(fmt_time)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets what became of a logged fetch (`soft_error`, `extraction_failed`, ...), and
    /// the stage and cause when it failed after the fetch itself.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn set_fetch_outcome(
        &mut self,
        fetch_id: i64,
        outcome: &str,
        stage: Option<&str>,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(SQL_FETCH_OUTCOME)?
            .execute(params![
                fetch_id,
                outcome,
                stage,
                error.map(crate::redact::string)
            ])?;
        Ok(())
    }

    /// Records the entries of a feed poll in one transaction. Entries not seen before are
    /// inserted, and each one with a link gets an article: the article already known by
    /// that URL ([`Store::find_article`]'s rules: tracking parameters, scheme and `www.`
    /// aside), else a new one due for its first fetch. Returns the ids of articles
    /// created by this call.
    ///
    /// # Errors
    /// On an SQLite error; nothing of this poll is stored then.
    pub fn record_entries(
        &mut self,
        feed_id: i64,
        entries: &[crate::feed::Entry],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let now_s = fmt_time(now);
        let tx = self.conn.savepoint()?;
        let mut created = Vec::new();
        {
            let mut exists = tx.prepare_cached(SQL_ENTRY_EXISTS)?;
            let mut find_article = tx.prepare_cached(SQL_ARTICLE_BY_URL)?;
            let mut insert_article = tx.prepare_cached(
                "INSERT INTO articles (url, feed_id, first_seen, next_check_at,
                   entry_title, entry_author, entry_published)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
            )?;
            let mut insert_entry = tx.prepare_cached(
                "INSERT INTO entries (feed_id, entry_key, article_id, title, link, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for e in entries {
                if e.key.is_empty() || exists.exists(params![feed_id, e.key])? {
                    continue;
                }
                // An entry whose link is a URL of a known article (with or without
                // tracking parameters) joins it: one article per story, in many feeds.
                let article_id = match e.link.as_deref() {
                    Some(link) => {
                        let key = crate::identity::keys::key(link);
                        let known = match identity::url_owners(&tx, &key)?.first() {
                            Some(o) => Some(o.article_id),
                            None => find_article
                                .query_row([link], |r| r.get::<_, i64>(0))
                                .optional()?,
                        };
                        let id = match known {
                            Some(id) => id,
                            None => {
                                insert_article.execute(params![
                                    link,
                                    feed_id,
                                    now_s,
                                    e.title,
                                    e.author,
                                    e.published.map(fmt_time)
                                ])?;
                                let id = tx.last_insert_rowid();
                                created.push(id);
                                id
                            }
                        };
                        identity::add_url(&tx, id, &key, identity::UrlKind::Link, &now_s)?;
                        Some(id)
                    }
                    None => None,
                };
                insert_entry
                    .execute(params![feed_id, e.key, article_id, e.title, e.link, now_s])?;
            }
        }
        tx.commit()?;
        Ok(created)
    }

    fn article_from_row(r: &Row<'_>) -> rusqlite::Result<Article> {
        Ok(Article {
            id: r.get("id")?,
            url: r.get("url")?,
            feed_id: r.get("feed_id")?,
            feed_interval_secs: r.get::<_, Option<i64>>("interval_secs")?.map(|s| s as u64),
            feed_config_url: r.get("feed_config_url")?,
            first_seen: parse_stored_time(r.get("first_seen")?).unwrap_or_default(),
            validators: Validators {
                etag: r.get("etag")?,
                last_modified: r.get("last_modified")?,
            },
            last_raw_sha256: r
                .get::<_, Option<Vec<u8>>>("last_raw_sha256")?
                .and_then(|v| v.try_into().ok()),
            entry: EntryMeta {
                title: r.get("entry_title")?,
                author: r.get("entry_author")?,
                published: parse_stored_time(r.get("entry_published")?),
            },
            feed_url: r.get("feed_url")?,
            status: r.get("status")?,
        })
    }

    /// One article by id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no such article.
    pub fn article(&self, id: i64) -> Result<Article> {
        self.conn
            .prepare_cached(SQL_ARTICLE)?
            .query_row([id], Self::article_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("article {id}")))
    }

    /// One page of the articles whose re-check is due at `now` (with `all`, of every
    /// article still re-checked), at most `limit` of them, after `after`: oldest due
    /// first (by id with `all`). Pass the returned cursor to get the next page; an empty
    /// page ends the list. Paging keeps a poll cycle's memory independent of the archive's
    /// size, and a cursor (keyset, not OFFSET) keeps each page an index range.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn due_articles_page(
        &self,
        now: DateTime<Utc>,
        all: bool,
        after: Option<&DueCursor>,
        limit: usize,
    ) -> Result<(Vec<Article>, Option<DueCursor>)> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = if all {
            self.conn.prepare_cached(SQL_ALL_ARTICLES_PAGE)?
        } else {
            self.conn.prepare_cached(SQL_DUE_ARTICLES_PAGE)?
        };
        let (at, id) = after.map_or((None, 0), |c| (Some(c.at.as_str()), c.id));
        let mut cursor = None;
        let mut rows = if all {
            stmt.query(params![id, limit])?
        } else {
            stmt.query(params![fmt_time(now), at.unwrap_or(""), id, limit])?
        };
        let mut page = Vec::new();
        while let Some(r) = rows.next()? {
            let article = Self::article_from_row(r)?;
            cursor = Some(DueCursor {
                at: r.get("next_check_at")?,
                id: article.id,
            });
            page.push(article);
        }
        Ok((page, cursor))
    }

    /// Every article due at `now` (see [`Store::due_articles_page`]), in one list: for
    /// tests and small archives.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn due_articles(&self, now: DateTime<Utc>, all: bool) -> Result<Vec<Article>> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = self.due_articles_page(now, all, cursor.as_ref(), 1024)?;
            if page.is_empty() {
                return Ok(out);
            }
            out.extend(page);
            cursor = next;
        }
    }

    /// Writes the outcome of an article check in one transaction: the article's check
    /// state, and the new version with its blobs when there is one.
    ///
    /// # Errors
    /// On an SQLite or compression error; nothing of this check is stored then.
    pub fn save_check(&mut self, check: &ArticleCheck<'_>) -> Result<Option<i64>> {
        self.save_check_with(check, None)
    }

    /// As [`Store::save_check`], with the version's raw page already packed
    /// ([`blob::pack`], possibly as a delta) and hashed (`check.raw_sha256`), as the poll
    /// cycle does off the writer task.
    ///
    /// # Errors
    /// As [`Store::save_check`].
    pub fn save_check_with(
        &mut self,
        check: &ArticleCheck<'_>,
        raw_packed: Option<&blob::Packed>,
    ) -> Result<Option<i64>> {
        let tx = self.conn.savepoint()?;
        let at = fmt_time(check.checked_at);
        let mut version_id = None;
        if let Some(v) = &check.version {
            let raw = match (check.raw_sha256, raw_packed) {
                (Some(hash), Some(data)) => blob::put_with(&tx, v.raw, hash, Some(data))?,
                _ => blob::put(&tx, v.raw)?,
            };
            let html = blob::put(&tx, v.html.as_bytes())?;
            let text = blob::put(&tx, v.text.as_bytes())?;
            let changes = serde_json::to_string(v.changes).expect("change kinds serialize");
            tx.prepare_cached(
                "INSERT INTO versions (article_id, fetched_at, content_sha256, body_sha256,
                   raw_sha256, html_sha256, text_sha256, title, byline, published,
                   canonical_url, lang, comments, changes, extractor_version, reported, suppressed,
                   encoding, headline, social_title, document_title)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                   ?18, ?19, ?20, ?21)",
            )?
            .execute(params![
                check.article_id,
                at,
                &v.content_sha256[..],
                &v.body_sha256[..],
                &raw[..],
                &html[..],
                &text[..],
                v.title,
                v.byline,
                v.published.map(fmt_time),
                v.canonical_url,
                v.lang,
                v.comments.as_str(),
                changes,
                v.extractor_version,
                v.suppressed.is_none(),
                v.suppressed,
                v.encoding,
                v.headline,
                v.social_title,
                v.document_title
            ])?;
            let id = tx.last_insert_rowid();
            for (i, page) in v.pages.iter().enumerate() {
                let raw = blob::put(&tx, page.raw)?;
                tx.prepare_cached(
                    "INSERT INTO version_pages (version_id, page, url, raw_sha256, encoding)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    id,
                    i as i64 + 2,
                    page.url,
                    &raw[..],
                    page.encoding
                ])?;
            }
            version_id = Some(id);
            tx.prepare_cached("UPDATE articles SET last_changed = ?2 WHERE id = ?1")?
                .execute(params![check.article_id, at])?;
        }
        if let Some(status) = check.status {
            tx.execute(
                "UPDATE articles SET status = ?2 WHERE id = ?1",
                params![check.article_id, status],
            )?;
        }
        if let Some((kind, detail)) = check.event {
            let feed_id: Option<i64> = tx.query_row(
                "SELECT feed_id FROM articles WHERE id = ?1",
                [check.article_id],
                |r| r.get(0),
            )?;
            insert_event(
                &tx,
                &NewEvent {
                    article_id: Some(check.article_id),
                    feed_id,
                    at: check.checked_at,
                    kind,
                    detail: Some(detail),
                },
            )?;
        }
        tx.prepare_cached(SQL_SAVE_CHECK)?.execute(params![
            check.article_id,
            at,
            check.next_check_at.map(fmt_time),
            check.error.map(crate::redact::string),
            check.validators.is_some(),
            check.validators.and_then(|v| v.etag.as_deref()),
            check.validators.and_then(|v| v.last_modified.as_deref()),
            check.raw_sha256.as_ref().map(|h| &h[..]),
        ])?;
        tx.commit()?;
        Ok(version_id)
    }

    /// Replaces the derived content of a stored version (cleaned HTML, text, hashes,
    /// metadata, extractor version) with `v`'s, in one transaction. The raw page, the
    /// fetch time and the change kinds stay; the old blobs stay stored.
    ///
    /// # Errors
    /// On an SQLite or compression error; nothing is changed then.
    pub fn update_derived(&mut self, version_id: i64, v: &NewVersion<'_>) -> Result<()> {
        let tx = self.conn.savepoint()?;
        let html = blob::put(&tx, v.html.as_bytes())?;
        let text = blob::put(&tx, v.text.as_bytes())?;
        let n = tx
            .prepare_cached(
                "UPDATE versions SET html_sha256 = ?2, text_sha256 = ?3, content_sha256 = ?4,
                   body_sha256 = ?5, title = ?6, byline = ?7, published = ?8,
                   canonical_url = ?9, lang = ?10, comments = ?11, extractor_version = ?12,
                   headline = ?13, social_title = ?14, document_title = ?15
                 WHERE id = ?1",
            )?
            .execute(params![
                version_id,
                &html[..],
                &text[..],
                &v.content_sha256[..],
                &v.body_sha256[..],
                v.title,
                v.byline,
                v.published.map(fmt_time),
                v.canonical_url,
                v.lang,
                v.comments.as_str(),
                v.extractor_version,
                v.headline,
                v.social_title,
                v.document_title
            ])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("version {version_id}")));
        }
        tx.commit()?;
        Ok(())
    }

    /// Ids of articles having a version made by another extractor version than `current`.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn articles_to_reextract(&self, current: u32) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT article_id FROM versions WHERE extractor_version <> ?1 ORDER BY article_id",
        )?;
        let rows = stmt.query_map([current], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Appends an HTTP attempt to the fetch log; returns its row id.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn log_fetch(
        &mut self,
        record: &FetchRecord,
        feed_id: Option<i64>,
        article_id: Option<i64>,
    ) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO fetches (url, feed_id, article_id, started_at, status, bytes,
                   duration_ms, error, stage, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                crate::redact::text(&record.url),
                feed_id,
                article_id,
                fmt_time(record.started_at),
                record.status,
                record.bytes as i64,
                record.duration_ms as i64,
                record.error.as_deref().map(crate::redact::string),
                record.stage.map(|s| s.as_str()),
                record.error.as_ref().map(|_| "error"),
            ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// One row per article, newest first seen last, its URLs masked ([`ArticleSummary`]).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn articles(&self) -> Result<Vec<ArticleSummary>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.url, f.url AS feed_url, a.first_seen, a.last_checked, a.last_changed,
                    (SELECT count(*) FROM versions v WHERE v.article_id = a.id) AS n,
                    COALESCE((SELECT v.title FROM versions v WHERE v.article_id = a.id
                              ORDER BY v.id DESC LIMIT 1), a.entry_title) AS title,
                    (SELECT group_concat(f2.url, char(10) ORDER BY f2.id <> a.feed_id, f2.id)
                       FROM feeds f2 WHERE f2.id = a.feed_id
                         OR f2.id IN (SELECT e.feed_id FROM entries e WHERE e.article_id = a.id)
                    ) AS feeds
             FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id ORDER BY a.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ArticleSummary {
                id: r.get("id")?,
                url: crate::redact::string(&r.get::<_, String>("url")?),
                title: r.get("title")?,
                feed_url: r
                    .get::<_, Option<String>>("feed_url")?
                    .map(|f| crate::redact::string(&f)),
                feeds: r
                    .get::<_, Option<String>>("feeds")?
                    .map(|f| f.lines().map(crate::redact::string).collect())
                    .unwrap_or_default(),
                versions: r.get::<_, i64>("n")? as u64,
                first_seen: r.get("first_seen")?,
                last_checked: r.get("last_checked")?,
                last_changed: r.get("last_changed")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn version_from_row(r: &Row<'_>) -> rusqlite::Result<Version> {
        let hexcol = |name: &str| -> rusqlite::Result<String> {
            Ok(hex::encode(r.get::<_, Vec<u8>>(name)?))
        };
        let changes: String = r.get("changes")?;
        Ok(Version {
            id: r.get("id")?,
            article_id: r.get("article_id")?,
            fetched_at: r.get("fetched_at")?,
            content_sha256: hexcol("content_sha256")?,
            body_sha256: hexcol("body_sha256")?,
            raw_sha256: hexcol("raw_sha256")?,
            html_sha256: hexcol("html_sha256")?,
            text_sha256: hexcol("text_sha256")?,
            title: r.get("title")?,
            byline: r.get("byline")?,
            published: r.get("published")?,
            canonical_url: r.get("canonical_url")?,
            lang: r.get("lang")?,
            comments: CommentState::parse(&r.get::<_, String>("comments")?),
            changes: serde_json::from_str(&changes).unwrap_or_default(),
            extractor_version: r.get("extractor_version")?,
            suppressed: r.get("suppressed")?,
            encoding: r.get("encoding")?,
            headline: r.get("headline")?,
            social_title: r.get("social_title")?,
            document_title: r.get("document_title")?,
        })
    }

    /// The stored later pages of a version (none unless its article is split over
    /// several pages), in page order.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn version_pages(&self, version_id: i64) -> Result<Vec<StoredPage>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT page, url, raw_sha256, encoding FROM version_pages
             WHERE version_id = ?1 ORDER BY page",
        )?;
        let rows = stmt.query_map([version_id], |r| {
            Ok(StoredPage {
                page: r.get(0)?,
                url: r.get(1)?,
                raw_sha256: hex::encode(r.get::<_, Vec<u8>>(2)?),
                encoding: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The versions of an article, oldest first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn versions(&self, article_id: i64) -> Result<Vec<Version>> {
        let mut stmt = self.conn.prepare_cached(SQL_VERSIONS)?;
        let rows = stmt.query_map([article_id], Self::version_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest version of an article, if any.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn latest_version(&self, article_id: i64) -> Result<Option<Version>> {
        Ok(self
            .conn
            .prepare_cached(SQL_LATEST_VERSION)?
            .query_row([article_id], Self::version_from_row)
            .optional()?)
    }

    /// One version by id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no such version.
    pub fn version(&self, id: i64) -> Result<Version> {
        self.conn
            .prepare_cached("SELECT * FROM versions WHERE id = ?1")?
            .query_row([id], Self::version_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("version {id}")))
    }

    /// The bytes of a blob, by hex sha256.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown hash, [`StoreError::Blob`] for a corrupt one.
    pub fn blob(&self, hex_sha256: &str) -> Result<Vec<u8>> {
        let hash = hex::decode(hex_sha256)
            .map_err(|_| StoreError::NotFound(format!("blob {hex_sha256}")))?;
        blob::get(&self.conn, &hash)
    }

    /// Whether the blob `hash` is stored full (not as a delta), so that it may serve as a
    /// delta base ([`bases::BasePool::admit`]).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn is_full_blob(&self, hash: &Sha256) -> Result<bool> {
        blob::is_full(&self.conn, hash)
    }

    /// The full raw pages most used by the last `recent` versions (stored full, or the
    /// bases of their deltas), most used first, at most `max`: hash and bytes. They seed
    /// a new [`bases::BasePool`], so that a process starting on an existing archive
    /// stores the pages of known sites as deltas from its first page on. A blob that
    /// does not read back is left out (and logged).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn recent_bases(&self, recent: usize, max: usize) -> Result<Vec<(Sha256, Vec<u8>)>> {
        let hashes: Vec<Vec<u8>> = self
            .conn
            .prepare_cached(SQL_RECENT_BASES)?
            .query_map(params![recent as i64, max as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(hashes.len());
        for h in hashes {
            let Ok(hash) = Sha256::try_from(&h[..]) else {
                continue;
            };
            if !blob::is_full(&self.conn, &hash)? {
                continue;
            }
            match blob::get(&self.conn, &hash) {
                Ok(bytes) => out.push((hash, bytes)),
                Err(StoreError::Sqlite(e)) => return Err(e.into()),
                Err(e) => tracing::warn!(error = %e, "a delta base does not read back"),
            }
        }
        Ok(out)
    }

    /// The text of a blob, by hex sha256 (lossy UTF-8).
    ///
    /// # Errors
    /// As [`Store::blob`].
    pub fn blob_text(&self, hex_sha256: &str) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.blob(hex_sha256)?).into_owned())
    }

    /// Number of blobs and their total compressed and uncompressed sizes, in bytes.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn blob_stats(&self) -> Result<(u64, u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT count(*), COALESCE(sum(length(data)), 0), COALESCE(sum(size), 0) FROM blobs",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            },
        )?)
    }

    /// The earliest time anything is due (a feed poll or an article re-check), if any.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self.conn.query_row(
            "SELECT min(t) FROM (
               SELECT min(COALESCE(next_poll_at, '0000')) AS t FROM feeds WHERE active = 1
               UNION ALL SELECT min(next_check_at) FROM articles)",
            [],
            |r| r.get(0),
        )?;
        Ok(match s.as_deref() {
            Some("0000") => Some(DateTime::<Utc>::MIN_UTC),
            other => parse_stored_time(other.map(str::to_string)),
        })
    }

    /// Opens a write batch: the writes that follow (each still atomic on its own, as a
    /// savepoint) share one transaction until [`Store::commit_batch`], so that a poll
    /// cycle commits once per batch rather than several times per article. Does
    /// nothing when a batch is open.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn begin_batch(&mut self) -> Result<()> {
        if self.conn.is_autocommit() {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        Ok(())
    }

    /// Commits the open write batch, if any.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn commit_batch(&mut self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }

    /// Runs `PRAGMA optimize`, as SQLite advises before closing a long-lived connection.
    pub fn close(self) {
        let _ = self.conn.execute_batch("PRAGMA optimize;");
    }
}

fn insert_event(conn: &Connection, e: &NewEvent<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO events (article_id, feed_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        e.article_id,
        e.feed_id,
        fmt_time(e.at),
        e.kind,
        e.detail.map(crate::redact::string)
    ])?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn event_from_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get("id")?,
        article_id: r.get("article_id")?,
        feed_id: r.get("feed_id")?,
        at: r.get("at")?,
        kind: r.get("kind")?,
        detail: r.get("detail")?,
    })
}

#[cfg(test)]
mod delta_tests;
#[cfg(test)]
mod identity_tests;
#[cfg(test)]
mod tests;
