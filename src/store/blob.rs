//! Content-addressed blobs: bytes keyed by their sha256, zstd-compressed, stored once.
//!
//! A blob's data is a zstd frame, either stand-alone (`base` NULL, a "full" blob) or
//! compressed with the bytes of another, full, blob as raw-content dictionary (`base`
//! names it: a "delta" blob, see [`super::bases`]). A base is always full, so reading a
//! blob takes at most two decompressions; the foreign key keeps a base while a delta
//! needs it. Either way the key is the sha256 of the uncompressed bytes, so the same
//! bytes are one blob however they were compressed.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256 as Hasher};

use super::bases::{Base, BasePool, Sketch};
use super::{Sha256, StoreError};

/// zstd level for blobs: a good ratio for HTML at a cost well under extraction's.
pub const ZSTD_LEVEL: i32 = 3;

/// Whether a blob is stored.
pub(crate) const SQL_BLOB_EXISTS: &str = "SELECT 1 FROM blobs WHERE sha256 = ?1";
/// A blob's size, data and base.
pub(crate) const SQL_BLOB_GET: &str = "SELECT size, data, base FROM blobs WHERE sha256 = ?1";
/// Whether a stored blob is full (1) or a delta (0); no row when not stored.
pub(crate) const SQL_BLOB_IS_FULL: &str = "SELECT base IS NULL FROM blobs WHERE sha256 = ?1";

/// A blob's data as prepared for storing: a zstd frame and, for a delta, the hash of
/// the full blob it was compressed against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// The zstd frame.
    pub data: Vec<u8>,
    /// The base blob's sha256 (None: a stand-alone frame).
    pub base: Option<Sha256>,
}

/// The sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Sha256 {
    let _t = crate::bench::span(crate::bench::Stage::HashCompress);
    Hasher::digest(bytes).into()
}

/// `bytes` compressed as a blob's data.
///
/// Each thread keeps one compression context: zstd advises reusing contexts, and a
/// fresh one per blob allocates and clears its tables again for every page.
///
/// # Errors
/// When zstd fails.
pub fn compress(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let _t = crate::bench::span(crate::bench::Stage::HashCompress);
    COMPRESSOR
        .with(|c| {
            let mut c = c.borrow_mut();
            let compressor = match c.as_mut() {
                Some(compressor) => compressor,
                None => c.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
            };
            compressor.compress(bytes)
        })
        .map_err(|e| StoreError::Blob {
            hash: hex::encode(sha256(bytes)),
            message: format!("compression failed: {e}"),
        })
}

/// `bytes` compressed against `base` (its bytes as raw-content dictionary), as the data
/// of a delta blob.
///
/// # Errors
/// When zstd fails.
pub fn compress_against(bytes: &[u8], base: &Base) -> Result<Packed, StoreError> {
    let _t = crate::bench::span(crate::bench::Stage::HashCompress);
    use zstd::zstd_safe::{CCtx, CParameter, compress_bound, get_error_name};
    let fail = |code: usize| StoreError::Blob {
        hash: hex::encode(sha256(bytes)),
        message: format!(
            "compression against base {} failed: {}",
            hex::encode(base.hash),
            get_error_name(code)
        ),
    };
    // The base as a prefix: raw content, read in place and loaded straight into the
    // match finder, without the dictionary copy and internal CDict that
    // `ZSTD_CCtx_loadDictionary` makes (decoded alike, as a raw-content dictionary).
    let mut cctx = CCtx::create();
    cctx.set_parameter(CParameter::CompressionLevel(ZSTD_LEVEL))
        .map_err(fail)?;
    cctx.ref_prefix(base.bytes()).map_err(fail)?;
    let mut data = Vec::with_capacity(compress_bound(bytes.len()));
    cctx.compress2(&mut data, bytes).map_err(fail)?;
    Ok(Packed {
        data,
        base: Some(base.hash),
    })
}

/// `bytes` packed for storing: against the base of `pool` that most resembles them if
/// there is one, stand-alone otherwise; with the bytes' [`Sketch`] (to offer them to the
/// pool as a base once stored).
///
/// # Errors
/// When zstd fails.
pub fn pack(bytes: &[u8], pool: &BasePool) -> Result<(Packed, Sketch), StoreError> {
    let sketch = {
        let _t = crate::bench::span(crate::bench::Stage::HashCompress);
        Sketch::of(bytes)
    };
    let packed = match pool.pick(&sketch) {
        Some(base) => compress_against(bytes, &base)?,
        None => Packed {
            data: compress(bytes)?,
            base: None,
        },
    };
    Ok((packed, sketch))
}

/// Whether the blob `hash` is stored as a full blob (false: a delta, or not stored).
///
/// # Errors
/// On an SQLite error.
pub fn is_full(conn: &Connection, hash: &[u8]) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(SQL_BLOB_IS_FULL)?
        .query_row([hash], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// Stores `bytes` unless a blob with the same sha256 exists; returns the hash.
///
/// # Errors
/// On an SQLite or compression error.
pub fn put(conn: &Connection, bytes: &[u8]) -> Result<Sha256, StoreError> {
    put_with(conn, bytes, sha256(bytes), None)
}

/// As [`put`], with the hash of `bytes` and optionally their [`Packed`] form already
/// computed (off the writer's thread). A delta is stored only when its base is a stored
/// full blob; otherwise `bytes` are compressed stand-alone here. Nothing is written when
/// a blob of that hash exists (however it was compressed).
///
/// # Errors
/// On an SQLite or compression error.
pub fn put_with(
    conn: &Connection,
    bytes: &[u8],
    hash: Sha256,
    packed: Option<&Packed>,
) -> Result<Sha256, StoreError> {
    let known = conn.prepare_cached(SQL_BLOB_EXISTS)?.exists([&hash[..]])?;
    if !known {
        let usable = match packed {
            Some(p @ Packed { base: None, .. }) => Some(p),
            Some(p @ Packed { base: Some(b), .. }) if is_full(conn, b)? => Some(p),
            _ => None,
        };
        let owned;
        let (data, base) = match usable {
            Some(p) => (&p.data, p.base),
            None => {
                owned = compress(bytes)?;
                (&owned, None)
            }
        };
        conn.prepare_cached(
            "INSERT INTO blobs (sha256, size, data, base) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            &hash[..],
            bytes.len() as i64,
            data,
            base.as_ref().map(|b| &b[..])
        ])?;
    }
    Ok(hash)
}

/// Reads and decompresses a blob (and its base, for a delta).
///
/// # Errors
/// [`StoreError::NotFound`] for an unknown hash; [`StoreError::Blob`] when the data does
/// not decompress to the recorded size and hash, or when a delta's base is missing, not
/// full, or itself corrupt (the message names the base).
pub fn get(conn: &Connection, hash: &[u8]) -> Result<Vec<u8>, StoreError> {
    let (size, data, base) = row(conn, hash)?
        .ok_or_else(|| StoreError::NotFound(format!("blob {}", hex::encode(hash))))?;
    let fail = |message: String| StoreError::Blob {
        hash: hex::encode(hash),
        message,
    };
    let bytes = match base {
        None => zstd::bulk::decompress(&data, size.max(0) as usize)
            .map_err(|e| fail(format!("decompression failed: {e}")))?,
        Some(b) => {
            let b_hex = hex::encode(&b);
            let (b_size, b_data, b_base) =
                row(conn, &b)?.ok_or_else(|| fail(format!("its base blob {b_hex} is missing")))?;
            if b_base.is_some() {
                return Err(fail(format!("its base blob {b_hex} is not a full blob")));
            }
            let dict = zstd::bulk::decompress(&b_data, b_size.max(0) as usize)
                .map_err(|e| fail(format!("its base blob {b_hex} is corrupt: {e}")))?;
            if dict.len() as i64 != b_size || sha256(&dict)[..] != b[..] {
                return Err(fail(format!(
                    "its base blob {b_hex} is corrupt: content does not match its hash"
                )));
            }
            zstd::bulk::Decompressor::with_dictionary(&dict)
                .and_then(|mut d| d.decompress(&data, size.max(0) as usize))
                .map_err(|e| fail(format!("decompression against base {b_hex} failed: {e}")))?
        }
    };
    if bytes.len() as i64 != size || sha256(&bytes)[..] != *hash {
        return Err(fail("content does not match its hash".into()));
    }
    Ok(bytes)
}

/// A blob's row: size, data and base.
type Row = (i64, Vec<u8>, Option<Vec<u8>>);

fn row(conn: &Connection, hash: &[u8]) -> Result<Option<Row>, StoreError> {
    Ok(conn
        .prepare_cached(SQL_BLOB_GET)?
        .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}
