//! Queries behind change reports: reported versions with the version before each.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Store, Version, fmt_time};

/// Which changes to list.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    /// Only changes at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only articles listed by the feed with this URL (first or not: an article may be
    /// in several feeds), and that feed's own events.
    pub feed_url: Option<String>,
    /// Only versions whose change kinds include this one (`body`, `title`, ...).
    pub kind: Option<String>,
    /// Only versions with an id greater than this.
    pub after_version: Option<i64>,
    /// Only versions with an id up to this.
    pub until_version: Option<i64>,
    /// Only status events with an id greater than this.
    pub after_event: Option<i64>,
    /// Only status events with an id up to this.
    pub until_event: Option<i64>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// A reported version with what is needed to describe it.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    /// The new version.
    pub version: Version,
    /// The version before it, if any.
    pub previous: Option<Version>,
    /// The article's URL.
    pub article_url: String,
    /// The URL of the feed that first listed the article.
    pub feed_url: Option<String>,
}

impl Store {
    /// Reported versions that are changes (not an article's first version), newest first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn change_rows(&self, filter: &ChangeFilter) -> Result<Vec<ChangeRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.id, a.url, f.url,
                    (SELECT max(p.id) FROM versions p WHERE p.article_id = v.article_id AND p.id < v.id)
             FROM versions v JOIN articles a ON a.id = v.article_id
             LEFT JOIN feeds f ON f.id = a.feed_id
             WHERE v.reported = 1 AND v.changes <> '[\"new\"]'
               AND (?1 IS NULL OR v.fetched_at >= ?1)
               AND (?2 IS NULL OR f.url = ?2 OR f.config_url = ?2
                    OR EXISTS (SELECT 1 FROM entries en JOIN feeds fe ON fe.id = en.feed_id
                               WHERE en.article_id = v.article_id
                                 AND (fe.url = ?2 OR fe.config_url = ?2)))
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(v.changes) WHERE value = ?3))
               AND (?5 IS NULL OR v.id > ?5) AND (?6 IS NULL OR v.id <= ?6)
             ORDER BY v.id DESC LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(
                params![
                    filter.since.map(fmt_time),
                    filter.feed_url,
                    filter.kind,
                    filter.limit as i64,
                    filter.after_version,
                    filter.until_version
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                    ))
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, article_url, feed_url, prev)| {
                Ok(ChangeRow {
                    version: self.version(id)?,
                    previous: prev.map(|p| self.version(p)).transpose()?,
                    article_url,
                    feed_url,
                })
            })
            .collect()
    }

    /// Content hashes (hex) of an article's last `k` versions, newest first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn recent_content_hashes(&self, article_id: i64, k: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT content_sha256 FROM versions WHERE article_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![article_id, k as i64], |r| {
            Ok(hex::encode(r.get::<_, Vec<u8>>(0)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A status event with what is needed to describe it.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// The event.
    pub event: super::Event,
    /// The article's URL, for an article event.
    pub article_url: Option<String>,
    /// The feed's URL.
    pub feed_url: Option<String>,
    /// The article's newest title, if any.
    pub title: Option<String>,
}

impl Store {
    /// Status events (removed, restored, extraction_failed, feed_moved, ...) matching the
    /// filter, newest first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn event_rows(&self, filter: &ChangeFilter) -> Result<Vec<EventRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.*, a.url AS article_url, f.url AS feed_url,
                    (SELECT v.title FROM versions v WHERE v.article_id = e.article_id
                     ORDER BY v.id DESC LIMIT 1) AS title
             FROM events e LEFT JOIN articles a ON a.id = e.article_id
             LEFT JOIN feeds f ON f.id = e.feed_id
             WHERE (?1 IS NULL OR e.at >= ?1)
               AND (?2 IS NULL OR f.url = ?2 OR f.config_url = ?2
                    OR EXISTS (SELECT 1 FROM entries en JOIN feeds fe ON fe.id = en.feed_id
                               WHERE en.article_id = e.article_id
                                 AND (fe.url = ?2 OR fe.config_url = ?2)))
               AND (?3 IS NULL OR e.kind = ?3)
               AND (?5 IS NULL OR e.id > ?5) AND (?6 IS NULL OR e.id <= ?6)
             ORDER BY e.id DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![
                filter.since.map(fmt_time),
                filter.feed_url,
                filter.kind,
                filter.limit as i64,
                filter.after_event,
                filter.until_event
            ],
            |r| {
                Ok(EventRow {
                    event: super::event_from_row(r)?,
                    article_url: r.get("article_url")?,
                    feed_url: r.get("feed_url")?,
                    title: r.get("title")?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The largest status event id, or 0 when there is none.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn max_event_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(max(id), 0) FROM events", [], |r| r.get(0))?)
    }

    /// The largest version id, or 0 when there is none.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn max_version_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(max(id), 0) FROM versions", [], |r| {
                r.get(0)
            })?)
    }
}
