-- The description of the namespace a tool belongs to (NULL for a tool outside any namespace), so a
-- tagged namespace comes back from the index exactly as it was declared. Repeated on every member
-- row of the namespace; the first row's value is the one read back.
ALTER TABLE thread_dynamic_tools ADD COLUMN namespace_description TEXT;
