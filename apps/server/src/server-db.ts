import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import path from 'node:path'
import { settleSync } from '@mintmark/storage'
import { openDurableDb } from './durable-db.js'

/**
 * The server's own state, in `<home>/server.sqlite`: API keys (hashed) and idempotency records.
 * Not derived from the log, so it is durable (WAL, synchronous=FULL). Signature nonces are kept in
 * memory (see nonce-cache.ts): signatures created before the process started are refused.
 */
export type ServerDb = ReturnType<typeof openServerDb>

export const apiKeyScopes = ['assets:write', 'verify', 'admin'] as const
export type ApiKeyScope = (typeof apiKeyScopes)[number]

export type ApiKeyRecord = { id: string; principal: string; scopes: ApiKeyScope[]; createdAt: string; expiresAt: string | null; revokedAt: string | null }

export type IdempotencyRecord = { requestHash: string; status: number; headers: Record<string, string>; body: string; createdAt: string }

const migrations = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL,
  principal TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
) STRICT;
CREATE TABLE idempotency (
  principal TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (principal, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency (created_at);`,
]

export function serverDbPath(home: string): string {
  return path.join(path.resolve(home), 'server.sqlite')
}

export function openServerDb(file: string) {
  const db = openDurableDb(file, 'server', migrations)

  const q = {
    insertKey: db.prepare('INSERT INTO api_keys (id, secret_hash, principal, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
    key: db.prepare('SELECT id, secret_hash, principal, scopes, created_at, expires_at, revoked_at FROM api_keys WHERE id = ?'),
    revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    getIdem: db.prepare('SELECT request_hash, status, headers, body, created_at FROM idempotency WHERE principal = ? AND key = ?'),
    putIdem: db.prepare('INSERT OR IGNORE INTO idempotency (principal, key, request_hash, status, headers, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    pruneIdem: db.prepare('DELETE FROM idempotency WHERE created_at < ?'),
  }
  type KeyRow = { id: string; secret_hash: Buffer; principal: string; scopes: string; created_at: string; expires_at: string | null; revoked_at: string | null }

  return {
    createKey(p: { principal: string; scopes: readonly ApiKeyScope[]; expiresAt?: string | undefined; now: Date }): { id: string; token: string } {
      const k = newApiKey()
      q.insertKey.run(k.id, k.secretHash, p.principal, JSON.stringify([...new Set(p.scopes)]), p.now.toISOString(), p.expiresAt ?? null)
      return { id: k.id, token: k.token }
    },
    /** The key a bearer token names, when the secret matches; undefined otherwise (constant-time compare). */
    checkToken(token: string): ApiKeyRecord | undefined {
      const t = parseApiToken(token)
      if (!t) return undefined
      const row = q.key.get(t.id) as KeyRow | undefined
      if (!row || !sameSecretHash(t.secretHash, row.secret_hash)) return undefined
      return { id: row.id, principal: row.principal, scopes: JSON.parse(row.scopes) as ApiKeyScope[], createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at }
    },
    revokeKey(id: string, now: Date): boolean {
      return q.revoke.run(now.toISOString(), id).changes > 0
    },
    getIdempotency(principal: string, key: string): IdempotencyRecord | undefined {
      const r = q.getIdem.get(principal, key) as { request_hash: string; status: number; headers: string; body: string; created_at: string } | undefined
      return r && { requestHash: r.request_hash, status: r.status, headers: JSON.parse(r.headers) as Record<string, string>, body: r.body, createdAt: r.created_at }
    },
    putIdempotency(principal: string, key: string, r: IdempotencyRecord): void {
      q.putIdem.run(principal, key, r.requestHash, r.status, JSON.stringify(r.headers), r.body, r.createdAt)
    },
    pruneIdempotency(before: string): void {
      q.pruneIdem.run(before)
    },
    close(): void {
      db.close()
    },
  }
}

/**
 * The server's state behind one async interface, with the names of {@link ServerDb}'s methods:
 * the SQLite file (through {@link toServerState}) or PostgreSQL (`createPostgresServerState` in
 * state/postgres-server-state.ts), so several API nodes share keys and idempotency records.
 */
export type ServerState = {
  createKey(p: { principal: string; scopes: readonly ApiKeyScope[]; expiresAt?: string | undefined; now: Date }): Promise<{ id: string; token: string }>
  /** The key a bearer token names, when the secret matches; undefined otherwise (constant-time compare). */
  checkToken(token: string): Promise<ApiKeyRecord | undefined>
  /** Revokes a key once; false when it is unknown or already revoked. */
  revokeKey(id: string, now: Date): Promise<boolean>
  getIdempotency(principal: string, key: string): Promise<IdempotencyRecord | undefined>
  /** Stores a response for (principal, key); the first one stored is kept. */
  putIdempotency(principal: string, key: string, r: IdempotencyRecord): Promise<void>
  /** Drops records created before `before` (ISO time). */
  pruneIdempotency(before: string): Promise<void>
  close(): Promise<void>
}

/** The SQLite server database seen through {@link ServerState}; closing it closes the file. */
export function toServerState(db: ServerDb): ServerState {
  const run = settleSync
  return {
    createKey: (p) => run(() => db.createKey(p)),
    checkToken: (token) => run(() => db.checkToken(token)),
    revokeKey: (id, now) => run(() => db.revokeKey(id, now)),
    getIdempotency: (principal, key) => run(() => db.getIdempotency(principal, key)),
    putIdempotency: (principal, key, r) => run(() => db.putIdempotency(principal, key, r)),
    pruneIdempotency: (before) => run(() => db.pruneIdempotency(before)),
    close: () => run(() => db.close()),
  }
}

/** A fresh API key: its id, the token handed out once, and the hash of its secret that is stored. @internal */
export function newApiKey(): { id: string; token: string; secretHash: Buffer } {
  const id = randomBytes(9).toString('base64url')
  const secret = randomBytes(32).toString('base64url')
  return { id, token: `mm_${id}_${secret}`, secretHash: hashSecret(secret) }
}

/** The key id and secret hash a token carries; undefined when it is not shaped like one. @internal */
export function parseApiToken(token: string): { id: string; secretHash: Buffer } | undefined {
  const m = /^mm_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/.exec(token)
  return m ? { id: m[1] as string, secretHash: hashSecret(m[2] as string) } : undefined
}

/** Constant-time comparison of two secret hashes. @internal */
export function sameSecretHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

function hashSecret(secret: string): Buffer {
  // The secret is 256 random bits: a fast hash is enough (no dictionary to attack).
  return createHash('sha256').update(`mintmark-api-key\n${secret}`).digest()
}
