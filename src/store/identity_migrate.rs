//! The Rust step of migration 0006: names every stored article by its URLs and merges
//! the articles that were one story stored twice, inside the migration's transaction.
//!
//! What an archive made before 0006 tells about identity: each article's URL (the feed
//! link), the links of its feed entries, the targets of its permanent redirects
//! (`redirected` events) and the canonical URL of each version. The final URL of a
//! temporary redirect was not stored, so two articles joined only by one (a tracking
//! redirect without a canonical URL on the page) stay two; they merge at their next
//! check, when [`crate::identity::settle`] sees where the fetch ends (the validators of
//! such articles are dropped, so that this check reads the page in full).

use rusqlite::{Connection, Transaction, params};
use rusqlite_migration::HookResult;
use url::Url;

use super::fmt_time;
use super::identity::{
    UrlKind, add_url, histories_agree, known_beyond_canonical, merge_into, url_owners,
};
use crate::identity::keys;

/// One stored article, as the migration sees it.
struct Stored {
    id: i64,
    url: String,
    first_seen: String,
}

/// The migration step (see the module documentation).
///
/// It reads versions through [`Store::version_from_row`], the current schema's reading, so
/// it must run at the newest schema that version reading needs: it follows 0005, which adds
/// the headline columns. A later migration that changes the `versions` columns goes after
/// it and must not be needed by it (or this step gets its own column list).
///
/// # Errors
/// On an SQLite error; the whole migration is rolled back then.
pub(crate) fn migrate(tx: &Transaction<'_>) -> HookResult {
    let conn: &Connection = tx;
    let at = fmt_time(chrono::Utc::now());
    let articles: Vec<Stored> = conn
        .prepare("SELECT id, url, first_seen FROM articles ORDER BY id")?
        .query_map([], |r| {
            Ok(Stored {
                id: r.get(0)?,
                url: r.get(1)?,
                first_seen: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for a in &articles {
        add_url(conn, a.id, &keys::key(&a.url), UrlKind::Link, &a.first_seen)?;
    }
    let links: Vec<(i64, String, String)> = conn
        .prepare(
            "SELECT article_id, link, first_seen FROM entries
             WHERE article_id IS NOT NULL AND link IS NOT NULL ORDER BY id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, link, seen) in &links {
        add_url(conn, *id, &keys::key(link), UrlKind::Link, seen)?;
    }
    for a in &articles {
        let page = final_url(conn, a)?;
        if let (Some(page), Ok(requested)) = (&page, Url::parse(&a.url))
            && keys::usable_final(&requested, page)
        {
            add_url(conn, a.id, &keys::key_of(page), UrlKind::Final, &at)?;
        }
        let page = page.or_else(|| Url::parse(&a.url).ok());
        note_canonicals(conn, a.id, page.as_ref(), &at)?;
    }
    for a in &articles {
        if let Some(into) = duplicate_of(conn, a.id)? {
            tracing::info!(article = a.id, into, url = %a.url, "merging a duplicate article");
            merge_into(conn, a.id, into, &at)?;
        }
    }
    // Where a fetch of a still re-checked article ends is unknown: its next check reads
    // the page in full once (no validators, no raw-bytes shortcut), so that
    // `identity::settle` sees its final URL and merges what this step could not. The
    // content is compared as always: an unchanged page makes no version.
    conn.execute(
        "UPDATE articles SET etag = NULL, last_modified = NULL, last_raw_sha256 = NULL
         WHERE next_check_at IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM article_urls u WHERE u.article_id = articles.id AND u.kind = 'final')",
        [],
    )?;
    Ok(())
}

/// Where the article's last permanent redirect led (its `redirected` event), if any.
fn final_url(conn: &Connection, a: &Stored) -> rusqlite::Result<Option<Url>> {
    let detail: Option<String> = conn
        .query_row(
            "SELECT detail FROM events WHERE article_id = ?1 AND kind = 'redirected'
             ORDER BY id DESC LIMIT 1",
            [a.id],
            |r| r.get(0),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    Ok(detail
        .and_then(|d| d.rsplit(" -> ").next().map(str::to_string))
        .and_then(|t| Url::parse(t.trim()).ok()))
}

/// Records the canonical URL of the article's newest version that has one, stable when
/// the version before had the same one (or none had another).
fn note_canonicals(
    conn: &Connection,
    id: i64,
    page: Option<&Url>,
    at: &str,
) -> rusqlite::Result<()> {
    let Some(page) = page else {
        return Ok(());
    };
    let canonicals: Vec<String> = conn
        .prepare(
            "SELECT canonical_url FROM versions WHERE article_id = ?1
               AND canonical_url IS NOT NULL ORDER BY id DESC LIMIT 2",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let usable: Vec<String> = canonicals
        .iter()
        .map(|c| {
            keys::usable_canonical(page, c)
                .map(|u| keys::key_of(&u))
                .unwrap_or_default()
        })
        .collect();
    let Some(newest) = usable.first().filter(|k| !k.is_empty()) else {
        return Ok(());
    };
    let stable = usable.get(1).is_none_or(|k| k == newest);
    conn.execute(
        "UPDATE articles SET canonical_key = ?2, canonical_stable = ?3 WHERE id = ?1",
        params![id, newest, stable],
    )?;
    add_url(conn, id, newest, UrlKind::Canonical, at)
}

/// The older article that article `id` is a duplicate of, if any: one known by one of
/// its URLs, when a canonical URL joining them is stable on both sides and names one of
/// them (a link or a final URL of one: [`known_beyond_canonical`]; two articles that
/// merely declare one third URL are not joined by it), and their stored
/// histories tell the same story ([`histories_agree`]: the newest versions the same
/// story, the later one begun as a copy of the other; an article without versions is
/// joined by an equal URL only).
fn duplicate_of(conn: &Connection, id: i64) -> rusqlite::Result<Option<i64>> {
    let mine: Vec<(String, String)> = conn
        .prepare("SELECT url, kind FROM article_urls WHERE article_id = ?1")?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if mine.is_empty() {
        return Ok(None);
    }
    let my_stable: bool = conn.query_row(
        "SELECT canonical_stable FROM articles WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    for (key, kind) in &mine {
        let via_canonical_mine = kind == "canonical";
        let owners = url_owners(conn, key)?;
        // A canonical URL that several other articles declare is a template's.
        let declared = owners
            .iter()
            .filter(|o| o.article_id != id && o.kind == UrlKind::Canonical)
            .count();
        for owner in owners {
            if owner.article_id >= id {
                continue;
            }
            let via_canonical = via_canonical_mine || owner.kind == UrlKind::Canonical;
            if via_canonical && (!(my_stable && owner.canonical_stable) || declared > 1) {
                continue;
            }
            // A canonical URL joins the two only when it names one of them (its link or
            // where a fetch of it ended), not when both merely declare it.
            if via_canonical
                && !known_beyond_canonical(conn, id, key)?
                && !known_beyond_canonical(conn, owner.article_id, key)?
            {
                continue;
            }
            let agree = if has_versions(conn, id)? && has_versions(conn, owner.article_id)? {
                histories_agree(conn, id, owner.article_id)?
            } else {
                !via_canonical
            };
            if agree {
                return Ok(Some(owner.article_id));
            }
        }
    }
    Ok(None)
}

/// Whether an article has a stored version.
fn has_versions(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM versions WHERE article_id = ?1)",
        [id],
        |r| r.get(0),
    )
}
