-- stet schema, version 1.
-- Times are UTC RFC 3339 text with a 'Z' suffix and whole seconds
-- ("2021-02-14T09:30:00Z"), so that they sort and compare as text.
-- Hashes are sha256 digests stored as 32-byte blobs.

-- Feeds followed, kept in step with config.toml by URL.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    name            TEXT,                       -- from config.toml
    title           TEXT,                       -- the feed's own title
    interval_secs   INTEGER NOT NULL,           -- seconds between polls
    etag            TEXT,                       -- validators for conditional GET (RFC 9110)
    last_modified   TEXT,
    last_polled_at  TEXT,
    last_success_at TEXT,
    last_error      TEXT,
    next_poll_at    TEXT,                       -- NULL: due now
    active          INTEGER NOT NULL DEFAULT 1  -- 0: no longer in config.toml
);

-- Content-addressed storage: each distinct byte string once, zstd-compressed.
CREATE TABLE blobs (
    sha256  BLOB PRIMARY KEY,   -- sha256 of the uncompressed bytes
    size    INTEGER NOT NULL,   -- uncompressed size, bytes
    data    BLOB NOT NULL       -- zstd frame
) WITHOUT ROWID;

-- Articles tracked, one per page URL (the entry's link).
CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    feed_id         INTEGER REFERENCES feeds(id),  -- the feed that first listed it
    first_seen      TEXT NOT NULL,
    last_checked    TEXT,
    last_changed    TEXT,                       -- fetched_at of the newest version
    next_check_at   TEXT,                       -- NULL: no longer re-checked
    etag            TEXT,
    last_modified   TEXT,
    last_raw_sha256 BLOB,                       -- raw body of the last 200 response
    last_error      TEXT,
    -- feed entry metadata, the fallback when the page lacks its own
    entry_title     TEXT,
    entry_author    TEXT,
    entry_published TEXT
);
CREATE INDEX articles_next_check ON articles(next_check_at);

-- Entries seen in each feed, by their stable identity (GUID, else link, else hash).
CREATE TABLE entries (
    id          INTEGER PRIMARY KEY,
    feed_id     INTEGER NOT NULL REFERENCES feeds(id),
    entry_key   TEXT NOT NULL,
    article_id  INTEGER REFERENCES articles(id),
    title       TEXT,
    link        TEXT,
    first_seen  TEXT NOT NULL,
    UNIQUE (feed_id, entry_key)
);
CREATE INDEX entries_article ON entries(article_id);

-- Versions: one row each time an article's normalized content changed.
CREATE TABLE versions (
    id                INTEGER PRIMARY KEY,
    article_id        INTEGER NOT NULL REFERENCES articles(id),
    fetched_at        TEXT NOT NULL,
    content_sha256    BLOB NOT NULL,   -- over normalized title, byline, text, comments
    body_sha256       BLOB NOT NULL,   -- over the normalized body text alone
    raw_sha256        BLOB NOT NULL REFERENCES blobs(sha256),   -- page as fetched
    html_sha256       BLOB NOT NULL REFERENCES blobs(sha256),   -- cleaned article HTML
    text_sha256       BLOB NOT NULL REFERENCES blobs(sha256),   -- its plain text
    title             TEXT,
    byline            TEXT,
    published         TEXT,
    canonical_url     TEXT,
    lang              TEXT,
    comments          TEXT NOT NULL CHECK (comments IN ('open', 'closed', 'none', 'unknown')),
    changes           TEXT NOT NULL,   -- JSON array of change kinds
    extractor_version INTEGER NOT NULL
);
CREATE INDEX versions_article ON versions(article_id, id);

-- Every HTTP attempt, successful or not.
CREATE TABLE fetches (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    feed_id     INTEGER REFERENCES feeds(id),
    article_id  INTEGER REFERENCES articles(id),
    started_at  TEXT NOT NULL,
    status      INTEGER,            -- HTTP status; NULL when no response
    bytes       INTEGER NOT NULL,   -- body bytes after content decoding
    duration_ms INTEGER NOT NULL,
    error       TEXT
);
CREATE INDEX fetches_started ON fetches(started_at);
