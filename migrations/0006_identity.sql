-- stet schema, version 5: one article per story (issue 10).
-- Same conventions as 0001: times are UTC RFC 3339 text with 'Z', whole seconds.
-- After this SQL, a Rust step (store::identity::migrate) fills article_urls from the
-- stored articles, entries, redirect events and canonical URLs, and merges the articles
-- that were one story stored twice, in the same transaction.

-- Every URL an article is known by, in key form (identity::key: no scheme, no `www.`,
-- no fragment, no tracking parameters): the feed links that point to it, the URLs its
-- fetches ended at, and its current canonical URL. Lookups (`stet versions URL`, a new
-- feed entry) go through this table. A key normally names one article; it names two
-- only when two pages at one URL were seen to be different stories.
CREATE TABLE article_urls (
    url         TEXT NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles(id),
    -- 'final' (a fetch ended there), 'canonical' (the page declares it), 'link' (a feed
    -- links it); a URL known in several ways keeps the first kind of this list
    kind        TEXT NOT NULL CHECK (kind IN ('final', 'canonical', 'link')),
    first_seen  TEXT NOT NULL,
    PRIMARY KEY (url, article_id)
) WITHOUT ROWID;
CREATE INDEX article_urls_article ON article_urls(article_id);

-- The article's current canonical URL (key form), and whether it is stable: the same as
-- at the fetch before, or the first one seen. A canonical that changed is not used to
-- merge articles until it is seen twice in a row.
ALTER TABLE articles ADD COLUMN canonical_key TEXT;
ALTER TABLE articles ADD COLUMN canonical_stable INTEGER NOT NULL DEFAULT 1;

-- Articles merged into another (the same story under two URLs): the old id keeps
-- naming the story (`stet versions OLD_ID`).
CREATE TABLE merged_articles (
    id          INTEGER PRIMARY KEY,                       -- the id the article had
    into_id     INTEGER NOT NULL REFERENCES articles(id),  -- the article that holds it now
    at          TEXT NOT NULL
);
CREATE INDEX merged_articles_into ON merged_articles(into_id);
