-- Full-text search over thread content (thread/search). One document per searchable item of a
-- thread (a user or agent message, a reasoning summary, a command with the head of its output, the
-- paths of a file change, a tool name), named by the item id the turn rebuild gives that item.
-- The text lives once, in thread_search_docs; the FTS5 table is an external-content index over it,
-- kept in step by the triggers below, so deleting a thread (its documents cascade) removes its hits.
-- Documents are only ever inserted and deleted: a re-indexed thread has its documents replaced.
CREATE TABLE thread_search_docs (
  id INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  item_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX thread_search_docs_thread ON thread_search_docs (thread_id);

CREATE VIRTUAL TABLE thread_search USING fts5 (
  text,
  content = 'thread_search_docs',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER thread_search_docs_insert AFTER INSERT ON thread_search_docs BEGIN
  INSERT INTO thread_search (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER thread_search_docs_delete AFTER DELETE ON thread_search_docs BEGIN
  INSERT INTO thread_search (thread_search, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER thread_search_docs_update AFTER UPDATE ON thread_search_docs BEGIN
  INSERT INTO thread_search (thread_search, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO thread_search (rowid, text) VALUES (new.id, new.text);
END;

-- Rows imported before this migration have no documents: a completed backfill runs again (it
-- re-reads every rollout and upserts, so names, memories and tools are kept) to fill them in.
UPDATE backfill_state
SET status = 'pending', last_watermark = NULL, lease_owner = NULL, lease_expires_at = NULL
WHERE status = 'complete' AND EXISTS (SELECT 1 FROM threads);
