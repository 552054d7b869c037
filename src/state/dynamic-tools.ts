// `thread_dynamic_tools`: a thread's declared tools as flat rows in order. The first stored list
// wins: inserts never update (ON CONFLICT DO NOTHING) and never read before writing.

import type { Database } from './db.ts';
import type { DynamicToolRow, DynamicToolSpec } from '../rollout/thread-metadata.ts';

const INSERT_SQL =
  'INSERT INTO thread_dynamic_tools (thread_id, position, name, description, input_schema, namespace, defer_loading) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(thread_id, position) DO NOTHING';

/** Canonical tagged tools → flat rows; a namespace contributes one row per member tool. */
export function flattenDynamicTools(tools: DynamicToolSpec[]): DynamicToolRow[] {
  const rows: DynamicToolRow[] = [];
  for (const tool of tools) {
    if (tool.type === 'namespace') {
      for (const member of tool.tools) {
        rows.push({
          position: rows.length, name: member.name, description: member.description, inputSchema: member.inputSchema,
          namespace: tool.name, deferLoading: member.deferLoading === true,
        });
      }
    } else {
      rows.push({
        position: rows.length, name: tool.name, description: tool.description, inputSchema: tool.inputSchema,
        namespace: null, deferLoading: tool.deferLoading === true,
      });
    }
  }
  return rows;
}

/**
 * Flat rows → canonical tagged tools: consecutive rows of one namespace form one namespace entry.
 * A namespace's own description is not stored, so it comes back empty.
 */
export function groupDynamicTools(rows: DynamicToolRow[]): DynamicToolSpec[] {
  const out: DynamicToolSpec[] = [];
  for (const row of rows) {
    const fn = {
      type: 'function' as const, name: row.name, description: row.description, inputSchema: row.inputSchema,
      ...(row.deferLoading ? { deferLoading: true } : {}),
    };
    if (row.namespace === null) {
      out.push(fn);
      continue;
    }
    const last = out[out.length - 1];
    if (last && last.type === 'namespace' && last.name === row.namespace) last.tools.push(fn);
    else out.push({ type: 'namespace', name: row.namespace, description: '', tools: [fn] });
  }
  return out;
}

/** Inserts a thread's tools (its row must exist) in one transaction. Returns the rows inserted. */
export function insertDynamicTools(db: Database, threadId: string, tools: DynamicToolRow[]): number {
  if (tools.length === 0) return 0;
  return db.transaction(() => {
    let inserted = 0;
    for (const t of tools) {
      inserted += db.run(
        INSERT_SQL, threadId, t.position, t.name, t.description, JSON.stringify(t.inputSchema ?? null),
        t.namespace, t.deferLoading ? 1 : 0,
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
  defer_loading: number;
}

function parseSchema(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function readDynamicTools(db: Database, threadId: string): DynamicToolRow[] {
  return db
    .all<ToolRow>(
      'SELECT position, name, description, input_schema, namespace, defer_loading FROM thread_dynamic_tools WHERE thread_id = ? ORDER BY position',
      threadId,
    )
    .map((r) => ({
      position: r.position, name: r.name, description: r.description, inputSchema: parseSchema(r.input_schema),
      namespace: r.namespace, deferLoading: r.defer_loading === 1,
    }));
}
