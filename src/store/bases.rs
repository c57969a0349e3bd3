//! Bases for delta compression of raw pages: full raw blobs kept in memory, used as
//! zstd raw-content dictionaries, against which similar pages are compressed.
//!
//! Pages of one site share their template (markup, scripts, styles), which is most of
//! their bytes, so a page compressed with another page of the same site as dictionary
//! takes a fraction of its stand-alone size. Which stored page is "of the same site" is
//! decided by content, not by host name: each page gets a [`Sketch`] (a bottom-k sample
//! of content-defined 64-byte contexts), and the base with the largest estimated
//! resemblance, if any reaches [`MIN_RESEMBLANCE`], is used. This finds a site's
//! templates whatever its host names, and never pairs pages that share nothing.
//!
//! The [`BasePool`] is bounded in memory (the bases' bytes); bases that were used
//! recently stay, candidates never used go first. A base is referenced as the zstd prefix
//! of each page compressed against it rather than kept as a prepared dictionary
//! (`EncoderDictionary`): a prepared dictionary at [`ZSTD_LEVEL`] holds about five times
//! the base's bytes (measured: 25 bases of 173 kB, 4.3 MB, took 17 MB prepared), and
//! memory is the scarcer resource (peak RSS of the bench at 20,000 articles was already
//! near its 150 MB target), while a prefix costs little CPU (bench, 1,000 articles:
//! hash/compress 1.2-1.6 s with prefixes, 1.2-1.4 s prepared, 2.2-2.6 s loading the base
//! as a dictionary per page, 2.0-2.3 s before delta blobs).
//! It is a cache only: the store checks that a base is a stored full blob before
//! writing a delta against it, and compresses stand-alone otherwise.

use std::sync::{Arc, Mutex};

use super::Sha256;
#[cfg(doc)]
use super::blob::ZSTD_LEVEL;

/// Features kept in a [`Sketch`].
const SKETCH_K: usize = 64;
/// Estimated resemblance (0..=1, the share of common sampled contexts) from which a base
/// is used for a page.
pub const MIN_RESEMBLANCE: f64 = 0.2;
/// Pages larger than this (bytes) are not made bases: more memory than the pool should
/// spend on one site, and more CPU per page compressed against it.
pub const MAX_BASE_BYTES: usize = 2 << 20;
/// Default memory bound of a [`BasePool`], bytes.
pub const DEFAULT_POOL_BYTES: usize = 24 << 20;
/// The magic number of a zstd dictionary (little-endian): a base starting with it would
/// be read by zstd as a formatted dictionary, not as raw content, so none does.
const ZSTD_DICT_MAGIC: [u8; 4] = 0xEC30_A437_u32.to_le_bytes();

/// A gear table for the rolling hash: 256 fixed pseudo-random words (splitmix64).
const GEAR: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut x: u64 = 0x5354_4554_6765_6172;
    let mut i = 0;
    while i < 256 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        t[i] = z ^ (z >> 31);
        i += 1;
    }
    t
};

/// A small sample of a page's content: the 64 smallest (mixed) rolling hashes
/// of the 64-byte contexts at content-defined anchors (about one byte in 256), sorted.
/// Two pages sharing most of their bytes share most of their sketch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch(Vec<u64>);

impl Sketch {
    /// The sketch of `bytes` (linear time, one table look-up per byte).
    pub fn of(bytes: &[u8]) -> Sketch {
        let mut h: u64 = 0;
        let mut features = Vec::with_capacity(bytes.len() / 128 + 1);
        for &b in bytes {
            h = (h << 1).wrapping_add(GEAR[b as usize]);
            // The top byte depends on the last 64 bytes: an anchor one time in 256.
            if h >> 56 == 0 {
                features.push(h.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29));
            }
        }
        features.sort_unstable();
        features.dedup();
        features.truncate(SKETCH_K);
        Sketch(features)
    }

    /// The estimated resemblance of two pages, 0 (nothing in common) to 1 (alike): the
    /// share of the smallest features of both sketches' union found in both.
    pub fn resemblance(&self, other: &Sketch) -> f64 {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut union, mut both) = (0, 0, 0usize, 0usize);
        while union < SKETCH_K && (i < a.len() || j < b.len()) {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x == y => {
                    both += 1;
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x < y => i += 1,
                (Some(_), None) => i += 1,
                _ => j += 1,
            }
            union += 1;
        }
        if union == 0 {
            0.0
        } else {
            both as f64 / union as f64
        }
    }
}

/// A full raw blob usable as a delta base: its hash, bytes and sketch.
pub struct Base {
    /// sha256 of the bytes, the base's blob key.
    pub hash: Sha256,
    bytes: Vec<u8>,
    sketch: Sketch,
}

impl Base {
    /// The base's bytes (never starting with the zstd dictionary magic number, so that
    /// zstd reads them as raw content).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Whether `bytes` may serve as a delta base (size bound, not read as a zstd dictionary).
pub fn can_be_base(bytes: &[u8]) -> bool {
    bytes.len() <= MAX_BASE_BYTES && !bytes.starts_with(&ZSTD_DICT_MAGIC)
}

struct Entry {
    base: Arc<Base>,
    /// Tick of the last use as a base; 0: never used.
    last_used: u64,
    /// Tick of admission.
    admitted: u64,
}

/// A bounded, thread-safe set of delta [`Base`]s (see the module documentation).
pub struct BasePool {
    budget: usize,
    inner: Mutex<(Vec<Entry>, u64)>,
}

impl Default for BasePool {
    fn default() -> Self {
        BasePool::new(DEFAULT_POOL_BYTES)
    }
}

impl BasePool {
    /// A pool holding at most `budget` bytes of bases (a base in use when evicted lives
    /// on until its user is done).
    pub fn new(budget: usize) -> BasePool {
        BasePool {
            budget,
            inner: Mutex::new((Vec::new(), 0)),
        }
    }

    /// The base most resembling a page of sketch `sketch`, if one reaches
    /// [`MIN_RESEMBLANCE`]; it counts as used.
    pub fn pick(&self, sketch: &Sketch) -> Option<Arc<Base>> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (entries, tick) = &mut *guard;
        let (at, r) = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i, e.base.sketch.resemblance(sketch)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        if r < MIN_RESEMBLANCE {
            return None;
        }
        *tick += 1;
        entries[at].last_used = *tick;
        Some(Arc::clone(&entries[at].base))
    }

    /// Offers a stored full raw blob (`hash` of `bytes`) as a base. Not taken when it
    /// [cannot be a base](can_be_base) or a base resembling it is already held; taking it
    /// evicts, until the pool is within its budget, the oldest never-used bases first,
    /// then the least recently used. Returns whether it was taken.
    pub fn admit(&self, hash: Sha256, bytes: &[u8], sketch: &Sketch) -> bool {
        if !can_be_base(bytes) || sketch.0.is_empty() || bytes.len() > self.budget / 2 {
            return false;
        }
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (entries, tick) = &mut *guard;
        if entries
            .iter()
            .any(|e| e.base.hash == hash || e.base.sketch.resemblance(sketch) >= MIN_RESEMBLANCE)
        {
            return false;
        }
        *tick += 1;
        entries.push(Entry {
            base: Arc::new(Base {
                hash,
                bytes: bytes.to_vec(),
                sketch: sketch.clone(),
            }),
            last_used: 0,
            admitted: *tick,
        });
        while entries.len() > 1
            && entries.iter().map(|e| e.base.bytes.len()).sum::<usize>() > self.budget
        {
            let victim = entries[..entries.len() - 1]
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| (e.last_used != 0, e.last_used, e.admitted))
                .map(|(i, _)| i)
                .expect("more than one entry");
            entries.remove(victim);
        }
        true
    }

    /// Whether a base of `len` bytes would fit beside those held without evicting any.
    pub fn has_room(&self, len: usize) -> bool {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.0.iter().map(|e| e.base.bytes.len()).sum::<usize>() + len <= self.budget
    }

    /// Number of bases held and the memory they hold, bytes.
    pub fn usage(&self) -> (usize, usize) {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (
            guard.0.len(),
            guard.0.iter().map(|e| e.base.bytes.len()).sum(),
        )
    }
}
