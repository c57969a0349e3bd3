-- stet schema, version 2: polite, resilient fetching (issue 6).
-- Same conventions as 0001: times are UTC RFC 3339 text with 'Z', whole seconds.

-- Feed lifecycle. `url` is the URL polled now; `config_url` the URL as written in
-- config.toml, which stays the key that config sync matches on after a permanent
-- redirect has moved `url`.
ALTER TABLE feeds ADD COLUMN config_url TEXT;
UPDATE feeds SET config_url = url;
CREATE UNIQUE INDEX feeds_config_url ON feeds(config_url);
-- 'ok', 'failing' (errors since failing_since), 'dead' (failing longer than
-- `feeds.dead_after`; polled at the backoff cap), 'gone' (HTTP 410; no longer polled),
-- 'disallowed' (robots.txt forbids it; polled again at the backoff cap).
ALTER TABLE feeds ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE feeds ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;     -- consecutive failed polls
ALTER TABLE feeds ADD COLUMN failing_since TEXT;                      -- first failure of the run
ALTER TABLE feeds ADD COLUMN moved_to TEXT;           -- target of a permanent redirect (301/308)
ALTER TABLE feeds ADD COLUMN moved_count INTEGER NOT NULL DEFAULT 0;  -- consecutive polls seeing it

-- Article state: 'ok', or 'removed' after a 404/410 of an article that had versions.
ALTER TABLE articles ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE articles ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;  -- consecutive failed checks

-- Fetch log: where a failed attempt failed, and what became of a fetched body.
-- stage: url, address, robots, backoff, connect, tls, timeout, redirect, http_status,
--        too_large, body, decode, parse, extract, store (NULL when nothing failed);
-- outcome: ok, not_modified, unchanged, new_version, new_entries, soft_error,
--          extraction_failed, removed, disallowed, deferred, error.
ALTER TABLE fetches ADD COLUMN stage TEXT;
ALTER TABLE fetches ADD COLUMN outcome TEXT;

-- Status events of articles and feeds, one row per transition (not per poll).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER REFERENCES articles(id),  -- NULL for a feed event
    feed_id     INTEGER REFERENCES feeds(id),     -- the article's feed, or the feed itself
    at          TEXT NOT NULL,                    -- when the fetch that saw it started
    -- removed, restored, extraction_failed, redirected (article), feed_moved,
    -- feed_gone, feed_dead (feed)
    kind        TEXT NOT NULL,
    detail      TEXT                              -- human-readable cause, e.g. "HTTP 404"
);
CREATE INDEX events_at ON events(at, id);
CREATE INDEX events_article ON events(article_id, id);

-- robots.txt per origin (RFC 9309), cached for 24 hours across runs.
CREATE TABLE robots (
    origin      TEXT PRIMARY KEY,   -- scheme://host[:port]
    fetched_at  TEXT NOT NULL,
    status      INTEGER,            -- HTTP status of the robots.txt fetch; NULL: unreachable
    body        BLOB NOT NULL       -- the file (empty unless 2xx)
) WITHOUT ROWID;

-- Per-host backoff after 429, 503 and connection failures, across runs.
CREATE TABLE hosts (
    host          TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,  -- consecutive failures
    blocked_until TEXT                         -- no request before this time
) WITHOUT ROWID;
