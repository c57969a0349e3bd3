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
    static CURRENT: Running = const { Cell::new(None) };
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

fn nanos(since: Instant, now: Instant) -> u64 {
    u64::try_from((now - since).as_nanos()).unwrap_or(u64::MAX)
}

/// The innermost running span of a thread and when it (last) resumed.
type Running = Cell<Option<(Stage, Instant)>>;

/// Enters `stage` at `now` on a thread whose running span is `running`: the span it
/// pauses is counted up to `now`. Returns the paused span's stage.
fn enter(
    running: &Running,
    stage: Stage,
    now: Instant,
    count: &mut dyn FnMut(Stage, u64),
) -> Option<Stage> {
    let outer = running.get();
    if let Some((s, t)) = outer {
        count(s, nanos(t, now));
    }
    running.set(Some((stage, now)));
    outer.map(|(s, _)| s)
}

/// Leaves the running span at `now`, counting it, and resumes `outer` from `now`.
fn leave(running: &Running, outer: Option<Stage>, now: Instant, count: &mut dyn FnMut(Stage, u64)) {
    if let Some((s, t)) = running.get() {
        count(s, nanos(t, now));
    }
    running.set(outer.map(|s| (s, now)));
}

fn count_globally(stage: Stage, ns: u64) {
    NANOS[stage as usize].fetch_add(ns, Ordering::Relaxed);
}

/// Counts the time until the guard drops towards `stage` (when counting is on).
#[must_use = "the span ends when the guard drops"]
pub fn span(stage: Stage) -> Span {
    if !ENABLED.load(Ordering::Relaxed) {
        return Span { outer: None };
    }
    let outer = CURRENT.with(|c| enter(c, stage, Instant::now(), &mut count_globally));
    Span { outer: Some(outer) }
}

/// Counts time spent across an `.await` (the fetch stage): not exclusive, summed over
/// concurrent tasks.
pub async fn timed<F: std::future::Future>(stage: Stage, fut: F) -> F::Output {
    if !ENABLED.load(Ordering::Relaxed) {
        return fut.await;
    }
    let t = Instant::now();
    let out = fut.await;
    count_globally(stage, nanos(t, Instant::now()));
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
        CURRENT.with(|c| leave(c, outer, Instant::now(), &mut count_globally));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_spans_count_each_instant_once() {
        // Explicit instants and a local tally: exact, and apart from other tests' spans.
        let t0 = Instant::now();
        let at = |ms: u64| t0 + std::time::Duration::from_millis(ms);
        let running = Running::new(None);
        let mut totals = [0u64; 5];
        let mut count = |s: Stage, ns: u64| totals[s as usize] += ns;
        let a = enter(&running, Stage::Sqlite, at(0), &mut count);
        let b = enter(&running, Stage::HashCompress, at(20), &mut count);
        leave(&running, b, at(50), &mut count);
        leave(&running, a, at(60), &mut count);
        assert_eq!(running.get(), None);
        let ms = |st: Stage| totals[st as usize] / 1_000_000;
        assert_eq!(ms(Stage::Sqlite), 30);
        assert_eq!(ms(Stage::HashCompress), 30);
        assert_eq!(ms(Stage::Extract), 0);
    }
}
