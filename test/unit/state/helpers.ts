// Small real rollouts and homes for the state tests.

import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ThreadMetadata } from '../../../src/model/thread-metadata.ts';
import { extractFiles } from '../../../src/indexing/indexer.ts';
import { defaultRolloutSource, type RolloutSource } from '../../../src/indexing/rollout-source.ts';
import { makeTempDir } from '../../helpers/home.ts';

export function tempHome(): string {
  const home = join(makeTempDir('threadstate-state-'), 'codex-home');
  mkdirSync(home, { recursive: true });
  return home;
}

export interface RolloutSpec {
  id?: string;
  /** `YYYY-MM-DDThh-mm-ss` (the file-name time, read as UTC). */
  time?: string;
  archived?: boolean;
  message?: string | null;
  cwd?: string;
  provider?: string | null;
  source?: unknown;
  tools?: unknown[];
  /** Seconds since the epoch for the file's mtime. */
  mtime?: number;
}

export function rolloutLines(spec: RolloutSpec & { id: string; time: string }): string {
  const [date, clock] = spec.time.split('T');
  const iso = `${date}T${clock.replace(/-/g, ':')}.000Z`;
  const meta: Record<string, unknown> = {
    id: spec.id, timestamp: iso, cwd: spec.cwd ?? '/work/project', originator: 'codex_cli_rs', cli_version: '0.98.0',
    source: spec.source ?? 'cli',
  };
  if (spec.provider !== null) meta.model_provider = spec.provider ?? 'openai';
  if (spec.tools) meta.dynamic_tools = spec.tools;
  const lines: unknown[] = [{ timestamp: iso, type: 'session_meta', payload: meta }];
  if (spec.message !== null) {
    const text = spec.message ?? `hello from ${spec.id.slice(0, 8)}`;
    lines.push({ timestamp: iso, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
    lines.push({ timestamp: iso, type: 'event_msg', payload: { type: 'user_message', message: text, images: [] } });
  }
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

/** Writes a rollout where Codex would and returns its absolute path and id. */
export function writeRollout(home: string, spec: RolloutSpec = {}): { path: string; id: string; watermark: string } {
  const id = spec.id ?? randomUUID();
  const time = spec.time ?? '2026-02-10T10-00-00';
  const name = `rollout-${time}-${id}.jsonl`;
  const rel = spec.archived ? `archived_sessions/${name}` : `sessions/${time.slice(0, 4)}/${time.slice(5, 7)}/${time.slice(8, 10)}/${name}`;
  const path = join(home, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, rolloutLines({ ...spec, id, time }));
  if (spec.mtime !== undefined) utimesSync(path, spec.mtime, spec.mtime);
  return { path, id, watermark: rel };
}

export function appendSessionName(home: string, id: string, name: string): void {
  appendFileSync(join(home, 'session_index.jsonl'), JSON.stringify({ id, thread_name: name, updated_at: new Date().toISOString() }) + '\n');
}

/** Extracts a written rollout through the real reader (what backfill would store). */
export async function metadataOf(home: string, path: string, archived = false): Promise<ThreadMetadata> {
  const [item] = await extractFiles(defaultRolloutSource, home, [{ path, watermark: '', id: '', archived, size: 0, mtimeMs: 0 }]);
  if (!item.extracted.metadata) throw new Error(`no metadata for ${path}: ${item.extracted.error}`);
  return item.extracted.metadata;
}

/** The real rollout source, counting which files it reads. */
export function countingSource(): RolloutSource & { extracted: string[] } {
  const extracted: string[] = [];
  return {
    extracted,
    listRollouts: (home) => defaultRolloutSource.listRollouts(home),
    readNames: (home) => defaultRolloutSource.readNames(home),
    extract: (path, home, archived) => {
      extracted.push(path);
      return defaultRolloutSource.extract(path, home, archived);
    },
  };
}
