-- What a reader sees is what is watched (issue 10).

-- The titles a version was decided on. `title` stays the version's title (the visible
-- headline, else the metadata title); these keep the sources apart so that a change of
-- the social or document title alone is told from a change of the headline:
-- `headline` is the page's visible <h1> headline (NULL when the page has none),
-- `social_title` its og:title (else twitter:title), `document_title` its <title>.
ALTER TABLE versions ADD COLUMN headline TEXT;
ALTER TABLE versions ADD COLUMN social_title TEXT;
ALTER TABLE versions ADD COLUMN document_title TEXT;

-- The pages after the first of an article split over several pages (rel="next"): one
-- version covers all of them. The first page is the version's `raw_sha256`; each later
-- page's raw HTML is a blob of its own, with the address it was fetched from and the
-- encoding it was decoded with, so that re-extraction rebuilds the version from all.
CREATE TABLE version_pages (
    version_id  INTEGER NOT NULL REFERENCES versions(id),
    page        INTEGER NOT NULL,                          -- 2, 3, ...
    url         TEXT NOT NULL,
    raw_sha256  BLOB NOT NULL REFERENCES blobs(sha256),
    encoding    TEXT,
    PRIMARY KEY (version_id, page)
) WITHOUT ROWID;
