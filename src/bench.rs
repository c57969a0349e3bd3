//! Time counters for `stet-bench`: where a poll cycle spends its time.
//!
//! Library code marks its stages with [`span`]; the returned guard adds the elapsed time
//! to the stage's counter when dropped. Spans nest exclusively: an inner span (zstd
//! compression inside an SQLite write) pauses the outer one on the same thread, so each
//! nanosecond is counted once. Counting is off unless [`enable`] was called: a span is
//! then one relaxed atomic load and no clock read, negligible on the hot path.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// A stage of the poll cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// HTTP exchanges, request to last body byte, summed over concurrent fetches.
    Fetch = 0,
    /// Charset decoding of the page (and the soft-error guard's page text).
    Decode = 1,
    /// Article extraction.
    Extract = 2,
    /// sha256 and zstd compression.
    HashCompress = 3,
    /// Time inside the store's SQLite calls (writes and reads of the cycle).
    Sqlite = 4,
}

/// Every stage, in report order.
pub const STAGES: [Stage; 5] = [
    Stage::Fetch,
    Stage::Decode,
    Stage::Extract,
    Stage::HashCompress,
    Stage::Sqlite,
];

impl Stage {
    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Decode => "decode",
            Stage::Extract => "extract",
            Stage::HashCompress => "hash/compress",
            Stage::Sqlite => "sqlite",
        }
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static NANOS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

thread_local! {
    /// The innermost running span on this thread and when it (last) resumed.
    static CURRENT: Cell<Option<(Stage, Instant)>> = const { Cell::new(None) };
}

/// Turns counting on (for the rest of the process).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Nanoseconds counted per stage since the last [`reset`], in [`STAGES`] order.
pub fn snapshot() -> [u64; 5] {
    std::array::from_fn(|i| NANOS[i].load(Ordering::Relaxed))
}

/// Sets every counter to zero.
pub fn reset() {
    for n in &NANOS {
        n.store(0, Ordering::Relaxed);
    }
}

fn add(stage: Stage, since: Instant, now: Instant) {
    let ns = u64::try_from((now - since).as_nanos()).unwrap_or(u64::MAX);
    NANOS[stage as usize].fetch_add(ns, Ordering::Relaxed);
}

/// Counts the time until the guard drops towards `stage` (when counting is on).
#[must_use = "the span ends when the guard drops"]
pub fn span(stage: Stage) -> Span {
    if !ENABLED.load(Ordering::Relaxed) {
        return Span { outer: None };
    }
    let now = Instant::now();
    let outer = CURRENT.with(|c| {
        let outer = c.get();
        if let Some((s, t)) = outer {
            add(s, t, now);
        }
        c.set(Some((stage, now)));
        outer
    });
    Span {
        outer: Some(outer.map(|(s, _)| s)),
    }
}

/// Counts time spent across an `.await` (the fetch stage): not exclusive, summed over
/// concurrent tasks.
pub async fn timed<F: std::future::Future>(stage: Stage, fut: F) -> F::Output {
    if !ENABLED.load(Ordering::Relaxed) {
        return fut.await;
    }
    let t = Instant::now();
    let out = fut.await;
    add(stage, t, Instant::now());
    out
}

/// The guard of a [`span`].
pub struct Span {
    /// None: counting was off. Some(outer): the span that this one paused.
    outer: Option<Option<Stage>>,
}

impl Drop for Span {
    fn drop(&mut self) {
        let Some(outer) = self.outer else { return };
        let now = Instant::now();
        CURRENT.with(|c| {
            if let Some((s, t)) = c.get() {
                add(s, t, now);
            }
            c.set(outer.map(|s| (s, now)));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_spans_count_each_instant_once() {
        enable();
        reset();
        {
            let _a = span(Stage::Sqlite);
            std::thread::sleep(std::time::Duration::from_millis(20));
            {
                let _b = span(Stage::HashCompress);
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let s = snapshot();
        let ms = |st: Stage| s[st as usize] / 1_000_000;
        assert!((19..40).contains(&ms(Stage::Sqlite)), "{s:?}");
        assert!((19..40).contains(&ms(Stage::HashCompress)), "{s:?}");
    }
}
