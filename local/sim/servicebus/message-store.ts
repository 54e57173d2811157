// Durable storage of the namespace's messages in SQLite: every state change is written before it is
// acknowledged, so a namespace restarted on the same file continues where the last one stopped.

import type { StatementSync } from "node:sqlite";
import { type Database, openDatabase, statementCache, transaction } from "../../sqlite.ts";

/** Values of the `x-opt-message-state` annotation. */
export const MessageState = { active: 0, deferred: 1, scheduled: 2 } as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

export interface StoredMessage {
  /** Lower-cased entity path: a queue, a subscription, a dead-letter sub-queue, or a topic (scheduled only). */
  readonly entity: string;
  readonly sequenceNumber: number;
  readonly state: MessageState;
  /** The message as the sender encoded it (AMQP sections), without broker annotations. */
  readonly body: Uint8Array;
  readonly messageId: string;
  /** The sender's own time to live, if it set one. */
  readonly timeToLiveMs: number | undefined;
  readonly enqueuedAt: number;
  readonly scheduledAt: number | undefined;
  readonly expiresAt: number | undefined;
  /** Failed deliveries so far: abandons and lost locks. */
  readonly deliveryCount: number;
  readonly lockToken: string | undefined;
  readonly lockedUntil: number | undefined;
}

interface Row {
  entity: string;
  seq: number;
  state: number;
  body: Uint8Array;
  message_id: string;
  ttl_ms: number | null;
  enqueued_at: number;
  scheduled_at: number | null;
  expires_at: number | null;
  delivery_count: number;
  lock_token: string | null;
  locked_until: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    entity TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state INTEGER NOT NULL,
    body BLOB NOT NULL,
    message_id TEXT NOT NULL,
    ttl_ms INTEGER,
    enqueued_at INTEGER NOT NULL,
    scheduled_at INTEGER,
    expires_at INTEGER,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    lock_token TEXT,
    locked_until INTEGER,
    PRIMARY KEY (entity, seq)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS messages_available ON messages (entity, seq) WHERE state = 0 AND lock_token IS NULL;
  CREATE INDEX IF NOT EXISTS messages_locks ON messages (entity, locked_until) WHERE lock_token IS NOT NULL;
  CREATE UNIQUE INDEX IF NOT EXISTS messages_lock_token ON messages (lock_token) WHERE lock_token IS NOT NULL;
  CREATE INDEX IF NOT EXISTS messages_scheduled ON messages (entity, scheduled_at) WHERE state = 2;
  CREATE INDEX IF NOT EXISTS messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS sequences (owner TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS message_ids (
    owner TEXT NOT NULL,
    message_id TEXT NOT NULL,
    remembered_until INTEGER NOT NULL,
    PRIMARY KEY (owner, message_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS message_ids_expiry ON message_ids (remembered_until);
`;

export interface MessageCounts {
  readonly active: number;
  readonly locked: number;
  readonly deferred: number;
  readonly scheduled: number;
}

export class MessageStore {
  private readonly db: Database;
  private readonly statement: (sql: string) => StatementSync;

  /** `path` undefined keeps everything in memory. */
  constructor(path: string | undefined) {
    this.db = openDatabase(path ?? ":memory:");
    this.statement = statementCache(this.db);
    // NORMAL: a kill loses nothing committed; a power cut may lose the last commits (FULL halves throughput).
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `work` atomically: a batch is stored whole or not at all. Nested calls join the outer one. */
  transaction<T>(work: () => T): T {
    return transaction(this.db, work);
  }

  nextSequenceNumber(owner: string): number {
    const row = this.statement(
      `INSERT INTO sequences (owner, last) VALUES (?, 1)
       ON CONFLICT (owner) DO UPDATE SET last = last + 1 RETURNING last`,
    ).get(owner) as { last: number };
    return row.last;
  }

  /** True when `messageId` was seen on `owner` less than `windowMs` ago; otherwise remembers it that long. */
  seenWithin(owner: string, messageId: string, now: number, windowMs: number): boolean {
    const seen = this.statement(
      "SELECT remembered_until FROM message_ids WHERE owner = ? AND message_id = ?",
    ).get(owner, messageId) as { remembered_until: number } | undefined;
    if (seen && seen.remembered_until > now) return true;
    this.statement(
      `INSERT INTO message_ids (owner, message_id, remembered_until) VALUES (?, ?, ?)
       ON CONFLICT (owner, message_id) DO UPDATE SET remembered_until = excluded.remembered_until`,
    ).run(owner, messageId, now + windowMs);
    return false;
  }

  /** Drops message ids whose duplicate-detection window has closed. */
  forgetMessageIds(now: number): void {
    this.statement("DELETE FROM message_ids WHERE remembered_until <= ?").run(now);
  }

  insert(message: StoredMessage): void {
    this.statement(
      `INSERT INTO messages (entity, seq, state, body, message_id, ttl_ms, enqueued_at, scheduled_at, expires_at,
         delivery_count, lock_token, locked_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message.entity,
      message.sequenceNumber,
      message.state,
      message.body,
      message.messageId,
      message.timeToLiveMs ?? null,
      message.enqueuedAt,
      message.scheduledAt ?? null,
      message.expiresAt ?? null,
      message.deliveryCount,
      message.lockToken ?? null,
      message.lockedUntil ?? null,
    );
  }

  /** Replaces the stored message with the same entity and sequence number (or moves it, with `from`). */
  update(message: StoredMessage, from: { entity: string; sequenceNumber: number } = message): void {
    this.statement(
      `UPDATE messages SET entity = ?, state = ?, body = ?, expires_at = ?, delivery_count = ?, lock_token = ?,
         locked_until = ?
       WHERE entity = ? AND seq = ?`,
    ).run(
      message.entity,
      message.state,
      message.body,
      message.expiresAt ?? null,
      message.deliveryCount,
      message.lockToken ?? null,
      message.lockedUntil ?? null,
      from.entity,
      from.sequenceNumber,
    );
  }

  delete(entity: string, sequenceNumber: number): boolean {
    return (
      this.statement("DELETE FROM messages WHERE entity = ? AND seq = ?").run(entity, sequenceNumber)
        .changes > 0
    );
  }

  get(entity: string, sequenceNumber: number): StoredMessage | undefined {
    return fromRow(
      this.statement("SELECT * FROM messages WHERE entity = ? AND seq = ?").get(entity, sequenceNumber),
    );
  }

  byLockToken(lockToken: string): StoredMessage | undefined {
    return fromRow(this.statement("SELECT * FROM messages WHERE lock_token = ?").get(lockToken));
  }

  /** The first active, unlocked message, in sequence order. */
  firstAvailable(entity: string): StoredMessage | undefined {
    return fromRow(
      this.statement(
        "SELECT * FROM messages WHERE entity = ? AND state = 0 AND lock_token IS NULL ORDER BY seq LIMIT 1",
      ).get(entity),
    );
  }

  /** Messages of every state from `fromSequenceNumber` on, as peek sees them. */
  range(entity: string, fromSequenceNumber: number, limit: number): StoredMessage[] {
    return this.statement("SELECT * FROM messages WHERE entity = ? AND seq >= ? ORDER BY seq LIMIT ?")
      .all(entity, fromSequenceNumber, limit)
      .map((row) => fromRow(row) as StoredMessage);
  }

  expiredLocks(now: number): StoredMessage[] {
    return this.all("SELECT * FROM messages WHERE lock_token IS NOT NULL AND locked_until <= ?", now);
  }

  dueScheduled(now: number): StoredMessage[] {
    return this.all("SELECT * FROM messages WHERE state = 2 AND scheduled_at <= ? ORDER BY seq", now);
  }

  /** Unlocked, enqueued messages whose time to live has run out. */
  expired(now: number): StoredMessage[] {
    return this.all(
      "SELECT * FROM messages WHERE expires_at <= ? AND lock_token IS NULL AND state != 2 ORDER BY seq",
      now,
    );
  }

  earliestLockExpiry(entity: string): number | undefined {
    return this.earliest(
      "SELECT MIN(locked_until) AS at FROM messages WHERE entity = ? AND lock_token IS NOT NULL",
      entity,
    );
  }

  earliestScheduled(entity: string): number | undefined {
    return this.earliest(
      "SELECT MIN(scheduled_at) AS at FROM messages WHERE entity = ? AND state = 2",
      entity,
    );
  }

  counts(entity: string): MessageCounts {
    const row = this.statement(
      `SELECT
         COALESCE(SUM(state = 0), 0) AS active,
         COALESCE(SUM(lock_token IS NOT NULL), 0) AS locked,
         COALESCE(SUM(state = 1), 0) AS deferred,
         COALESCE(SUM(state = 2), 0) AS scheduled
       FROM messages WHERE entity = ?`,
    ).get(entity) as { active: number; locked: number; deferred: number; scheduled: number };
    return { active: row.active, locked: row.locked, deferred: row.deferred, scheduled: row.scheduled };
  }

  private all(sql: string, ...params: number[]): StoredMessage[] {
    return this.statement(sql)
      .all(...params)
      .map((row) => fromRow(row) as StoredMessage);
  }

  private earliest(sql: string, entity: string): number | undefined {
    const row = this.statement(sql).get(entity) as { at: number | null };
    return row.at ?? undefined;
  }
}

function fromRow(value: unknown): StoredMessage | undefined {
  if (!value) return undefined;
  const row = value as Row;
  return {
    entity: row.entity,
    sequenceNumber: row.seq,
    state: row.state as MessageState,
    body: row.body,
    messageId: row.message_id,
    timeToLiveMs: row.ttl_ms ?? undefined,
    enqueuedAt: row.enqueued_at,
    scheduledAt: row.scheduled_at ?? undefined,
    expiresAt: row.expires_at ?? undefined,
    deliveryCount: row.delivery_count,
    lockToken: row.lock_token ?? undefined,
    lockedUntil: row.locked_until ?? undefined,
  };
}
