-- Change reports and notifications.

-- Whether a version is reported as a change (in `stet changes`, the Atom feed and
-- notifications). A version is always stored; noise controls only decide whether it is
-- reported. `suppressed` says why not: 'seen_before' (equal to one of the last K versions,
-- a page flipping between states), 'below_min_size' (an edit under the configured
-- number of characters).
ALTER TABLE versions ADD COLUMN reported INTEGER NOT NULL DEFAULT 1;
ALTER TABLE versions ADD COLUMN suppressed TEXT;
CREATE INDEX versions_fetched ON versions(fetched_at);

-- The character encoding the raw page was decoded with (WHATWG name), so that
-- `stet reextract` decodes the stored raw HTML exactly as the fetch did.
ALTER TABLE versions ADD COLUMN encoding TEXT;
CREATE INDEX versions_content ON versions(article_id, content_sha256);

-- Notifications waiting for delivery, one row per change and notifier: delivered at least
-- once, never lost (rows stay until delivered, then are marked), never duplicated (the
-- unique key).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    notifier        TEXT NOT NULL,     -- the [[notify]] block's name
    change_id       TEXT NOT NULL,     -- stable change id, e.g. 'version:12'
    payload         TEXT NOT NULL,     -- the JSON document delivered
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at    TEXT,              -- NULL until delivered
    last_error      TEXT,
    UNIQUE (notifier, change_id)
);
CREATE INDEX outbox_pending ON outbox(delivered_at, next_attempt_at);

-- Each notifier's high-water mark: the newest version id already queued for it. A new
-- notifier starts at the newest version (history is not replayed); after that every
-- reported change with a larger id is queued, in the same transaction that moves the mark.
CREATE TABLE notifiers (
    name            TEXT PRIMARY KEY,
    last_version_id INTEGER NOT NULL,
    last_event_id   INTEGER NOT NULL DEFAULT 0  -- the same for status events
);
