//! The notification outbox: each change queued once per notifier, retried until delivered.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Store, fmt_time, parse_stored_time};

/// A notification waiting for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Row id.
    pub id: i64,
    /// The notifier's name.
    pub notifier: String,
    /// Stable change id.
    pub change_id: String,
    /// The JSON payload.
    pub payload: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// A row of the outbox, for reports and tests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxRow {
    /// The notifier's name.
    pub notifier: String,
    /// Stable change id.
    pub change_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// RFC 3339 time of delivery, if delivered.
    pub delivered_at: Option<String>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
}

impl Store {
    /// A notifier's high-water marks: the newest version id and status event id already
    /// queued for it, or None for a notifier never seen.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn notifier_mark(&self, name: &str) -> Result<Option<(i64, i64)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT last_version_id, last_event_id FROM notifiers WHERE name = ?1")?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Queues `items` (change id, JSON payload) for `notifier` and moves its marks to
    /// `mark` (version id, event id), in one transaction: a change is queued once, and
    /// never skipped.
    ///
    /// # Errors
    /// On an SQLite error; nothing is queued then.
    pub fn enqueue_batch(
        &mut self,
        notifier: &str,
        items: &[(String, String)],
        mark: (i64, i64),
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.conn.savepoint()?;
        let mut added = 0;
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO outbox (notifier, change_id, payload, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (notifier, change_id) DO NOTHING",
            )?;
            for (id, payload) in items {
                added += ins.execute(params![notifier, id, payload, fmt_time(now)])?;
            }
            tx.prepare_cached(
                "INSERT INTO notifiers (name, last_version_id, last_event_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET last_version_id = excluded.last_version_id,
                   last_event_id = excluded.last_event_id",
            )?
            .execute(params![notifier, mark.0, mark.1])?;
        }
        tx.commit()?;
        Ok(added)
    }

    /// Undelivered notifications due at `now`, oldest first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn pending_notifications(&self, now: DateTime<Utc>) -> Result<Vec<Pending>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, notifier, change_id, payload, attempts FROM outbox
             WHERE delivered_at IS NULL AND next_attempt_at <= ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([fmt_time(now)], |r| {
            Ok(Pending {
                id: r.get(0)?,
                notifier: r.get(1)?,
                change_id: r.get(2)?,
                payload: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a notification delivered.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn mark_delivered(&mut self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            params![id, fmt_time(at)],
        )?;
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn mark_failed(&mut self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
            params![id, crate::redact::text(error), fmt_time(retry_at)],
        )?;
        Ok(())
    }

    /// Every outbox row, oldest first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn outbox(&self) -> Result<Vec<OutboxRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT notifier, change_id, attempts, delivered_at, last_error FROM outbox ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OutboxRow {
                notifier: r.get(0)?,
                change_id: r.get(1)?,
                attempts: r.get(2)?,
                delivered_at: r.get(3)?,
                last_error: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The earliest retry time of an undelivered notification, if any.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn next_notification_due(&self) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self.conn.query_row(
            "SELECT min(next_attempt_at) FROM outbox WHERE delivered_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(parse_stored_time(s))
    }
}
