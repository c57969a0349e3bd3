//! When things are due: the next poll of a feed and the next re-check of an article.
//!
//! Pure functions of the configuration and the clock, so that the schedule can be
//! asserted exactly in tests. Times are UTC.

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::Recheck;

/// Converts a std duration to a chrono delta, saturating at chrono's range.
pub fn delta(d: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// The time of a feed's next poll after one at `polled_at`, `interval` apart.
pub fn next_feed_poll(polled_at: DateTime<Utc>, interval: std::time::Duration) -> DateTime<Utc> {
    polled_at + delta(interval)
}

/// The time of a feed's next successful poll: `interval` after `polled_at`, or later when
/// the feed or the server asks for less frequent polls (`hint`: RSS `<ttl>`,
/// `sy:updatePeriod`/`sy:updateFrequency`, `Cache-Control: max-age`). A hint never makes
/// polls more frequent than configured.
pub fn next_feed_poll_hinted(
    polled_at: DateTime<Utc>,
    interval: std::time::Duration,
    hint: Option<std::time::Duration>,
) -> DateTime<Utc> {
    polled_at + delta(hint.map_or(interval, |h| h.max(interval)))
}

/// The wait after the `failures`-th failure in a row: `base`, doubled at each further
/// failure, times a jitter factor in [1, 1.25) so that many feeds failing together do
/// not come back together, capped at `max`; never shorter than `retry_after` (the
/// server's `Retry-After`, RFC 9110 §10.2.3), which may exceed the cap.
pub fn backoff(
    base: std::time::Duration,
    failures: u32,
    max: std::time::Duration,
    retry_after: Option<std::time::Duration>,
) -> std::time::Duration {
    let doublings = failures.saturating_sub(1).min(30);
    let raw = base.saturating_mul(1u32 << doublings);
    let jittered = raw.mul_f64(1.0 + fastrand::f64() * 0.25).min(max);
    jittered.max(retry_after.unwrap_or_default())
}

/// The time of an article's next re-check after one at `checked_at`, or `None` when the
/// article has aged past `recheck.stop_after` and is no longer re-checked.
///
/// The age counts from `first_seen`. While the article is younger than
/// `recheck.fresh_for` it is re-checked every `feed_interval`; after that every
/// `recheck.then_every`. A re-check never falls after `first_seen + stop_after`, except
/// that the last one is kept when it would (so an article gets a final look).
pub fn next_article_check(
    first_seen: DateTime<Utc>,
    checked_at: DateTime<Utc>,
    feed_interval: std::time::Duration,
    recheck: &Recheck,
) -> Option<DateTime<Utc>> {
    let age = checked_at - first_seen;
    if age >= delta(recheck.stop_after) {
        return None;
    }
    let step = if age < delta(recheck.fresh_for) {
        feed_interval
    } else {
        recheck.then_every
    };
    let next = checked_at + delta(step);
    let end = first_seen + delta(recheck.stop_after);
    Some(next.min(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const RECHECK: Recheck = Recheck {
        fresh_for: Duration::from_secs(86400),
        then_every: Duration::from_secs(86400),
        stop_after: Duration::from_secs(30 * 86400),
    };

    #[test]
    fn feeds_are_polled_every_interval() {
        assert_eq!(
            next_feed_poll(t("2024-01-01T00:00:00Z"), Duration::from_secs(1800)),
            t("2024-01-01T00:30:00Z")
        );
    }

    #[test]
    fn fresh_articles_follow_the_feed_interval() {
        let first = t("2024-01-01T00:00:00Z");
        assert_eq!(
            next_article_check(
                first,
                t("2024-01-01T05:00:00Z"),
                Duration::from_secs(1800),
                &RECHECK
            ),
            Some(t("2024-01-01T05:30:00Z"))
        );
    }

    #[test]
    fn older_articles_back_off_to_daily() {
        let first = t("2024-01-01T00:00:00Z");
        assert_eq!(
            next_article_check(
                first,
                t("2024-01-03T00:00:00Z"),
                Duration::from_secs(1800),
                &RECHECK
            ),
            Some(t("2024-01-04T00:00:00Z"))
        );
    }

    #[test]
    fn rechecks_stop_at_the_maximum_age() {
        let first = t("2024-01-01T00:00:00Z");
        assert_eq!(
            next_article_check(
                first,
                t("2024-01-30T12:00:00Z"),
                Duration::from_secs(1800),
                &RECHECK
            ),
            Some(t("2024-01-31T00:00:00Z"))
        );
        assert_eq!(
            next_article_check(
                first,
                t("2024-01-31T00:00:00Z"),
                Duration::from_secs(1800),
                &RECHECK
            ),
            None
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_honours_retry_after() {
        use std::time::Duration as D;
        let base = D::from_secs(60);
        let max = D::from_secs(3600);
        for (n, lo) in [(1u32, 60u64), (2, 120), (3, 240), (4, 480)] {
            let b = backoff(base, n, max, None);
            assert!(
                b >= D::from_secs(lo) && b < D::from_secs(lo * 5 / 4),
                "{n}: {b:?}"
            );
        }
        assert_eq!(backoff(base, 20, max, None), max);
        assert_eq!(
            backoff(base, 1, max, Some(D::from_secs(7200))),
            D::from_secs(7200)
        );
    }

    #[test]
    fn feed_hints_only_lengthen_the_interval() {
        let t = Utc::now();
        let i = std::time::Duration::from_secs(1800);
        assert_eq!(next_feed_poll_hinted(t, i, None), t + delta(i));
        assert_eq!(
            next_feed_poll_hinted(t, i, Some(std::time::Duration::from_secs(60))),
            t + delta(i)
        );
        assert_eq!(
            next_feed_poll_hinted(t, i, Some(std::time::Duration::from_secs(7200))),
            t + TimeDelta::hours(2)
        );
    }
}
