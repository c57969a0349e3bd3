-- Delta blobs: a blob's data may be a zstd frame compressed with another blob's bytes
-- as raw-content dictionary (pages of one site share their template). `base` names that
-- blob, which is always a full blob (base NULL), so that a read takes at most two
-- decompressions; the foreign key keeps a base while deltas need it. Existing blobs are
-- full. The key stays the sha256 of the uncompressed bytes.
ALTER TABLE blobs ADD COLUMN base BLOB REFERENCES blobs(sha256);
CREATE INDEX blobs_base ON blobs(base) WHERE base IS NOT NULL;
