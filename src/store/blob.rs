//! Content-addressed blobs: bytes keyed by their sha256, zstd-compressed, stored once.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256 as Hasher};

use super::{Sha256, StoreError};

/// zstd level for blobs: a good ratio for HTML at a cost well under extraction's.
pub const ZSTD_LEVEL: i32 = 3;

/// Whether a blob is stored.
pub(crate) const SQL_BLOB_EXISTS: &str = "SELECT 1 FROM blobs WHERE sha256 = ?1";
/// A blob's size and data.
pub(crate) const SQL_BLOB_GET: &str = "SELECT size, data FROM blobs WHERE sha256 = ?1";

/// The sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Sha256 {
    let _t = crate::bench::span(crate::bench::Stage::HashCompress);
    Hasher::digest(bytes).into()
}

/// `bytes` compressed as a blob's data.
///
/// # Errors
/// When zstd fails.
pub fn compress(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    let _t = crate::bench::span(crate::bench::Stage::HashCompress);
    zstd::bulk::compress(bytes, ZSTD_LEVEL).map_err(|e| StoreError::Blob {
        hash: hex::encode(sha256(bytes)),
        message: format!("compression failed: {e}"),
    })
}

/// Stores `bytes` unless a blob with the same sha256 exists; returns the hash.
///
/// # Errors
/// On an SQLite or compression error.
pub fn put(conn: &Connection, bytes: &[u8]) -> Result<Sha256, StoreError> {
    put_with(conn, bytes, sha256(bytes), None)
}

/// As [`put`], with the hash of `bytes` and optionally their [`compress`]ed form
/// already computed (off the writer's thread).
///
/// # Errors
/// On an SQLite or compression error.
pub fn put_with(
    conn: &Connection,
    bytes: &[u8],
    hash: Sha256,
    compressed: Option<&[u8]>,
) -> Result<Sha256, StoreError> {
    let known = conn.prepare_cached(SQL_BLOB_EXISTS)?.exists([&hash[..]])?;
    if !known {
        let owned;
        let data = match compressed {
            Some(d) => d,
            None => {
                owned = compress(bytes)?;
                &owned
            }
        };
        conn.prepare_cached("INSERT INTO blobs (sha256, size, data) VALUES (?1, ?2, ?3)")?
            .execute(params![&hash[..], bytes.len() as i64, data])?;
    }
    Ok(hash)
}

/// Reads and decompresses a blob.
///
/// # Errors
/// [`StoreError::NotFound`] for an unknown hash; [`StoreError::Blob`] when the data does
/// not decompress to the recorded size and hash.
pub fn get(conn: &Connection, hash: &[u8]) -> Result<Vec<u8>, StoreError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached(SQL_BLOB_GET)?
        .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (size, data) =
        row.ok_or_else(|| StoreError::NotFound(format!("blob {}", hex::encode(hash))))?;
    let bytes =
        zstd::bulk::decompress(&data, size.max(0) as usize).map_err(|e| StoreError::Blob {
            hash: hex::encode(hash),
            message: format!("decompression failed: {e}"),
        })?;
    if sha256(&bytes)[..] != *hash {
        return Err(StoreError::Blob {
            hash: hex::encode(hash),
            message: "content does not match its hash".into(),
        });
    }
    Ok(bytes)
}
