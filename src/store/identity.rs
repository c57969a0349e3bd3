//! Article identity in the store: the URLs each article is known by (table
//! `article_urls`, migration 0006), lookups by any of them, and merging two articles
//! that are one story (versions, entries, fetches, events and pending notifications
//! move to the article that stays; versions are re-labelled in order).
//!
//! Which URLs name which article is decided in [`crate::identity`]; this module only
//! keeps and applies it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, Store, StoreError, Version, fmt_time};
use crate::diff::{self, Facts};
use crate::identity::keys;

/// How an article is known by a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// A fetch of the article ended at this URL (after redirects).
    Final,
    /// The page declares it as its canonical URL.
    Canonical,
    /// A feed entry links it.
    Link,
}

impl UrlKind {
    /// The name stored in `article_urls.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            UrlKind::Final => "final",
            UrlKind::Canonical => "canonical",
            UrlKind::Link => "link",
        }
    }

    fn parse(s: &str) -> UrlKind {
        match s {
            "final" => UrlKind::Final,
            "canonical" => UrlKind::Canonical,
            _ => UrlKind::Link,
        }
    }
}

/// An article known by a URL key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlOwner {
    /// The article.
    pub article_id: i64,
    /// How it is known by the URL.
    pub kind: UrlKind,
    /// Whether the article's current canonical URL is stable (see migration 0006).
    pub canonical_stable: bool,
}

/// How the canonical URL a page declares compares with the article's fetches before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanonicalSeen {
    /// The page declares no usable canonical URL.
    Absent,
    /// The first canonical URL the article ever declared.
    First,
    /// The same canonical URL as at the fetch before.
    Same,
    /// Another canonical URL than at the fetch before (unstable: it merges nothing).
    Changed,
}

impl CanonicalSeen {
    /// Whether the canonical URL is stable: the first one declared, or the same as before.
    pub fn is_stable(self) -> bool {
        matches!(self, CanonicalSeen::First | CanonicalSeen::Same)
    }
}

/// Hot query: the articles known by a URL key, the strongest kind first, then the oldest.
pub(super) const SQL_URL_OWNERS: &str = "SELECT u.article_id, u.kind, a.canonical_stable
             FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ?1
             ORDER BY CASE u.kind WHEN 'final' THEN 0 WHEN 'canonical' THEN 1 ELSE 2 END,
                      u.article_id";

/// Adds `key` as a URL of `article_id`; a URL already known keeps the stronger kind.
const SQL_ADD_URL: &str = "INSERT INTO article_urls (url, article_id, kind, first_seen)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url, article_id) DO UPDATE SET kind = excluded.kind
               WHERE (CASE excluded.kind WHEN 'final' THEN 0 WHEN 'canonical' THEN 1 ELSE 2 END)
                   < (CASE kind WHEN 'final' THEN 0 WHEN 'canonical' THEN 1 ELSE 2 END)";

pub(super) fn url_owners(conn: &Connection, key: &str) -> rusqlite::Result<Vec<UrlOwner>> {
    let mut stmt = conn.prepare_cached(SQL_URL_OWNERS)?;
    let rows = stmt.query_map([key], |r| {
        Ok(UrlOwner {
            article_id: r.get(0)?,
            kind: UrlKind::parse(&r.get::<_, String>(1)?),
            canonical_stable: r.get(2)?,
        })
    })?;
    rows.collect()
}

pub(super) fn add_url(
    conn: &Connection,
    article_id: i64,
    key: &str,
    kind: UrlKind,
    at: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(SQL_ADD_URL)?
        .execute(params![key, article_id, kind.as_str(), at])?;
    Ok(())
}

impl Store {
    /// Finds an article by id (digits; an id merged into another article names that one)
    /// or by any of its URLs: a feed link, a URL a fetch ended at, or its canonical URL,
    /// with or without tracking parameters (compared as [`keys::key`]). When a URL names
    /// several articles (pages seen to be different stories), the one that was fetched
    /// there wins, then the oldest.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when nothing matches.
    pub fn find_article(&self, id_or_url: &str) -> Result<i64> {
        let arg = id_or_url.trim();
        let found = if let Ok(id) = arg.parse::<i64>() {
            self.conn
                .query_row(
                    "SELECT id FROM articles WHERE id = ?1
                     UNION ALL SELECT into_id FROM merged_articles WHERE id = ?1 LIMIT 1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?
        } else {
            match url_owners(&self.conn, &keys::key(arg))?.first() {
                Some(o) => Some(o.article_id),
                None => self
                    .conn
                    .query_row("SELECT id FROM articles WHERE url = ?1", [arg], |r| {
                        r.get(0)
                    })
                    .optional()?,
            }
        };
        found.ok_or_else(|| StoreError::NotFound(format!("article {id_or_url}")))
    }

    /// The articles known by a URL key ([`keys::key`]), the strongest kind first
    /// (final, canonical, link), then the oldest.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn url_owners(&self, key: &str) -> Result<Vec<UrlOwner>> {
        Ok(url_owners(&self.conn, key)?)
    }

    /// Records that `article_id` is known by the URL key `key` in the way `kind`.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn add_article_url(
        &mut self,
        article_id: i64,
        key: &str,
        kind: UrlKind,
        at: DateTime<Utc>,
    ) -> Result<()> {
        Ok(add_url(&self.conn, article_id, key, kind, &fmt_time(at))?)
    }

    /// Records the canonical URL key an article's page declares at this fetch (None: no
    /// usable one) and returns how it compares with the fetches before ([`CanonicalSeen`]).
    /// The article is known by its current canonical URL only (an older canonical stops
    /// naming it, unless it is also a link or a final URL).
    ///
    /// # Errors
    /// On an SQLite error; nothing is changed then.
    pub fn note_canonical(
        &mut self,
        article_id: i64,
        key: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<CanonicalSeen> {
        let Some(key) = key else {
            return Ok(CanonicalSeen::Absent);
        };
        let (prev, was_stable): (Option<String>, bool) = self.conn.query_row(
            "SELECT canonical_key, canonical_stable FROM articles WHERE id = ?1",
            [article_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if prev.as_deref() == Some(key) && was_stable {
            // As at the fetch before (the usual re-check): nothing to write.
            return Ok(CanonicalSeen::Same);
        }
        let seen = match prev.as_deref() {
            None => CanonicalSeen::First,
            Some(p) if p == key => CanonicalSeen::Same,
            Some(_) => CanonicalSeen::Changed,
        };
        let tx = self.conn.savepoint()?;
        tx.execute(
            "UPDATE articles SET canonical_key = ?2, canonical_stable = ?3 WHERE id = ?1",
            params![article_id, key, seen != CanonicalSeen::Changed],
        )?;
        tx.execute(
            "DELETE FROM article_urls WHERE article_id = ?1 AND kind = 'canonical' AND url <> ?2",
            params![article_id, key],
        )?;
        add_url(&tx, article_id, key, UrlKind::Canonical, &fmt_time(at))?;
        tx.commit()?;
        Ok(seen)
    }

    /// Whether the stored histories of two articles tell one story
    /// ([`histories_agree`]).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn histories_agree(&self, a: i64, b: i64) -> Result<bool> {
        Ok(histories_agree(&self.conn, a, b)?)
    }

    /// Whether article `article_id` is known by the URL key `key` other than by declaring
    /// it as its canonical URL: a fetch of it ended there, or it is the article's URL or
    /// one of its feed entries' links (compared as [`keys::key`]). A canonical URL joins
    /// two articles only when it names one of them this way ([`crate::identity`]).
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn known_beyond_canonical(&self, article_id: i64, key: &str) -> Result<bool> {
        Ok(known_beyond_canonical(&self.conn, article_id, key)?)
    }

    /// Merges article `gone` into article `into` in one transaction (see [`merge_into`]).
    ///
    /// # Errors
    /// On an SQLite error; nothing is changed then.
    pub fn merge_article(&mut self, gone: i64, into: i64, at: DateTime<Utc>) -> Result<()> {
        let tx = self.conn.savepoint()?;
        merge_into(&tx, gone, into, &fmt_time(at))?;
        tx.commit()?;
        Ok(())
    }

    /// The URLs of the feeds that list an article, the feed that listed it first first.
    ///
    /// # Errors
    /// On an SQLite error.
    pub fn article_feed_urls(&self, article_id: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.url FROM feeds f WHERE f.id = (SELECT feed_id FROM articles WHERE id = ?1)
               OR f.id IN (SELECT e.feed_id FROM entries e WHERE e.article_id = ?1)
             ORDER BY f.id <> (SELECT feed_id FROM articles WHERE id = ?1), f.id",
        )?;
        let rows = stmt.query_map([article_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Merges article `gone` into article `keep`: its versions, entries (and so its feeds),
/// fetches, status events, URLs and pending notifications move to `keep`; `keep` takes
/// the earlier first sighting (and that sighting's feed), the later check, the earlier
/// next check and any entry metadata it lacked; `gone` is deleted and its id is recorded
/// as merged into `keep` ([`Store::find_article`] still finds it). The versions are then
/// re-labelled in order ([`relabel`]). Run it inside a transaction.
///
/// # Errors
/// On an SQLite error.
pub(crate) fn merge_into(
    conn: &Connection,
    gone: i64,
    keep: i64,
    at: &str,
) -> rusqlite::Result<()> {
    if gone == keep {
        return Ok(());
    }
    conn.execute(
        "UPDATE articles AS k SET
           feed_id = CASE WHEN g.first_seen < k.first_seen THEN COALESCE(g.feed_id, k.feed_id)
                          ELSE COALESCE(k.feed_id, g.feed_id) END,
           first_seen = min(k.first_seen, g.first_seen),
           last_checked = NULLIF(max(COALESCE(k.last_checked, ''), COALESCE(g.last_checked, '')), ''),
           next_check_at = CASE WHEN k.next_check_at IS NULL THEN g.next_check_at
                                WHEN g.next_check_at IS NULL THEN k.next_check_at
                                ELSE min(k.next_check_at, g.next_check_at) END,
           entry_title = COALESCE(k.entry_title, g.entry_title),
           entry_author = COALESCE(k.entry_author, g.entry_author),
           entry_published = COALESCE(k.entry_published, g.entry_published),
           canonical_stable = CASE WHEN k.canonical_key IS NULL THEN g.canonical_stable
                                   ELSE k.canonical_stable END,
           canonical_key = COALESCE(k.canonical_key, g.canonical_key)
         FROM articles AS g WHERE k.id = ?1 AND g.id = ?2",
        params![keep, gone],
    )?;
    let moved: Vec<i64> = conn
        .prepare_cached("SELECT id FROM versions WHERE article_id = ?1 ORDER BY id")?
        .query_map([gone], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in ["versions", "entries", "fetches", "events"] {
        conn.execute(
            &format!("UPDATE {table} SET article_id = ?1 WHERE article_id = ?2"),
            params![keep, gone],
        )?;
    }
    conn.execute(
        "INSERT INTO article_urls (url, article_id, kind, first_seen)
         SELECT url, ?1, kind, first_seen FROM article_urls WHERE article_id = ?2
         ON CONFLICT (url, article_id) DO UPDATE SET kind = excluded.kind
           WHERE (CASE excluded.kind WHEN 'final' THEN 0 WHEN 'canonical' THEN 1 ELSE 2 END)
               < (CASE kind WHEN 'final' THEN 0 WHEN 'canonical' THEN 1 ELSE 2 END)",
        params![keep, gone],
    )?;
    conn.execute("DELETE FROM article_urls WHERE article_id = ?1", [gone])?;
    // Notifications not yet delivered name the article that stays.
    conn.execute(
        "UPDATE outbox SET payload = json_set(payload, '$.article_id', ?1,
           '$.article_url', (SELECT url FROM articles WHERE id = ?1))
         WHERE delivered_at IS NULL AND json_valid(payload)
           AND json_extract(payload, '$.article_id') = ?2",
        params![keep, gone],
    )?;
    conn.execute(
        "UPDATE merged_articles SET into_id = ?1 WHERE into_id = ?2",
        params![keep, gone],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO merged_articles (id, into_id, at) VALUES (?1, ?2, ?3)",
        params![gone, keep, at],
    )?;
    conn.execute("DELETE FROM articles WHERE id = ?1", [gone])?;
    relabel(conn, keep, &moved)
}

/// Re-labels an article's versions after the versions `moved` (ids, in order) joined it
/// from a merged article, in order (by id, the order `stet versions` lists): a version
/// whose version before changed gets the kinds of change from its new one
/// ([`diff::change_kinds`]; the first is `new`). A version whose content equals the one
/// before it (the same page fetched under two URLs) is no change: a moved one is
/// dropped, as one article would never have stored it (its fetch stays in the fetch log
/// and its blobs stay stored); one of the article's own is kept but no longer reported
/// (`seen_before`). Versions made by different extractors are compared like for like
/// only: the same text is the same content, and titles only one of them extracted
/// (social and document titles) are no change. Versions whose predecessor did not
/// change keep their labels. The article's `last_changed` follows its newest version.
///
/// # Errors
/// On an SQLite error.
pub(crate) fn relabel(conn: &Connection, article_id: i64, moved: &[i64]) -> rusqlite::Result<()> {
    let versions: Vec<Version> = {
        let mut stmt = conn.prepare_cached(super::SQL_VERSIONS)?;
        let rows = stmt.query_map([article_id], Store::version_from_row)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let was_moved = |id: i64| moved.binary_search(&id).is_ok();
    // The version before each one in its own article, before the merge.
    let (mut last_own, mut last_moved): (Option<i64>, Option<i64>) = (None, None);
    let mut prev: Option<&Version> = None;
    for v in &versions {
        let own_prev = if was_moved(v.id) {
            last_moved.replace(v.id)
        } else {
            last_own.replace(v.id)
        };
        if prev.map(|p| p.id) == own_prev {
            prev = Some(v);
            continue;
        }
        let like = prev.is_none_or(|p| p.extractor_version == v.extractor_version);
        let same = prev.is_some_and(|p| {
            p.content_sha256 == v.content_sha256 || (!like && p.text_sha256 == v.text_sha256)
        });
        if same && was_moved(v.id) {
            conn.execute("DELETE FROM versions WHERE id = ?1", [v.id])?;
            continue;
        }
        let mut kinds = if same {
            Vec::new()
        } else {
            diff::change_kinds(prev.map(Facts::from).as_ref(), &Facts::from(v))
        };
        if !like {
            kinds.retain(|k| *k != super::ChangeKind::SocialTitle);
        }
        if same || (kinds.is_empty() && !v.changes.is_empty()) {
            // No change at all: kept, not reported.
            conn.execute(
                "UPDATE versions SET changes = '[]', reported = 0,
                   suppressed = COALESCE(suppressed, 'seen_before') WHERE id = ?1",
                [v.id],
            )?;
        } else if kinds != v.changes {
            let json = serde_json::to_string(&kinds).expect("change kinds serialize");
            conn.execute(
                "UPDATE versions SET changes = ?2 WHERE id = ?1",
                params![v.id, json],
            )?;
        }
        prev = Some(v);
    }
    conn.execute(
        "UPDATE articles SET last_changed =
           (SELECT max(fetched_at) FROM versions WHERE article_id = ?1) WHERE id = ?1",
        [article_id],
    )?;
    Ok(())
}

/// Whether the stored histories of articles `a` and `b` tell one story, so that merging
/// them reports no change that never happened (two stories that both came to redirect
/// to one round-up page have the same newest version, but not the same history):
///
/// - their newest versions tell the same story ([`crate::identity::same_story`]: same
///   title, same text);
/// - the first version of the article that began later has the same text
///   ([`crate::identity::same_text`]) as some version of the other: it began as a copy
///   of the other's story, not as a story of its own.
///
/// An article without versions contradicts nothing (true).
///
/// # Errors
/// On an SQLite error.
pub(crate) fn histories_agree(conn: &Connection, a: i64, b: i64) -> rusqlite::Result<bool> {
    let read = |id: i64| -> rusqlite::Result<Vec<Version>> {
        let mut stmt = conn.prepare_cached(super::SQL_VERSIONS)?;
        let rows = stmt.query_map([id], Store::version_from_row)?;
        rows.collect()
    };
    let (va, vb) = (read(a)?, read(b)?);
    let (Some(la), Some(lb)) = (va.last(), vb.last()) else {
        return Ok(true);
    };
    if !crate::identity::same_story(
        la.title.as_deref(),
        &text_of(conn, la)?,
        lb.title.as_deref(),
        &text_of(conn, lb)?,
    ) {
        return Ok(false);
    }
    let (later, other) = if (&va[0].fetched_at, va[0].id) > (&vb[0].fetched_at, vb[0].id) {
        (&va[0], &vb)
    } else {
        (&vb[0], &va)
    };
    let first = text_of(conn, later)?;
    for v in other {
        if v.text_sha256 == later.text_sha256
            || crate::identity::same_text(&first, &text_of(conn, v)?)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether article `article_id` is known by the URL key `key` otherwise than as the
/// canonical URL its page declares: a fetch of it ended there (`final`), or it is the
/// article's URL or the link of one of its feed entries (compared as [`keys::key`]).
/// `article_urls` keeps one kind per URL and article (the strongest), so a link that is
/// also the declared canonical URL is looked up in the article's own links.
///
/// A canonical URL joins two articles only when it names one of them this way (print
/// page, AMP page or tracking variant -> the story): two articles that merely declare
/// the same third URL are not joined by it (see [`crate::identity`]).
///
/// # Errors
/// On an SQLite error.
pub(crate) fn known_beyond_canonical(
    conn: &Connection,
    article_id: i64,
    key: &str,
) -> rusqlite::Result<bool> {
    let fetched_there: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM article_urls
               WHERE url = ?1 AND article_id = ?2 AND kind = 'final')",
        )?
        .query_row(params![key, article_id], |r| r.get(0))?;
    if fetched_there {
        return Ok(true);
    }
    let links: Vec<String> = conn
        .prepare_cached(
            "SELECT url FROM articles WHERE id = ?1
             UNION SELECT link FROM entries WHERE article_id = ?1 AND link IS NOT NULL",
        )?
        .query_map([article_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(links.iter().any(|l| keys::key(l) == key))
}

/// A version's extracted text (empty when its blob does not read back).
fn text_of(conn: &Connection, v: &Version) -> rusqlite::Result<String> {
    let hash = hex::decode(&v.text_sha256).unwrap_or_default();
    match super::blob::get(conn, &hash) {
        Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
        Err(StoreError::Sqlite(e)) => Err(e),
        Err(_) => Ok(String::new()),
    }
}
