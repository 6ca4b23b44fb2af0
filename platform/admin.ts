/**
 * Platform administration, as every subgraph speaks it: who is an admin (the
 * `admin` role in the access token, given by ADMIN_EMAIL/ADMIN_PASSWORD at
 * start), and the `admin.action` event each admin action publishes in its own
 * transaction (the users subgraph keeps them in its append-only audit log,
 * docs/admin.md).
 *
 *     requireAdmin(viewer);                       // FORBIDDEN for anyone else
 *     await publish(tx, [adminAction({ actorId: viewer.id, action: 'SUSPEND_STORE', targetType: 'STORE', targetId, reason, at })]);
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from './auth.ts';
import { forbidden } from './errors.ts';
import type { NewEvent } from './events/bus.ts';

export const ADMIN_ROLE = 'admin';
/** The topic of every admin action (payload: `AdminActionPayload`). */
export const ADMIN_ACTION = 'admin.action';

export function isAdmin(viewer: Viewer | null | undefined): boolean {
  return Boolean(viewer?.roles.includes(ADMIN_ROLE));
}

/** Refuses anyone but an admin with FORBIDDEN (a guest is refused before, by `authed`). */
export function requireAdmin(viewer: Viewer): void {
  if (!isAdmin(viewer)) throw forbidden('Only platform administrators can do this.');
}

/** Why an admin acts: required, 1–1000 characters after trimming. */
export const AdminReason = z.string().trim().min(1, 'Say why (it is kept in the audit log).').max(1000, 'A reason is at most 1000 characters.');

/** An optional note: trimmed, at most 1000 characters; empty means none. */
export const AdminNote = z
  .string()
  .trim()
  .max(1000, 'A note is at most 1000 characters.')
  .nullish()
  .transform((s) => s || null);

export interface AdminActionInput {
  /** The admin's user id. */
  actorId: string;
  /** What was done, e.g. SUSPEND_STORE, REINSTATE_USER, RESOLVE_REPORT (docs/admin.md lists them). */
  action: string;
  /** What it was done to: STORE, USER, REPORT, … */
  targetType: string;
  targetId: string;
  reason: string | null;
  at: Date;
}

export interface AdminActionPayload {
  /** Unique per action: the audit log's key (a replayed or relayed event is recorded once). */
  actionId: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  reason: string | null;
  /** ISO-8601. */
  at: string;
}

/** The `admin.action` event of one action: publish it in the action's transaction. */
export function adminAction(a: AdminActionInput): NewEvent {
  const payload: AdminActionPayload = {
    actionId: crypto.randomUUID(),
    actorId: a.actorId,
    action: a.action,
    targetType: a.targetType,
    targetId: a.targetId,
    reason: a.reason,
    at: a.at.toISOString(),
  };
  return { topic: ADMIN_ACTION, payload: { ...payload }, audience: [] };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** An `admin.action` event's payload when well-formed, else null (a consumer skips it). */
export function parseAdminAction(p: Record<string, unknown>): AdminActionPayload | null {
  if (!text(p.actionId, 36) || !UUID.test(p.actionId) || !text(p.actorId, 36) || !UUID.test(p.actorId)) return null;
  if (!text(p.action, 64) || !text(p.targetType, 64) || !text(p.targetId, 200) || !text(p.at, 64) || Number.isNaN(Date.parse(p.at))) return null;
  if (p.reason !== null && typeof p.reason !== 'string') return null;
  return {
    actionId: p.actionId,
    actorId: p.actorId,
    action: p.action,
    targetType: p.targetType,
    targetId: p.targetId,
    reason: p.reason,
    at: p.at,
  };
}
