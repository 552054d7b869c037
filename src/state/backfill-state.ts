// The `backfill_state` singleton and its lease. The lease names its owner
// (`pid:<pid>:<uuid>@<host>`) and expires, so a crashed owner on this host is detected at once
// (its pid is gone) and one on another host after the expiry, never after a fixed long wait.

import { hostname } from 'node:os';
import type { Database } from '../sqlite/db.ts';
import { isProcessAlive } from '../sqlite/servers.ts';

export type BackfillStatus = 'pending' | 'running' | 'complete';

export interface BackfillState {
  status: BackfillStatus;
  lastWatermark: string | null;
  lastSuccessAt: number | null;
  updatedAt: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}

interface StateRow {
  status: string;
  last_watermark: string | null;
  last_success_at: number | null;
  updated_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

export const DEFAULT_LEASE_MS = 60_000;

export function ensureBackfillRow(db: Database, nowMs: number = Date.now()): void {
  db.run(
    "INSERT INTO backfill_state (id, status, updated_at) VALUES (1, 'pending', ?) ON CONFLICT(id) DO NOTHING",
    nowMs,
  );
}

export function readBackfillState(db: Database): BackfillState {
  // Written only when missing: a read-only index (a read-only home) has the row and is only read.
  let row = db.get<StateRow>('SELECT * FROM backfill_state WHERE id = 1');
  if (!row) {
    ensureBackfillRow(db);
    row = db.get<StateRow>('SELECT * FROM backfill_state WHERE id = 1');
  }
  if (!row) throw new Error('backfill_state row missing right after it was ensured');
  if (row.status !== 'pending' && row.status !== 'running' && row.status !== 'complete') {
    throw new Error(`invalid backfill status '${row.status}' in ${db.path}`);
  }
  return {
    status: row.status, lastWatermark: row.last_watermark, lastSuccessAt: row.last_success_at, updatedAt: row.updated_at,
    leaseOwner: row.lease_owner, leaseExpiresAt: row.lease_expires_at,
  };
}

export function makeLeaseOwner(pid: number = process.pid, host: string = hostname()): string {
  return `pid:${pid}:${process.getBuiltinModule('node:crypto').randomUUID()}@${host}`;
}

export function parseLeaseOwner(owner: string): { pid: number; host: string } | null {
  const match = /^pid:(\d+):[^@]+@(.*)$/.exec(owner);
  return match ? { pid: Number(match[1]), host: match[2] } : null;
}

export interface LeaseCheck {
  nowMs?: number;
  host?: string;
  isAlive?: (pid: number) => boolean;
}

/** True when nobody holds the lease, it expired, or its owner is a dead process on this host. */
export function isLeaseStale(state: BackfillState, check: LeaseCheck = {}): boolean {
  if (state.leaseOwner === null) return true;
  const now = check.nowMs ?? Date.now();
  if (state.leaseExpiresAt === null || state.leaseExpiresAt <= now) return true;
  const owner = parseLeaseOwner(state.leaseOwner);
  if (owner && owner.host === (check.host ?? hostname())) return !(check.isAlive ?? isProcessAlive)(owner.pid);
  return false;
}

export interface ClaimOptions extends LeaseCheck {
  leaseMs?: number;
}

/**
 * Claims the backfill lease for `owner`: one conditional UPDATE that succeeds only when the state
 * is not complete and the lease is free, expired, or held by the dead owner seen just before (a
 * compare-and-swap on that exact owner, so two claimants cannot both win).
 */
export function tryClaimLease(db: Database, owner: string, options: ClaimOptions = {}): boolean {
  const now = options.nowMs ?? Date.now();
  const state = readBackfillState(db);
  if (state.status === 'complete') return false;
  const deadOwner = state.leaseOwner !== null && isLeaseStale(state, options) ? state.leaseOwner : null;
  const result = db.run(
    `UPDATE backfill_state SET status = 'running', lease_owner = ?, lease_expires_at = ?, updated_at = ?
     WHERE id = 1 AND status <> 'complete'
       AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at IS NULL OR lease_expires_at <= ? OR lease_owner IS ?)`,
    owner, now + (options.leaseMs ?? DEFAULT_LEASE_MS), now, owner, now, deadOwner,
  );
  return result.changes === 1;
}

/** Extends the lease; false when `owner` no longer holds it (someone took it over). */
export function renewLease(db: Database, owner: string, leaseMs: number = DEFAULT_LEASE_MS, nowMs: number = Date.now()): boolean {
  return db.run(
    'UPDATE backfill_state SET lease_expires_at = ?, updated_at = ? WHERE id = 1 AND lease_owner = ?',
    nowMs + leaseMs, nowMs, owner,
  ).changes === 1;
}

/** Gives the lease up without completing (the status stays `running` with its watermark). */
export function releaseLease(db: Database, owner: string, nowMs: number = Date.now()): void {
  db.run('UPDATE backfill_state SET lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = 1 AND lease_owner = ?', nowMs, owner);
}

/** Records the last watermark of a committed batch; false when the lease was lost. */
export function checkpoint(db: Database, owner: string, watermark: string, leaseMs: number = DEFAULT_LEASE_MS, nowMs: number = Date.now()): boolean {
  return db.run(
    `UPDATE backfill_state SET status = 'running', last_watermark = ?, lease_expires_at = ?, updated_at = ?
     WHERE id = 1 AND lease_owner = ?`,
    watermark, nowMs + leaseMs, nowMs, owner,
  ).changes === 1;
}

export function markComplete(db: Database, owner: string, nowMs: number = Date.now()): boolean {
  return db.run(
    `UPDATE backfill_state SET status = 'complete', last_success_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
     WHERE id = 1 AND lease_owner = ?`,
    nowMs, nowMs, owner,
  ).changes === 1;
}

/** Back to `pending` from the start (a full rebuild). */
export function resetBackfill(db: Database, nowMs: number = Date.now()): void {
  ensureBackfillRow(db, nowMs);
  db.run(
    "UPDATE backfill_state SET status = 'pending', last_watermark = NULL, last_success_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = 1",
    nowMs,
  );
}
