// Thread metadata from a rollout (docs/rollout-format.md §6). The derivation itself is pure (lines in,
// ThreadMetadata out) so it can be tested without files; the two entry points at the bottom only
// add the I/O: a full streaming read, or a bounded head read for listing.

import { resolve } from 'node:path';
import type { DynamicToolSpec, GitMetadata, ThreadMetadata } from '../model/thread-metadata.ts';
import {
  eventType, isObject, num, payloadOf, str,
  type RolloutLine, type SessionMetaPayload,
} from './lines.ts';
import { findRolloutFile, isArchivedPath, parseRolloutFileName } from './paths.ts';
import { RESPONSE_ITEMS, readHead, readHeadSync, streamRollout, RolloutReadError, type HeadResult, type ParsedLine, type ReadStats, type RolloutStream, type StreamOptions } from './reader.ts';
import { INDEX_SLIM_KEYS } from './slim-line.ts';
import { errorMessage } from '../errors.ts';
import { SearchTextAccumulator, type ThreadSearchText } from './search-text.ts';

export const REQUEST_PREFIX = '## My request for Codex:';

/** Keeps what follows the first `## My request for Codex:`, then trims. */
export function stripUserMessagePrefix(text: string): string {
  const at = text.indexOf(REQUEST_PREFIX);
  return (at >= 0 ? text.slice(at + REQUEST_PREFIX.length) : text).trim();
}

interface UserMessageFacts {
  text: string;
  hasImages: boolean;
}

/** The text and image presence of a user message line, or null when the line is not one. */
export function userMessageOf(line: RolloutLine): UserMessageFacts | null {
  const t = eventType(line);
  const p = payloadOf(line);
  if (!p) return null;
  if (t === 'user_message') {
    const images = Array.isArray(p.images) ? p.images.length : 0;
    const local = Array.isArray(p.local_images) ? p.local_images.length : 0;
    return { text: str(p.message) ?? '', hasImages: images + local > 0 };
  }
  if (t === 'item_completed' && isObject(p.item) && p.item.type === 'UserMessage') {
    const content = Array.isArray(p.item.content) ? p.item.content : [];
    const texts: string[] = [];
    let hasImages = false;
    for (const c of content) {
      if (!isObject(c)) continue;
      if (c.type === 'text' && typeof c.text === 'string') texts.push(c.text);
      else if (typeof c.type === 'string' && /image/i.test(c.type)) hasImages = true;
    }
    return { text: texts.join('\n'), hasImages };
  }
  return null;
}

type FunctionTool = Extract<DynamicToolSpec, { type: 'function' }>;

function functionTool(raw: Record<string, unknown>): FunctionTool {
  const tool: FunctionTool = {
    type: 'function',
    name: str(raw.name) ?? '',
    description: str(raw.description) ?? '',
    inputSchema: raw.inputSchema ?? raw.input_schema ?? null,
  };
  const defer = typeof raw.deferLoading === 'boolean' ? raw.deferLoading
    : typeof raw.exposeToContext === 'boolean' ? !raw.exposeToContext : undefined;
  if (defer !== undefined) tool.deferLoading = defer;
  return tool;
}

/** Normalises `session_meta.dynamic_tools` to the canonical tagged form; flat entries are grouped by namespace. */
export function normalizeDynamicTools(raw: unknown): DynamicToolSpec[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const out: DynamicToolSpec[] = [];
  const namespaces = new Map<string, Extract<DynamicToolSpec, { type: 'namespace' }>>();
  for (const entry of raw) {
    if (!isObject(entry)) continue;
    if (entry.type === 'namespace') {
      const tools = Array.isArray(entry.tools) ? entry.tools.filter(isObject).map(functionTool) : [];
      out.push({ type: 'namespace', name: str(entry.name) ?? '', description: str(entry.description) ?? '', tools });
    } else if (entry.type === 'function' || typeof entry.namespace !== 'string') {
      out.push(functionTool(entry));
    } else {
      let ns = namespaces.get(entry.namespace);
      if (!ns) {
        ns = { type: 'namespace', name: entry.namespace, description: '', tools: [] };
        namespaces.set(entry.namespace, ns);
        out.push(ns);
      }
      ns.tools.push(functionTool(entry));
    }
  }
  return out;
}

function policyText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseTimeMs(text: string | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  if (Number.isFinite(ms)) return ms;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})$/.exec(text);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : null;
}

export interface FileFacts {
  path: string;
  archived: boolean;
  size: number;
  mtimeMs: number;
}

/** Accumulates metadata facts line by line; `finish` builds the ThreadMetadata. */
export class MetadataAccumulator {
  meta: SessionMetaPayload | null = null;
  dynamicTools: DynamicToolSpec[] | null = null;
  firstLineTimestamp: string | undefined;
  preview = '';
  title = '';
  hasUserMessage = false;
  tokensUsed = 0;
  model: string | null = null;
  reasoningEffort: string | null = null;
  approvalMode: string | null = null;
  sandboxPolicy: string | null = null;
  turnCwd: string | null = null;
  latestTurnStart: number | null = null;
  /** The timestamp of the last line that is not a settings line, and whether settings lines follow it. */
  lastActivityTimestamp: string | undefined;
  endsWithSettings = false;

  push(line: RolloutLine): void {
    const p = payloadOf(line);
    this.endsWithSettings = line.type === 'event_msg' && p?.type === 'thread_settings_applied';
    if (!this.endsWithSettings) this.lastActivityTimestamp = str(line.timestamp);
    if (this.firstLineTimestamp === undefined && line.type === 'response_item') this.firstLineTimestamp = str(line.timestamp);
    if (line.type === 'session_meta') {
      if (!p || typeof p.id !== 'string') return;
      if (this.meta === null) this.meta = p as SessionMetaPayload;
      if (this.dynamicTools === null && p.id === this.meta.id) this.dynamicTools = normalizeDynamicTools(p.dynamic_tools);
      return;
    }
    if (line.type === 'turn_context' && p) {
      if (typeof p.model === 'string') this.model = p.model;
      const settings = isObject(p.collaboration_mode) && isObject(p.collaboration_mode.settings) ? p.collaboration_mode.settings : null;
      this.reasoningEffort = str(p.effort) ?? str(settings?.reasoning_effort) ?? null;
      if (p.approval_policy !== undefined) this.approvalMode = policyText(p.approval_policy);
      if (p.sandbox_policy !== undefined) this.sandboxPolicy = policyText(p.sandbox_policy);
      if (typeof p.cwd === 'string') this.turnCwd = p.cwd;
      return;
    }
    const t = eventType(line);
    if (!t || !p) return;
    if (t === 'thread_settings_applied' && isObject(p.thread_settings)) {
      const s = p.thread_settings;
      if (typeof s.model === 'string') this.model = s.model;
      if (s.approval_policy !== undefined) this.approvalMode = policyText(s.approval_policy);
    } else if (t === 'task_started' || t === 'turn_started') {
      const started = num(p.started_at);
      if (started !== undefined && started !== null) this.latestTurnStart = Math.floor(started);
    } else if (t === 'token_count' && isObject(p.info) && isObject(p.info.total_token_usage)) {
      this.tokensUsed = Math.max(0, num(p.info.total_token_usage.total_tokens) ?? 0);
    } else {
      const user = userMessageOf(line);
      if (!user) return;
      this.hasUserMessage = true;
      const stripped = stripUserMessagePrefix(user.text);
      if (this.preview === '') this.preview = stripped !== '' ? stripped : user.hasImages ? '[Image]' : '';
      if (this.title === '' && stripped !== '') this.title = stripped;
    }
  }

  /**
   * When the thread was last active, for `recencyAt` without turn start times: the file's mtime,
   * unless the file ends in settings lines (a resume appends one; it is not activity), then the
   * time of the last line before them.
   */
  private lastActivityMs(mtimeMs: number): number {
    if (!this.endsWithSettings) return mtimeMs;
    return parseTimeMs(this.lastActivityTimestamp) ?? mtimeMs;
  }

  /** null when neither a session_meta nor a parseable file name identifies the thread. */
  finish(file: FileFacts): ThreadMetadata | null {
    const meta = this.meta;
    const fromName = parseRolloutFileName(file.path);
    const id = meta?.id.toLowerCase() ?? fromName?.id;
    if (!id) return null;
    const createdMs = parseTimeMs(str(meta?.timestamp)) ?? fromName?.timeMs ?? parseTimeMs(this.firstLineTimestamp) ?? 0;
    const createdAtMs = Math.floor(createdMs);
    const mtimeMs = Math.floor(file.mtimeMs);
    const g = isObject(meta?.git) ? meta.git : null;
    const git: GitMetadata | null = g
      ? { sha: str(g.commit_hash) ?? null, branch: str(g.branch) ?? null, originUrl: str(g.repository_url) ?? null }
      : null;
    const source = meta?.source;
    return {
      id,
      rolloutPath: file.path,
      createdAt: Math.floor(createdAtMs / 1000),
      createdAtMs,
      updatedAt: Math.floor(mtimeMs / 1000),
      updatedAtMs: mtimeMs,
      recencyAt: this.latestTurnStart ?? Math.floor(this.lastActivityMs(mtimeMs) / 1000),
      source: typeof source === 'string' || isObject(source) ? source : 'vscode',
      modelProvider: str(meta?.model_provider) || null,
      model: this.model,
      reasoningEffort: this.reasoningEffort,
      cwd: str(meta?.cwd) || this.turnCwd || '',
      cliVersion: str(meta?.cli_version) ?? '',
      originator: str(meta?.originator) ?? null,
      firstUserMessage: this.preview,
      preview: this.preview,
      title: this.title,
      git: git && (git.sha !== null || git.branch !== null || git.originUrl !== null) ? git : null,
      tokensUsed: this.tokensUsed,
      archived: file.archived,
      archivedAt: file.archived ? Math.floor(mtimeMs / 1000) : null,
      forkedFromId: str(meta?.forked_from_id) ?? null,
      sessionId: str(meta?.session_id) ?? null,
      agentNickname: str(meta?.agent_nickname) ?? null,
      agentRole: str(meta?.agent_role) ?? str(meta?.agent_type) ?? null,
      agentPath: str(meta?.agent_path) ?? null,
      threadSource: str(meta?.thread_source) ?? null,
      historyMode: meta?.history_mode === 'paginated' ? 'paginated' : 'legacy',
      approvalMode: this.approvalMode,
      sandboxPolicy: this.sandboxPolicy,
      dynamicTools: this.dynamicTools,
      hasSessionMeta: meta !== null,
      hasUserMessage: this.hasUserMessage,
      fingerprint: { size: file.size, mtimeMs: file.mtimeMs },
    };
  }
}

/** Pure derivation: the metadata of a thread from its lines and the file's facts. */
export function deriveThreadMetadata(lines: Iterable<RolloutLine>, file: FileFacts): ThreadMetadata | null {
  const acc = new MetadataAccumulator();
  for (const line of lines) acc.push(line);
  return acc.finish(file);
}

export interface ExtractOptions {
  codexHome: string;
  /** Overrides the archived flag that is otherwise derived from the path. */
  archived?: boolean;
  /** Also collect the thread's search document from the same read (full reads only). */
  search?: boolean;
  /** Leave a fork's preview its own (set for the reads that walk a fork's lineage). */
  ownPreviewOnly?: boolean;
  /**
   * Full reads: read with blocking calls instead of through the thread pool (far less CPU per
   * file; for small files, as the event loop waits meanwhile).
   */
  blocking?: boolean;
}

export interface ExtractResult {
  metadata: ThreadMetadata | null;
  stats: ReadStats;
  /** Set when the file is unusable: missing, empty, or without session_meta. */
  error?: string;
  /** With `search`: the thread's search document, null when it has no searchable text (src/rollout/search-text.ts). */
  searchText?: ThreadSearchText | null;
}

function emptyReadStats(): ReadStats {
  return { parsedLines: 0, blankLines: 0, skippedInvalid: 0, skippedOversize: 0, truncatedTail: false, capped: false, bytesRead: 0, fileSize: 0, mtimeMs: 0, completeTo: 0, ino: 0 };
}

function finishResult(acc: MetadataAccumulator, path: string, opts: ExtractOptions, stats: ReadStats): ExtractResult {
  const archived = opts.archived ?? isArchivedPath(opts.codexHome, path);
  const metadata = acc.finish({ path, archived, size: stats.fileSize, mtimeMs: stats.mtimeMs });
  if (stats.parsedLines === 0 && stats.skippedInvalid === 0 && !stats.truncatedTail && stats.skippedOversize === 0) {
    return { metadata, stats, error: `empty session file: ${path}` };
  }
  if (!acc.meta) return { metadata, stats, error: `rollout at ${path} is empty` };
  return { metadata, stats };
}

/**
 * How the metadata and search-text reads read a rollout: neither reads a response item beyond its
 * envelope (type and timestamp), whose payloads hold the bulk of an early-2026 rollout (tool
 * output), nor more than the head of a command's output (the bulk of a 0.169 one).
 */
const INDEX_READ: StreamOptions = { envelopeOnly: RESPONSE_ITEMS, slimKeys: INDEX_SLIM_KEYS };

function pushLines(lines: Iterable<ParsedLine>, acc: MetadataAccumulator, search: SearchTextAccumulator | null): void {
  for (const { line } of lines) {
    if (!line) continue;
    acc.push(line);
    search?.push(line);
  }
}

function readFailure(stream: RolloutStream, err: unknown): ExtractResult {
  return { metadata: null, stats: stream.stats, error: err instanceof RolloutReadError ? err.message : errorMessage(err) };
}

/** Full streaming read of one rollout. Never throws: I/O problems come back in `error`. */
export async function extractThreadMetadata(path: string, opts: ExtractOptions): Promise<ExtractResult> {
  if (opts.blocking) return extractThreadMetadataBlocking(path, opts);
  const abs = resolve(opts.codexHome, path);
  const acc = new MetadataAccumulator();
  const search = opts.search ? new SearchTextAccumulator() : null;
  const stream = streamRollout(abs, INDEX_READ);
  try {
    // A chunk's lines at a time: a promise per line cost more CPU than parsing the line.
    for await (const batch of stream.batches()) pushLines(batch, acc, search);
  } catch (err) {
    return readFailure(stream, err);
  }
  const result = fullResult(acc, search, abs, opts, stream.stats);
  await applyLineagePreview(result, opts);
  return result;
}

/** The result of a full read that went to the end: metadata, and the search text when collected. */
function fullResult(acc: MetadataAccumulator, search: SearchTextAccumulator | null, abs: string, opts: ExtractOptions, stats: ReadStats): ExtractResult {
  const result = finishResult(acc, abs, opts, stats);
  if (search) result.searchText = search.finish();
  return result;
}

function readFullSync(path: string, opts: ExtractOptions): ExtractResult {
  const abs = resolve(opts.codexHome, path);
  const acc = new MetadataAccumulator();
  const search = opts.search ? new SearchTextAccumulator() : null;
  const stream = streamRollout(abs, INDEX_READ);
  try {
    pushLines(stream, acc, search);
  } catch (err) {
    return readFailure(stream, err);
  }
  return fullResult(acc, search, abs, opts, stream.stats);
}

/**
 * extractThreadMetadata with blocking reads and nothing asynchronous, for small files: null when
 * the thread is a fork whose preview comes from its lineage (extractThreadMetadata reads that).
 */
export function extractThreadMetadataSync(path: string, opts: ExtractOptions): ExtractResult | null {
  const result = readFullSync(path, opts);
  return needsLineage(result, opts) ? null : result;
}

/**
 * extractThreadMetadata with a blocking read of the file: the result at once, or, for a fork whose
 * preview comes from its lineage, a promise of it (only the lineage's heads are still to read; the
 * fork's own file is not read again).
 */
export function extractThreadMetadataBlocking(path: string, opts: ExtractOptions): ExtractResult | Promise<ExtractResult> {
  const result = readFullSync(path, opts);
  return needsLineage(result, opts) ? applyLineagePreview(result, opts).then(() => result) : result;
}

function needsLineage(result: ExtractResult, opts: ExtractOptions): boolean {
  return result.metadata !== null && result.metadata.forkedFromId !== null && !opts.ownPreviewOnly;
}

/** The head window only yields list fields: a session_meta's instructions (~14 KB) are never read. */
const HEAD_READ = { slimKeys: INDEX_SLIM_KEYS };

function headResult(head: HeadResult, abs: string, opts: ExtractOptions): ExtractResult {
  const acc = new MetadataAccumulator();
  for (const line of head.lines) acc.push(line);
  const result = finishResult(acc, abs, opts, head.stats);
  // The head only sees the first turn; the latest one is unknown until a full read.
  if (result.metadata) result.metadata.recencyAt = null;
  return result;
}

function headFailure(err: unknown): ExtractResult {
  return { metadata: null, stats: emptyReadStats(), error: err instanceof RolloutReadError ? err.message : errorMessage(err) };
}

/** Head-only variant for listing: tokens, model and policies reflect the head window only. */
export async function extractHeadMetadata(path: string, opts: ExtractOptions): Promise<ExtractResult> {
  const abs = resolve(opts.codexHome, path);
  try {
    const result = headResult(await readHead(abs, HEAD_READ), abs, opts);
    await applyLineagePreview(result, opts);
    return result;
  } catch (err) {
    return headFailure(err);
  }
}

/**
 * extractHeadMetadata with a blocking head read (see readHeadSync): the list fields of a cold
 * home's backfill, several times faster per file. Only a fork reads further (its lineage's heads,
 * through the thread pool), which is why it still returns a promise.
 */
export async function extractHeadMetadataBlocking(path: string, opts: ExtractOptions): Promise<ExtractResult> {
  const abs = resolve(opts.codexHome, path);
  let result: ExtractResult;
  try {
    result = headResult(readHeadSync(abs, HEAD_READ), abs, opts);
  } catch (err) {
    return headFailure(err);
  }
  await applyLineagePreview(result, opts);
  return result;
}

const MAX_FORK_LINEAGE = 16;

/**
 * A fork's preview is the first user message of the root of its fork lineage, as Codex answers
 * (docs/rollout-format.md §6): a 0.169 fork's file holds only its own turns, and a fork of a fork names
 * its parent only. Each ancestor's head is read in turn; a missing ancestor ends the walk, and
 * the furthest ancestor with a prompt gives the preview.
 */
async function applyLineagePreview(result: ExtractResult, opts: ExtractOptions): Promise<void> {
  const meta = result.metadata;
  if (!meta || opts.ownPreviewOnly || meta.forkedFromId === null) return;
  const seen = new Set<string>([meta.id]);
  let parentId: string | null = meta.forkedFromId;
  for (let depth = 0; parentId !== null && depth < MAX_FORK_LINEAGE && !seen.has(parentId); depth++) {
    seen.add(parentId);
    const path = await findRolloutFile(opts.codexHome, parentId);
    if (!path) break;
    const parent = (await extractHeadMetadata(path, { codexHome: opts.codexHome, ownPreviewOnly: true })).metadata;
    if (!parent) break;
    if (parent.preview !== '') meta.preview = parent.preview;
    parentId = parent.forkedFromId;
  }
}

/**
 * A full read that can be continued once the rollout has grown: the accumulators keep their state
 * and the next `read` starts at the first byte after the last complete line, so an append costs
 * the appended bytes, not the file. Codex only ever appends to a rollout; a file that shrank or was
 * replaced (another inode) makes `read` answer null, and the caller reads it again from the start.
 */
export class ResumableExtract {
  private readonly acc = new MetadataAccumulator();
  private readonly search: SearchTextAccumulator | null;
  private readonly totals: ReadStats = emptyReadStats();
  /** Where the next read starts. */
  offset = 0;
  private ino = 0;
  private written = false;
  private lastText: string | null = null;
  /** A fork's preview from its lineage (null: its own); undefined until the first read. */
  private lineagePreview: string | null | undefined = undefined;

  constructor(search = true) {
    this.search = search ? new SearchTextAccumulator() : null;
  }

  /** True when `size`/`ino` show the file only grew (or is unchanged) since the last read. */
  canContinue(size: number, ino: number): boolean {
    return (this.ino === 0 || ino === this.ino) && size >= this.offset;
  }

  /** Reads from `offset` to the end; null when the file is no longer the one read before. */
  async read(path: string, opts: ExtractOptions): Promise<ExtractResult | null> {
    const abs = resolve(opts.codexHome, path);
    const stream = streamRollout(abs, { ...INDEX_READ, startByteOffset: this.offset });
    try {
      for await (const batch of stream.batches()) pushLines(batch, this.acc, this.search);
    } catch (err) {
      return readFailure(stream, err);
    }
    const s = stream.stats;
    if ((this.ino !== 0 && s.ino !== this.ino) || s.fileSize < this.offset) return null;
    this.ino = s.ino;
    this.offset = s.completeTo;
    const t = this.totals;
    t.parsedLines += s.parsedLines;
    t.blankLines += s.blankLines;
    t.skippedInvalid += s.skippedInvalid;
    t.skippedOversize += s.skippedOversize;
    t.truncatedTail = s.truncatedTail;
    t.bytesRead = s.bytesRead; // this read's bytes: what an append cost
    t.fileSize = s.fileSize;
    t.mtimeMs = s.mtimeMs;
    t.completeTo = s.completeTo;
    t.ino = s.ino;
    const result = finishResult(this.acc, abs, opts, { ...t });
    // A fork's preview is its lineage root's prompt: looked up once, then kept.
    if (result.metadata && this.lineagePreview === undefined) {
      const own = result.metadata.preview;
      await applyLineagePreview(result, opts);
      if (result.metadata.forkedFromId !== null) this.lineagePreview = result.metadata.preview !== own ? result.metadata.preview : null;
    } else if (result.metadata && this.lineagePreview) result.metadata.preview = this.lineagePreview;
    if (this.search) {
      const doc = this.search.finish();
      // Unchanged (a document already at its cap, or lines without searchable text): left as
      // stored (undefined), so an append does not rewrite the full-text index.
      if (this.written && (doc?.text ?? null) === this.lastText) result.searchText = undefined;
      else result.searchText = doc;
    }
    return result;
  }

  /** The search document of the last read was stored (call after the caller wrote the result). */
  markWritten(result: { searchText?: ThreadSearchText | null }): void {
    if (!this.search || result.searchText === undefined) return;
    this.written = true;
    this.lastText = result.searchText?.text ?? null;
  }

  /** Characters of search text held (the cache of resumable reads is bounded by it). */
  get weight(): number {
    return this.search?.heldChars ?? 0;
  }
}
