//! Getting told about changes: the Atom feed of changes and the notifiers.
//!
//! Notifications go through an outbox table: after each poll, every reported change
//! that a notifier has not yet seen is queued for it (with its high-water mark, in one
//! transaction), then due rows are delivered. A failed delivery is recorded and retried
//! with exponential backoff (the notifier's `retry_after`, doubled at each failure, at
//! most 6 hours); a delivered row is marked and never sent again. So a change is
//! delivered at least once, and a crash can at worst repeat the one delivery in flight.
//!
//! Every attempt has a timeout, so a dead endpoint delays a poll by at most that, and
//! once it failed it waits for its retry time instead of being tried at every poll.
//!
//! The payload (webhook body, `command` stdin) is a JSON object: the fields of
//! [`crate::changes::Change`] plus `diff`, the unified diff of the two versions, and
//! `passages`, the changed passages as a word diff (`[-old-]{+new+}`) with a sentence of
//! context each, which the email shows: what changed, not the whole article.

pub mod atom;
mod deliver;

use chrono::{DateTime, TimeDelta, Utc};

use crate::changes::{self, Change};
use crate::config::{Config, NotifierConfig};
use crate::diff;
use crate::store::changes::ChangeFilter;
use crate::store::{Store, StoreError};

/// Errors of a delivery attempt.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The Atom feed file could not be written.
    #[error("cannot write the changes feed {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// What a notification run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyReport {
    /// Rows queued.
    pub queued: usize,
    /// Rows delivered.
    pub delivered: usize,
    /// Failed attempts, as `notifier: change: cause`.
    pub failures: Vec<String>,
}

/// The JSON payload of a change: its fields plus `diff` (unified, over the version
/// documents) and `passages` (the word diff of the changed passages, see
/// [`diff::word`]); both empty for a status event.
///
/// # Errors
/// When a version or blob cannot be read.
pub fn payload(store: &Store, change: &Change) -> Result<String, StoreError> {
    let mut value = serde_json::to_value(change).expect("a change serializes");
    // Credentials in the URLs (a feed behind basic auth) never leave.
    for key in ["feed_url", "article_url", "summary"] {
        if let Some(s) = value[key].as_str() {
            value[key] = crate::redact::string(s).into();
        }
    }
    let Some(new_id) = change.new_version else {
        value["diff"] = "".into();
        value["passages"] = "".into();
        return Ok(value.to_string());
    };
    let new = store.version(new_id)?;
    let new_doc = diff::document(&new, &store.blob_text(&new.text_sha256)?);
    let (unified, passages) = match change.old_version {
        Some(old_id) => {
            let old = store.version(old_id)?;
            let old_doc = diff::document(&old, &store.blob_text(&old.text_sha256)?);
            (
                diff::unified(
                    &old_doc,
                    &new_doc,
                    &format!("version {}", old.id),
                    &format!("version {}", new.id),
                ),
                diff::word(&old_doc, &new_doc, diff::Marks::Plain),
            )
        }
        None => (String::new(), String::new()),
    };
    value["diff"] = unified.into();
    value["passages"] = passages.into();
    Ok(value.to_string())
}

fn wanted(n: &NotifierConfig, c: &Change) -> bool {
    // The change's feed URL is masked: compare it with the masked names of config.toml.
    (n.feeds.is_empty()
        || c.feed_url
            .as_deref()
            .is_some_and(|f| n.feeds.iter().any(|w| crate::redact::text(w) == f)))
        && (n.kinds.is_empty()
            || c.kinds
                .iter()
                .any(|k| n.kinds.iter().any(|w| w == k.as_str())))
}

/// Queues, for each notifier, the reported changes it has not seen. A notifier seen for
/// the first time starts from now: past changes are not replayed.
///
/// # Errors
/// On a store error.
pub fn queue(
    store: &mut Store,
    notifiers: &[NotifierConfig],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for n in notifiers {
        let max = (store.max_version_id()?, store.max_event_id()?);
        let Some(mark) = store.notifier_mark(&n.name)? else {
            store.enqueue_batch(&n.name, &[], max, now)?;
            continue;
        };
        if mark.0 >= max.0 && mark.1 >= max.1 {
            continue;
        }
        let filter = ChangeFilter {
            after_version: Some(mark.0),
            until_version: Some(max.0),
            after_event: Some(mark.1),
            until_event: Some(max.1),
            limit: usize::MAX >> 1,
            ..ChangeFilter::default()
        };
        let mut items = Vec::new();
        let mut list = changes::list(store, &filter)?;
        list.reverse();
        for c in list.iter().filter(|c| wanted(n, c)) {
            items.push((c.id.clone(), payload(store, c)?));
        }
        queued += store.enqueue_batch(&n.name, &items, max, now)?;
    }
    Ok(queued)
}

/// The wait before retry number `attempts` (1 for the first retry): `base` doubled per
/// failure, at most 6 hours, plus up to 10% jitter drawn from `salt` so that retries of
/// many rows spread out.
pub fn backoff(base: std::time::Duration, attempts: u32, salt: i64) -> TimeDelta {
    let cap = 6.0 * 3600.0;
    let secs = (base.as_secs_f64() * 2f64.powi(attempts.saturating_sub(1).min(30) as i32)).min(cap);
    let jitter = ((salt.unsigned_abs().wrapping_mul(2_654_435_761) % 1000) as f64) / 10_000.0;
    TimeDelta::milliseconds((secs * (1.0 + jitter) * 1000.0) as i64)
}

/// Delivers every due notification once.
///
/// # Errors
/// On a store error (a failed delivery is recorded, not an error).
pub async fn deliver(
    store: &mut Store,
    notifiers: &[NotifierConfig],
    user_agent: &str,
) -> Result<NotifyReport, StoreError> {
    let mut report = NotifyReport::default();
    let pending = store.pending_notifications(Utc::now())?;
    for p in pending {
        let Some(n) = notifiers.iter().find(|n| n.name == p.notifier) else {
            continue;
        };
        match deliver::send(n, &p.payload, user_agent).await {
            Ok(()) => {
                store.mark_delivered(p.id, Utc::now())?;
                report.delivered += 1;
                tracing::info!(notifier = %n.name, change = %p.change_id, "notification delivered");
            }
            Err(e) => {
                let retry = Utc::now() + backoff(n.retry_after, p.attempts + 1, p.id);
                tracing::warn!(notifier = %n.name, change = %p.change_id, error = %e, retry_at = %retry, "notification failed");
                store.mark_failed(p.id, &e, retry)?;
                report
                    .failures
                    .push(format!("{}: {}: {e}", n.name, p.change_id));
            }
        }
    }
    Ok(report)
}

/// Everything that follows a poll: the Atom feed of changes is rewritten (when
/// `changes_feed` is set), new changes are queued and due notifications delivered.
///
/// # Errors
/// On a store error or when the feed file cannot be written.
pub async fn after_poll(store: &mut Store, config: &Config) -> Result<NotifyReport, NotifyError> {
    if let Some(path) = &config.changes_feed {
        let list = changes::list(
            store,
            &ChangeFilter {
                limit: atom::DEFAULT_ENTRIES,
                ..ChangeFilter::default()
            },
        )?;
        let xml = atom::feed(store, &list)?;
        write_atomically(path, xml.as_bytes()).map_err(|source| NotifyError::Write {
            path: path.display().to_string(),
            source,
        })?;
    }
    if config.notify.is_empty() {
        return Ok(NotifyReport::default());
    }
    let queued = queue(store, &config.notify, Utc::now())?;
    let mut report = deliver(store, &config.notify, &config.user_agent).await?;
    report.queued = queued;
    Ok(report)
}

/// Writes a file through a temporary file and a rename, so readers never see half of it.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NotifierKind;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_and_caps() {
        let b = |n| backoff(Duration::from_secs(30), n, 0).num_seconds();
        assert_eq!((b(1), b(2), b(3)), (30, 60, 120));
        assert_eq!(b(40), 6 * 3600);
        let jittered = backoff(Duration::from_secs(100), 1, 12345).num_milliseconds();
        assert!((100_000..=110_000).contains(&jittered), "{jittered}");
    }

    #[test]
    fn a_notifier_for_a_feed_with_credentials_gets_its_masked_changes() {
        let n = NotifierConfig {
            name: "n".into(),
            kind: NotifierKind::Command {
                argv: vec!["true".into()],
            },
            feeds: vec!["http://u:pw@h.example/f.xml?token=t".into()],
            kinds: vec![],
            retry_after: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
        };
        let change = |feed: &str| Change {
            id: "version:2".into(),
            urn: "urn:x".into(),
            at: "2024-05-01T00:00:00Z".into(),
            article_id: Some(1),
            article_url: Some("http://h.example/a".into()),
            feed_url: Some(feed.into()),
            title: None,
            old_version: Some(1),
            new_version: Some(2),
            kinds: vec!["body".into()],
            summary: String::new(),
        };
        assert!(wanted(&n, &change("http://***@h.example/f.xml?token=***")));
        assert!(!wanted(&n, &change("http://***@h.example/other.xml")));
    }
}
