import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import path from 'node:path'
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
      const id = randomBytes(9).toString('base64url')
      const secret = randomBytes(32).toString('base64url')
      q.insertKey.run(id, hashSecret(secret), p.principal, JSON.stringify([...new Set(p.scopes)]), p.now.toISOString(), p.expiresAt ?? null)
      return { id, token: `mm_${id}_${secret}` }
    },
    /** The key a bearer token names, when the secret matches; undefined otherwise (constant-time compare). */
    checkToken(token: string): ApiKeyRecord | undefined {
      const m = /^mm_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/.exec(token)
      if (!m) return undefined
      const row = q.key.get(m[1]) as KeyRow | undefined
      if (!row) return undefined
      const actual = hashSecret(m[2] as string)
      if (actual.length !== row.secret_hash.length || !timingSafeEqual(actual, row.secret_hash)) return undefined
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

function hashSecret(secret: string): Buffer {
  // The secret is 256 random bits: a fast hash is enough (no dictionary to attack).
  return createHash('sha256').update(`mintmark-api-key\n${secret}`).digest()
}
