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
}
