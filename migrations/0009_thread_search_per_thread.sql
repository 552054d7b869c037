-- Full-text search, one document per THREAD (replaces the per-item layout of 0007/0008, whose
-- ~11 item rows per thread, two FTS indexes and triggers doubled the backfill's CPU time).
-- thread_search_text holds each thread's items' texts joined (capped, src/rollout/search-text.ts)
-- and keeps its own content so snippet() works; thread_search_items names the thread of each
-- document and carries the item map (JSON [[start, kind, itemId], ...]) that turns a match offset
-- into the item thread/read shows. Deleting a thread cascades to its map row, whose trigger drops
-- the document.
DROP TRIGGER IF EXISTS thread_search_docs_insert;
DROP TRIGGER IF EXISTS thread_search_docs_delete;
DROP TRIGGER IF EXISTS thread_search_docs_update;
DROP TRIGGER IF EXISTS thread_search_threads_delete;
DROP TABLE IF EXISTS thread_search;
DROP TABLE IF EXISTS thread_search_docs;
DROP TABLE IF EXISTS thread_search_rank;
DROP TABLE IF EXISTS thread_search_threads;

CREATE TABLE thread_search_items (
  key INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL UNIQUE REFERENCES threads(id) ON DELETE CASCADE,
  items TEXT NOT NULL
);

CREATE VIRTUAL TABLE thread_search_text USING fts5 (
  text,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

CREATE TRIGGER thread_search_items_delete AFTER DELETE ON thread_search_items BEGIN
  DELETE FROM thread_search_text WHERE rowid = old.key;
END;

-- thread/list searchTerm (a case-sensitive substring of the title or the preview): a trigram
-- index finds the candidates of a term of 3+ characters, the exact instr() check stays. One
-- contentless document per thread, keyed by thread_title_keys (thread rowids are not stable
-- across VACUUM); the preview is only added when it differs from the title (usually it does
-- not). Triggers keep it in step with every write to threads.
CREATE TABLE thread_title_keys (
  key INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE thread_title_trigram USING fts5 (
  text,
  content = '',
  contentless_delete = 1,
  tokenize = 'trigram case_sensitive 1',
  detail = 'none'
);

CREATE TRIGGER thread_title_insert AFTER INSERT ON threads BEGIN
  INSERT INTO thread_title_keys (thread_id) VALUES (new.id);
  INSERT INTO thread_title_trigram (rowid, text)
  VALUES (last_insert_rowid(), new.title || CASE WHEN new.preview = new.title THEN '' ELSE char(10) || new.preview END);
END;

CREATE TRIGGER thread_title_update AFTER UPDATE OF title, preview ON threads
WHEN old.title IS NOT new.title OR old.preview IS NOT new.preview BEGIN
  DELETE FROM thread_title_trigram WHERE rowid = (SELECT key FROM thread_title_keys WHERE thread_id = old.id);
  INSERT INTO thread_title_trigram (rowid, text)
  SELECT key, new.title || CASE WHEN new.preview = new.title THEN '' ELSE char(10) || new.preview END
  FROM thread_title_keys WHERE thread_id = new.id;
END;

CREATE TRIGGER thread_title_delete AFTER DELETE ON threads BEGIN
  DELETE FROM thread_title_trigram WHERE rowid = (SELECT key FROM thread_title_keys WHERE thread_id = old.id);
  DELETE FROM thread_title_keys WHERE thread_id = old.id;
END;

INSERT INTO thread_title_keys (thread_id) SELECT id FROM threads ORDER BY id;
INSERT INTO thread_title_trigram (rowid, text)
SELECT k.key, t.title || CASE WHEN t.preview = t.title THEN '' ELSE char(10) || t.preview END
FROM thread_title_keys k JOIN threads t ON t.id = k.thread_id;

-- The new documents are empty: a completed backfill runs again (it re-reads every rollout and
-- upserts, so names, memories and tools are kept) to fill them in.
UPDATE backfill_state
SET status = 'pending', last_watermark = NULL, lease_owner = NULL, lease_expires_at = NULL
WHERE status = 'complete' AND EXISTS (SELECT 1 FROM threads);
