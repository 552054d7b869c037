-- Two-phase indexing of a cold home. Phase 1 writes each thread's list fields from the head of its
-- rollout (plus the file's size and mtime) and marks the row details_pending = 1; once every file
-- has its row the backfill is complete and thread/list answers from the index. Phase 2 reads each
-- pending rollout in full for the turn-derived fields (latest model, tokens, recency, policies) and
-- the search text, and clears the mark. Rows written before this migration were read in full.
ALTER TABLE threads ADD COLUMN details_pending INTEGER NOT NULL DEFAULT 0;
-- Phase 2's queue, in watermark order as the one-pass backfill read the files: search documents get
-- their keys in the same order as before (thread/search's rank window takes the highest keys as the
-- most recently written threads).
CREATE INDEX threads_details_pending ON threads (watermark) WHERE details_pending = 1;
