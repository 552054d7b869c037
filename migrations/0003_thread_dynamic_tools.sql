-- A thread's dynamic tools as flat rows in declared order; a namespaced tool carries its namespace.
CREATE TABLE thread_dynamic_tools (
  thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  input_schema TEXT NOT NULL,
  namespace TEXT,
  defer_loading INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (thread_id, position)
);
