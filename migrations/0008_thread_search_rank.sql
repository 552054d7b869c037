-- Thread-level ranking for thread/search. Ranking every matching item document (migration 0007)
-- and keeping each thread's best costs one bm25 evaluation per item: ~100k for a common word on
-- a 10,000-thread home, far over the latency target. This contentless FTS5 table holds one
-- document per thread (its item texts joined), so a search ranks threads directly, with FTS5's
-- own ORDER BY rank; the item index then names the best item and gives the snippet for each hit
-- of the page only. contentless_delete lets a thread's row be deleted by rowid alone.
CREATE TABLE thread_search_threads (
  key INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL UNIQUE REFERENCES threads(id) ON DELETE CASCADE
);

CREATE VIRTUAL TABLE thread_search_rank USING fts5 (
  text,
  content = '',
  contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER thread_search_threads_delete AFTER DELETE ON thread_search_threads BEGIN
  DELETE FROM thread_search_rank WHERE rowid = old.key;
END;

-- Documents written under 0007 alone get their thread rows here.
INSERT INTO thread_search_threads (thread_id) SELECT DISTINCT thread_id FROM thread_search_docs ORDER BY thread_id;
INSERT INTO thread_search_rank (rowid, text)
SELECT k.key, (SELECT group_concat(d.text, char(10) ORDER BY d.id) FROM thread_search_docs d WHERE d.thread_id = k.thread_id)
FROM thread_search_threads k;
