// `thread_dynamic_tools`: a thread's declared tools as flat rows in order, and the one mapping
// between those rows and the canonical tagged form. The first stored list wins: inserts never
// update (ON CONFLICT DO NOTHING) and never read before writing.

import type { Database } from '../sqlite/db.ts';
import type { DynamicToolRow, DynamicToolSpec } from '../model/thread-metadata.ts';

/** A row as the table holds it: a namespaced tool also carries its namespace's description. */
export interface StoredDynamicToolRow extends DynamicToolRow {
  namespaceDescription: string | null;
}

type FunctionSpec = Extract<DynamicToolSpec, { type: 'function' }>;
type NamespaceSpec = Extract<DynamicToolSpec, { type: 'namespace' }>;

const INSERT_SQL =
  'INSERT INTO thread_dynamic_tools (thread_id, position, name, description, input_schema, namespace, defer_loading, namespace_description) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(thread_id, position) DO NOTHING';

/** Canonical tagged tools → flat rows; a namespace contributes one row per member tool. */
export function flattenDynamicTools(tools: DynamicToolSpec[]): StoredDynamicToolRow[] {
  const rows: StoredDynamicToolRow[] = [];
  const push = (fn: FunctionSpec, ns: NamespaceSpec | null): void => {
    rows.push({
      position: rows.length, name: fn.name, description: fn.description, inputSchema: fn.inputSchema,
      namespace: ns?.name ?? null, namespaceDescription: ns?.description ?? null, deferLoading: fn.deferLoading === true,
    });
  };
  for (const tool of tools) {
    if (tool.type === 'namespace') for (const member of tool.tools) push(member, tool);
    else push(tool, null);
  }
  return rows;
}

/**
 * Flat rows (in position order) → canonical tagged tools. All rows of one namespace form one
 * namespace entry at the place of its first row; rows without a stored namespace description
 * (written before it was kept) come back with an empty one.
 */
export function groupDynamicTools(rows: Array<DynamicToolRow & { namespaceDescription?: string | null }>): DynamicToolSpec[] {
  const out: DynamicToolSpec[] = [];
  const groups = new Map<string, NamespaceSpec>();
  for (const row of [...rows].sort((a, b) => a.position - b.position)) {
    const fn: FunctionSpec = { type: 'function', name: row.name, description: row.description, inputSchema: row.inputSchema };
    if (row.deferLoading) fn.deferLoading = true;
    if (row.namespace === null) {
      out.push(fn);
      continue;
    }
    let group = groups.get(row.namespace);
    if (!group) {
      group = { type: 'namespace', name: row.namespace, description: row.namespaceDescription ?? '', tools: [] };
      groups.set(row.namespace, group);
      out.push(group);
    }
    group.tools.push(fn);
  }
  return out;
}

/** Inserts a thread's tools (its row must exist) in one transaction. Returns the rows inserted. */
export function insertDynamicTools(db: Database, threadId: string, tools: Array<DynamicToolRow & { namespaceDescription?: string | null }>): number {
  if (tools.length === 0) return 0;
  return db.transaction(() => {
    let inserted = 0;
    for (const t of tools) {
      inserted += db.run(
        INSERT_SQL, threadId, t.position, t.name, t.description, JSON.stringify(t.inputSchema ?? null),
        t.namespace, t.deferLoading ? 1 : 0, t.namespace === null ? null : (t.namespaceDescription ?? null),
      ).changes;
    }
    return inserted;
  });
}

interface ToolRow {
  position: number;
  name: string;
  description: string;
  input_schema: string;
  namespace: string | null;
  namespace_description: string | null;
  defer_loading: number;
}

function parseSchema(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function readDynamicTools(db: Database, threadId: string): StoredDynamicToolRow[] {
  return db
    .all<ToolRow>(
      'SELECT position, name, description, input_schema, namespace, namespace_description, defer_loading ' +
        'FROM thread_dynamic_tools WHERE thread_id = ? ORDER BY position',
      threadId,
    )
    .map((r) => ({
      position: r.position, name: r.name, description: r.description, inputSchema: parseSchema(r.input_schema),
      namespace: r.namespace, namespaceDescription: r.namespace_description, deferLoading: r.defer_loading === 1,
    }));
}
