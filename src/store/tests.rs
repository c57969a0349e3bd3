use super::*;
use crate::config::FeedConfig;
use crate::feed::Entry;

pub(super) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn feed_cfg(url: &str) -> FeedConfig {
    FeedConfig {
        url: url.into(),
        name: None,
        interval: std::time::Duration::from_secs(1800),
        noise: Default::default(),
    }
}

pub(super) fn entry(key: &str, link: &str) -> Entry {
    Entry {
        key: key.into(),
        link: Some(link.into()),
        title: Some(format!("title {key}")),
        author: None,
        published: None,
    }
}

/// A store following one feed, with two articles (`https://a.test/1` and `/2`) recorded
/// at `now`; with their ids.
pub(super) fn store_with_two_articles(now: DateTime<Utc>) -> (Store, Vec<i64>) {
    let mut s = Store::open_in_memory().unwrap();
    s.sync_feeds(&[feed_cfg("https://a.test/feed")]).unwrap();
    let feed = s.feeds().unwrap()[0].id;
    let ids = s
        .record_entries(
            feed,
            &[
                entry("1", "https://a.test/1"),
                entry("2", "https://a.test/2"),
            ],
            now,
        )
        .unwrap();
    (s, ids)
}

#[test]
fn migrations_apply_and_record_the_schema_version() {
    let s = Store::open_in_memory().unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(s.schema_version().unwrap(), files as i64);
}

#[test]
fn a_moved_feed_keeps_its_config_url_and_events_list_newest_first() {
    let mut s = Store::open_in_memory().unwrap();
    s.sync_feeds(&[feed_cfg("https://a.test/feed")]).unwrap();
    let f = s.feeds().unwrap().remove(0);
    let now = Utc::now();
    assert!(s.move_feed(f.id, "https://b.test/feed", now).unwrap());
    // The config still names the old URL: sync keeps the moved feed, adds nothing.
    s.sync_feeds(&[feed_cfg("https://a.test/feed")]).unwrap();
    let feeds = s.feeds().unwrap();
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].url, "https://b.test/feed");
    assert_eq!(feeds[0].config_url, "https://a.test/feed");
    s.add_event(&crate::store::NewEvent {
        article_id: None,
        feed_id: Some(f.id),
        at: now + chrono::TimeDelta::seconds(5),
        kind: "feed_gone",
        detail: Some("HTTP 410"),
    })
    .unwrap();
    let ev = s.events(10).unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].kind, "feed_gone");
    assert_eq!(ev[1].kind, "feed_moved");
    assert_eq!(
        ev[1].detail.as_deref(),
        Some("https://a.test/feed -> https://b.test/feed")
    );
}

#[test]
fn entries_are_recorded_once_and_make_one_article_per_url() {
    let mut s = Store::open_in_memory().unwrap();
    s.sync_feeds(&[feed_cfg("https://a.test/feed")]).unwrap();
    let feed = s.feeds().unwrap()[0].id;
    let now = t("2024-01-01T00:00:00Z");
    let es = [
        entry("1", "https://a.test/1"),
        entry("2", "https://a.test/2"),
        entry("3", "https://a.test/1"),
    ];
    let created = s.record_entries(feed, &es, now).unwrap();
    assert_eq!(created.len(), 2);
    assert!(s.record_entries(feed, &es, now).unwrap().is_empty());
    assert_eq!(s.articles().unwrap().len(), 2);
    assert_eq!(s.due_articles(now, false).unwrap().len(), 2);
}

#[test]
fn identical_blobs_are_stored_once() {
    let now = t("2024-01-01T00:00:00Z");
    let (mut s, ids) = store_with_two_articles(now);
    for id in &ids {
        let v = NewVersion {
            raw: b"<html>same page</html>",
            html: "<p>same</p>",
            text: "same",
            content_sha256: [1; 32],
            body_sha256: [2; 32],
            title: Some("T"),
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
        };
        let check = ArticleCheck {
            article_id: *id,
            checked_at: now,
            next_check_at: None,
            validators: None,
            raw_sha256: None,
            error: None,
            version: Some(v),
            status: None,
            event: None,
        };
        s.save_check(&check).unwrap();
    }
    let (count, _, raw) = s.blob_stats().unwrap();
    assert_eq!(count, 3);
    assert_eq!(raw, (22 + 11 + 4) as u64);
    let v = s.latest_version(ids[0]).unwrap().unwrap();
    assert_eq!(s.blob_text(&v.text_sha256).unwrap(), "same");
    assert_eq!(v.changes, [ChangeKind::New]);
    assert_eq!(s.due_articles(now, true).unwrap().len(), 0);
}

#[test]
fn two_processes_may_open_a_new_database_at_once() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("race.db");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let p = path.clone();
                std::thread::spawn(move || Store::open(&p).map(|_| ()))
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    }
}

#[test]
fn due_articles_come_in_pages_oldest_due_first_without_repeats() {
    let mut s = Store::open_in_memory().unwrap();
    s.sync_feeds(&[feed_cfg("https://a.test/feed")]).unwrap();
    let feed = s.feeds().unwrap()[0].id;
    let now = t("2024-01-01T00:00:00Z");
    let es: Vec<Entry> = (1..=5)
        .map(|i| entry(&i.to_string(), &format!("https://a.test/{i}")))
        .collect();
    let ids = s.record_entries(feed, &es, now).unwrap();
    // Due times: the 3rd and the 1st share the oldest; the 5th is not due yet.
    let due = [
        "2023-12-31T10:00:00Z",
        "2023-12-31T12:00:00Z",
        "2023-12-31T10:00:00Z",
        "2023-12-31T11:00:00Z",
        "2024-01-02T00:00:00Z",
    ];
    for (id, at) in ids.iter().zip(due) {
        s.conn
            .execute(
                "UPDATE articles SET next_check_at = ?2 WHERE id = ?1",
                params![id, fmt_time(t(at))],
            )
            .unwrap();
    }
    let pages = |all: bool, limit: usize| {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = s
                .due_articles_page(now, all, cursor.as_ref(), limit)
                .unwrap();
            if page.is_empty() {
                return out;
            }
            assert!(page.len() <= limit);
            out.push(page.iter().map(|a| a.id).collect::<Vec<_>>());
            cursor = next;
        }
    };
    let [a, b, c, d, e] = ids[..] else { panic!() };
    assert_eq!(pages(false, 2), vec![vec![a, c], vec![d, b]]);
    // A page boundary between two articles due at the same time loses neither.
    assert_eq!(pages(false, 1), vec![vec![a], vec![c], vec![d], vec![b]]);
    assert_eq!(pages(true, 2), vec![vec![a, b], vec![c, d], vec![e]]);
    assert_eq!(
        s.due_articles(now, false)
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        vec![a, c, d, b]
    );
}
