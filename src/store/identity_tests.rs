use super::tests::{entry, feed_cfg, t};
use super::*;
use crate::extract::CommentState;

/// Saves a version of `article` at `at` with content hash byte `content` and `title`.
fn save(s: &mut Store, article: i64, at: &str, content: u8, title: &str) -> i64 {
    save_by(s, article, at, (content, content), title, (1, None))
}

/// Saves a version of `article` at `at` with content hash byte `content.0`, the text
/// "text {content.1}", `title`, and made by extractor `by.0` with social title `by.1`.
fn save_by(
    s: &mut Store,
    article: i64,
    at: &str,
    content: (u8, u8),
    title: &str,
    by: (u32, Option<&str>),
) -> i64 {
    let (content, text_no) = content;
    let text = format!("text {text_no}");
    let check = ArticleCheck {
        article_id: article,
        checked_at: t(at),
        next_check_at: Some(t(at)),
        validators: None,
        raw_sha256: None,
        error: None,
        version: Some(NewVersion {
            raw: text.as_bytes(),
            html: &text,
            text: &text,
            content_sha256: [content; 32],
            body_sha256: [content; 32],
            title: Some(title),
            byline: None,
            published: None,
            canonical_url: None,
            lang: None,
            comments: CommentState::None,
            changes: &[ChangeKind::Body],
            extractor_version: by.0,
            suppressed: None,
            encoding: None,
            headline: None,
            social_title: by.1,
            document_title: None,
            pages: &[],
        }),
        status: None,
        event: None,
    };
    s.save_check(&check).unwrap().unwrap()
}

fn two_feeds() -> (Store, i64, i64) {
    let mut s = Store::open_in_memory().unwrap();
    s.sync_feeds(&[
        feed_cfg("https://a.test/feed"),
        feed_cfg("https://b.test/feed"),
    ])
    .unwrap();
    let feeds = s.feeds().unwrap();
    (s, feeds[0].id, feeds[1].id)
}

#[test]
fn an_entry_linking_a_known_url_with_tracking_parameters_joins_its_article() {
    let (mut s, fa, fb) = two_feeds();
    let now = t("2024-01-01T00:00:00Z");
    let a = s
        .record_entries(fa, &[entry("1", "https://www.a.test/story")], now)
        .unwrap();
    let b = s
        .record_entries(
            fb,
            &[entry("x", "http://a.test/story?utm_source=b&fbclid=Z#top")],
            now,
        )
        .unwrap();
    assert_eq!(a.len(), 1);
    assert!(b.is_empty(), "no new article: {b:?}");
    assert_eq!(
        s.article_feed_urls(a[0]).unwrap(),
        ["https://a.test/feed", "https://b.test/feed"]
    );
    for arg in [
        "https://a.test/story",
        "https://a.test/story?utm_medium=x",
        "http://www.a.test/story",
    ] {
        assert_eq!(s.find_article(arg).unwrap(), a[0], "{arg}");
    }
    assert!(matches!(
        s.find_article("https://a.test/story?id=2"),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn a_merge_keeps_the_kept_history_and_drops_only_moved_duplicates() {
    let (mut s, fa, fb) = two_feeds();
    let now = t("2024-01-01T00:00:00Z");
    let keep = s
        .record_entries(fa, &[entry("1", "https://a.test/story")], now)
        .unwrap()[0];
    let gone = s
        .record_entries(fb, &[entry("2", "https://b.test/r/1")], now)
        .unwrap()[0];
    let k1 = save(&mut s, keep, "2024-01-01T01:00:00Z", 1, "A");
    // Two equal versions of the kept article (as a re-extraction may leave them): kept.
    let k2 = save(&mut s, keep, "2024-01-01T02:00:00Z", 1, "A");
    let g1 = save(&mut s, gone, "2024-01-01T03:00:00Z", 1, "A");
    let g2 = save(&mut s, gone, "2024-01-01T04:00:00Z", 2, "B");
    s.merge_article(gone, keep, t("2024-01-02T00:00:00Z"))
        .unwrap();
    let versions = s.versions(keep).unwrap();
    let ids: Vec<i64> = versions.iter().map(|v| v.id).collect();
    assert_eq!(ids, [k1, k2, g2], "g1 ({g1}) repeats k2");
    let kinds: Vec<&[ChangeKind]> = versions.iter().map(|v| &v.changes[..]).collect();
    // k1 and k2 keep their labels; g2 is labelled against k2.
    assert_eq!(
        kinds,
        [
            &[ChangeKind::Body][..],
            &[ChangeKind::Body][..],
            &[ChangeKind::Title, ChangeKind::Body][..]
        ]
    );
    assert_eq!(s.find_article(&gone.to_string()).unwrap(), keep);
    assert_eq!(s.find_article("https://b.test/r/1").unwrap(), keep);
    assert_eq!(
        s.article_feed_urls(keep).unwrap(),
        ["https://a.test/feed", "https://b.test/feed"]
    );
    assert_eq!(
        s.article(keep).unwrap().first_seen,
        t("2024-01-01T00:00:00Z")
    );
    assert!(matches!(s.article(gone), Err(StoreError::NotFound(_))));
}

#[test]
fn a_merge_compares_versions_of_two_extractors_like_for_like() {
    let (mut s, fa, fb) = two_feeds();
    let now = t("2024-01-01T00:00:00Z");
    let keep = s
        .record_entries(fa, &[entry("1", "https://a.test/story")], now)
        .unwrap()[0];
    let gone = s
        .record_entries(fb, &[entry("2", "https://b.test/r/1")], now)
        .unwrap()[0];
    // The current extractor (2) hashes and titles differently from the older one (1).
    let k1 = save_by(
        &mut s,
        keep,
        "2024-01-01T01:00:00Z",
        (1, 1),
        "A",
        (2, Some("S")),
    );
    // The same text by the older extractor: the same page, dropped.
    let g1 = save_by(&mut s, gone, "2024-01-01T02:00:00Z", (9, 1), "A", (1, None));
    // Another text: a body change, and no social-title change (only one extracted it).
    let g2 = save_by(&mut s, gone, "2024-01-01T03:00:00Z", (8, 2), "A", (1, None));
    // The kept article saw that text too: no change after g2, kept and not reported.
    let k2 = save_by(
        &mut s,
        keep,
        "2024-01-01T04:00:00Z",
        (3, 2),
        "A",
        (2, Some("S")),
    );
    s.merge_article(gone, keep, t("2024-01-02T00:00:00Z"))
        .unwrap();
    let versions = s.versions(keep).unwrap();
    let ids: Vec<i64> = versions.iter().map(|v| v.id).collect();
    assert_eq!(ids, [k1, g2, k2], "g1 ({g1}) repeats k1");
    let kinds: Vec<&[ChangeKind]> = versions.iter().map(|v| &v.changes[..]).collect();
    assert_eq!(
        kinds,
        [&[ChangeKind::Body][..], &[ChangeKind::Body][..], &[][..]]
    );
    let reported: Vec<(bool, Option<String>)> = s
        .conn
        .prepare("SELECT reported, suppressed FROM versions ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        reported,
        [
            (true, None),
            (true, None),
            (false, Some("seen_before".to_string()))
        ]
    );
}
