-- thread/search filters on the document's own row: a search for a common word matches most
-- threads, and looking up each one's wide threads row to test archived / listable / source kind /
-- cwd cost more than ranking them (~3 us a row). The map row now carries those columns (kept in
-- step by the trigger below), so ranking reads only the FTS index and this narrow table; the
-- threads rows are read for the page's hits alone. Keys (the FTS rowids) are kept.

CREATE TABLE thread_search_items_new (
  key INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL UNIQUE REFERENCES threads(id) ON DELETE CASCADE,
  listable INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  source_kind TEXT NOT NULL DEFAULT '',
  cwd TEXT NOT NULL DEFAULT '',
  items TEXT NOT NULL
);
INSERT INTO thread_search_items_new (key, thread_id, listable, archived, source_kind, cwd, items)
SELECT k.key, k.thread_id, t.listable, t.archived, t.source_kind, t.cwd, k.items
FROM thread_search_items k JOIN threads t ON t.id = k.thread_id;
DROP TABLE thread_search_items;
ALTER TABLE thread_search_items_new RENAME TO thread_search_items;

-- The FTS table again without 0009's prefix index: it only served 2-3 character prefixes, cost
-- ~50% more FTS indexing time and 15% more index, and those prefixes measured fast enough without.
CREATE VIRTUAL TABLE thread_search_text_new USING fts5 (
  text,
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO thread_search_text_new (rowid, text) SELECT rowid, text FROM thread_search_text;
DROP TABLE thread_search_text;
ALTER TABLE thread_search_text_new RENAME TO thread_search_text;

CREATE TRIGGER thread_search_items_delete AFTER DELETE ON thread_search_items BEGIN
  DELETE FROM thread_search_text WHERE rowid = old.key;
END;

CREATE TRIGGER thread_search_filters_update AFTER UPDATE OF listable, archived, source_kind, cwd ON threads BEGIN
  UPDATE thread_search_items SET listable = new.listable, archived = new.archived, source_kind = new.source_kind, cwd = new.cwd
  WHERE thread_id = new.id;
END;
