//! Delta blobs: raw pages compressed against a stored full page of the same site.

use super::bases::{BasePool, Sketch};
use super::blob::{self, Packed};
use super::tests::{store_with_two_articles, t};
use super::*;

/// A site's template: `n` bytes of pseudo-random markup, fixed by `seed`.
fn template(seed: u64, n: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::with_capacity(n + 32);
    while out.len() < n {
        let tag = ["div", "span", "script", "a", "li", "meta"][rng.usize(..6)];
        let word: String = (0..rng.usize(3..12)).map(|_| rng.lowercase()).collect();
        out.extend_from_slice(
            format!("<{tag} class=\"{word}\" data-x=\"{}\">", rng.u32(..)).as_bytes(),
        );
    }
    out
}

/// A page of the site of `tpl`: its template around an article text drawn from `seed`.
fn page(tpl: &[u8], seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let text: String = (0..2000)
        .map(|_| {
            let w: String = (0..rng.usize(2..9)).map(|_| rng.lowercase()).collect();
            w + " "
        })
        .collect();
    let mid = tpl.len() / 2;
    [
        &tpl[..mid],
        b"<article>",
        text.as_bytes(),
        b"</article>",
        &tpl[mid..],
    ]
    .concat()
}

/// Stores `bytes` full and offers them to `pool` as a base.
fn put_base(conn: &Connection, pool: &BasePool, bytes: &[u8]) -> Sha256 {
    let (packed, sketch) = blob::pack(bytes, pool).unwrap();
    assert_eq!(packed.base, None, "nothing to delta against yet");
    let h = blob::put_with(conn, bytes, blob::sha256(bytes), Some(&packed)).unwrap();
    assert!(blob::is_full(conn, &h).unwrap());
    assert!(pool.admit(h, bytes, &sketch));
    h
}

fn row_base(conn: &Connection, h: &Sha256) -> Option<Vec<u8>> {
    conn.query_row("SELECT base FROM blobs WHERE sha256 = ?1", [&h[..]], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn sketches_tell_pages_of_one_site_from_others() {
    let (a, b) = (template(1, 60_000), template(2, 60_000));
    let (a1, a2, b1) = (
        Sketch::of(&page(&a, 1)),
        Sketch::of(&page(&a, 2)),
        Sketch::of(&page(&b, 3)),
    );
    assert!(a1.resemblance(&a2) > 0.5, "{}", a1.resemblance(&a2));
    assert!(a1.resemblance(&b1) < 0.05, "{}", a1.resemblance(&b1));
    assert_eq!(a1.resemblance(&a1), 1.0);
    assert_eq!(Sketch::of(b"").resemblance(&a1), 0.0);
}

#[test]
fn a_delta_blob_round_trips_and_is_much_smaller() {
    let s = Store::open_in_memory().unwrap();
    let pool = BasePool::default();
    let tpl = template(7, 80_000);
    let base = put_base(&s.conn, &pool, &page(&tpl, 1));
    let p2 = page(&tpl, 2);
    let (packed, _) = blob::pack(&p2, &pool).unwrap();
    assert_eq!(packed.base, Some(base));
    let full = blob::compress(&p2).unwrap();
    assert!(
        packed.data.len() * 2 < full.len(),
        "{} vs {}",
        packed.data.len(),
        full.len()
    );
    let h = blob::put_with(&s.conn, &p2, blob::sha256(&p2), Some(&packed)).unwrap();
    assert_eq!(row_base(&s.conn, &h), Some(base.to_vec()));
    assert!(!s.is_full_blob(&h).unwrap());
    assert_eq!(s.blob(&hex::encode(h)).unwrap(), p2);
    assert_eq!(s.blob(&hex::encode(base)).unwrap(), page(&tpl, 1));
    // A delta is not offered as a base: reads stay at two decompressions.
    let (count, stored, _) = s.blob_stats().unwrap();
    assert_eq!(count, 2);
    assert!(stored < (full.len() * 2) as u64);
}

#[test]
fn two_articles_share_one_base() {
    let now = t("2024-01-01T00:00:00Z");
    let (mut s, ids) = store_with_two_articles(now);
    let pool = BasePool::default();
    let tpl = template(9, 50_000);
    let base = put_base(&s.conn, &pool, &page(&tpl, 100));
    let pages = [page(&tpl, 1), page(&tpl, 2)];
    for (id, raw) in ids.iter().zip(&pages) {
        let (packed, _) = blob::pack(raw, &pool).unwrap();
        assert_eq!(packed.base, Some(base));
        let check = ArticleCheck {
            article_id: *id,
            checked_at: now,
            next_check_at: None,
            validators: None,
            raw_sha256: Some(blob::sha256(raw)),
            error: None,
            version: Some(NewVersion {
                raw,
                html: "<p>x</p>",
                text: "x",
                content_sha256: blob::sha256(raw),
                body_sha256: [2; 32],
                title: None,
                byline: None,
                published: None,
                canonical_url: None,
                lang: None,
                comments: CommentState::None,
                changes: &[ChangeKind::New],
                extractor_version: 1,
                suppressed: None,
                encoding: None,
                headline: None,
                social_title: None,
                document_title: None,
                pages: &[],
            }),
            status: None,
            event: None,
        };
        s.save_check_with(&check, Some(&packed)).unwrap();
    }
    for (id, raw) in ids.iter().zip(&pages) {
        let v = s.latest_version(*id).unwrap().unwrap();
        assert_eq!(&s.blob(&v.raw_sha256).unwrap(), raw);
        let h: Sha256 = hex::decode(&v.raw_sha256).unwrap().try_into().unwrap();
        assert_eq!(row_base(&s.conn, &h), Some(base.to_vec()));
    }
    // The base cannot go while deltas need it.
    let gone = s
        .conn
        .execute("DELETE FROM blobs WHERE sha256 = ?1", [&base[..]]);
    assert!(gone.is_err(), "{gone:?}");
}

#[test]
fn same_bytes_are_one_blob_however_compressed() {
    let s = Store::open_in_memory().unwrap();
    let pool = BasePool::default();
    let tpl = template(11, 40_000);
    put_base(&s.conn, &pool, &page(&tpl, 1));
    let p2 = page(&tpl, 2);
    let (delta, _) = blob::pack(&p2, &pool).unwrap();
    assert!(delta.base.is_some());
    let h = blob::put_with(&s.conn, &p2, blob::sha256(&p2), Some(&delta)).unwrap();
    let before = s.blob_stats().unwrap();
    // Again as a delta, stand-alone, and unpacked: no new row, no new byte.
    let full = Packed {
        data: blob::compress(&p2).unwrap(),
        base: None,
    };
    assert_eq!(blob::put_with(&s.conn, &p2, h, Some(&delta)).unwrap(), h);
    assert_eq!(blob::put_with(&s.conn, &p2, h, Some(&full)).unwrap(), h);
    assert_eq!(blob::put(&s.conn, &p2).unwrap(), h);
    assert_eq!(s.blob_stats().unwrap(), before);
}

#[test]
fn a_delta_against_an_unstored_or_delta_base_is_stored_full() {
    let s = Store::open_in_memory().unwrap();
    let pool = BasePool::default();
    let tpl = template(13, 40_000);
    // The pool holds a base the database does not (a cache outliving a rolled back write).
    let b = page(&tpl, 1);
    assert!(pool.admit(blob::sha256(&b), &b, &Sketch::of(&b)));
    let p2 = page(&tpl, 2);
    let (packed, _) = blob::pack(&p2, &pool).unwrap();
    assert!(packed.base.is_some());
    let h = blob::put_with(&s.conn, &p2, blob::sha256(&p2), Some(&packed)).unwrap();
    assert!(s.is_full_blob(&h).unwrap());
    assert_eq!(s.blob(&hex::encode(h)).unwrap(), p2);
}

#[test]
fn a_corrupt_base_is_a_clear_error() {
    let s = Store::open_in_memory().unwrap();
    let pool = BasePool::default();
    let tpl = template(17, 40_000);
    let base = put_base(&s.conn, &pool, &page(&tpl, 1));
    let p2 = page(&tpl, 2);
    let (packed, _) = blob::pack(&p2, &pool).unwrap();
    let h = blob::put_with(&s.conn, &p2, blob::sha256(&p2), Some(&packed)).unwrap();
    let h_hex = hex::encode(h);
    let b_hex = hex::encode(base);
    let set_base_data = |data: &[u8]| {
        s.conn
            .execute(
                "UPDATE blobs SET data = ?2 WHERE sha256 = ?1",
                params![&base[..], data],
            )
            .unwrap();
    };
    // Not a zstd frame at all.
    set_base_data(b"garbage");
    let e = s.blob(&h_hex).unwrap_err();
    assert!(matches!(e, StoreError::Blob { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&h_hex) && msg.contains(&b_hex) && msg.contains("corrupt"),
        "{msg}"
    );
    // A valid frame of other bytes of the same size.
    let mut other = page(&tpl, 1);
    other[10] ^= 1;
    set_base_data(&blob::compress(&other).unwrap());
    let msg = s.blob(&h_hex).unwrap_err().to_string();
    assert!(
        msg.contains(&b_hex) && msg.contains("does not match its hash"),
        "{msg}"
    );
    // The base read alone says so too.
    assert!(matches!(s.blob(&b_hex), Err(StoreError::Blob { .. })));
}

#[test]
fn the_pool_stays_within_its_budget_and_keeps_used_bases() {
    // Room for two or three 32 kB pages.
    let pool = BasePool::new(80_000);
    let tpls: Vec<Vec<u8>> = (0..6).map(|i| template(100 + i, 20_000)).collect();
    let first = page(&tpls[0], 0);
    assert!(pool.admit(blob::sha256(&first), &first, &Sketch::of(&first)));
    // Site 0 proves useful; sites 1..5 come once each.
    assert!(pool.pick(&Sketch::of(&page(&tpls[0], 1))).is_some());
    for (i, t) in tpls.iter().enumerate().skip(1) {
        let p = page(t, 10 * i as u64);
        assert!(pool.admit(blob::sha256(&p), &p, &Sketch::of(&p)));
        // A resembling page is not taken twice.
        let q = page(t, 10 * i as u64 + 1);
        assert!(!pool.admit(blob::sha256(&q), &q, &Sketch::of(&q)));
    }
    let (n, _) = pool.usage();
    assert!((2..=3).contains(&n), "{n}");
    assert!(
        pool.pick(&Sketch::of(&page(&tpls[0], 2))).is_some(),
        "used base kept"
    );
    assert!(
        pool.pick(&Sketch::of(&page(&tpls[5], 93))).is_some(),
        "newest kept"
    );
    assert!(
        pool.pick(&Sketch::of(&page(&tpls[1], 94))).is_none(),
        "oldest unused evicted"
    );
    // Pages that cannot be bases.
    let mut magic = 0xEC30_A437_u32.to_le_bytes().to_vec();
    magic.extend_from_slice(&page(&tpls[2], 9));
    assert!(!pool.admit(blob::sha256(&magic), &magic, &Sketch::of(&magic)));
}

#[test]
fn a_database_with_old_blobs_migrates_and_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let tpl = template(19, 40_000);
    let old = page(&tpl, 1);
    let old_hash = blob::sha256(&old);
    {
        // A database as version 3 made it: blobs without a base column.
        let mut conn = Connection::open(&path).unwrap();
        Migrations::new(MIGRATION_FILES[..3].iter().map(|sql| M::up(sql)).collect())
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO blobs (sha256, size, data) VALUES (?1, ?2, ?3)",
            params![
                &old_hash[..],
                old.len() as i64,
                zstd::bulk::compress(&old, 3).unwrap()
            ],
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATION_FILES.len() as i64);
    assert_eq!(s.blob(&hex::encode(old_hash)).unwrap(), old);
    assert!(s.is_full_blob(&old_hash).unwrap());
    // The old blob serves as a base for a new delta.
    let pool = BasePool::default();
    assert!(pool.admit(old_hash, &old, &Sketch::of(&old)));
    let p2 = page(&tpl, 2);
    let (packed, _) = blob::pack(&p2, &pool).unwrap();
    assert_eq!(packed.base, Some(old_hash));
    let h = blob::put_with(&s.conn, &p2, blob::sha256(&p2), Some(&packed)).unwrap();
    assert_eq!(s.blob(&hex::encode(h)).unwrap(), p2);
}
