import { type ComponentMigration, migratePostgresComponent, type PostgresLogStore, storeCall } from '@mintmark/storage/postgres'
import { type ApiKeyRecord, type ApiKeyScope, type ServerState, newApiKey, parseApiToken, sameSecretHash } from '../server-db.js'

type Pool = PostgresLogStore['pool']

/** The server's tables in PostgreSQL (component `server` in `component_migrations`). Never edit a shipped one. */
export const serverStateMigrations: readonly ComponentMigration[] = [
  {
    version: 1,
    name: 'api keys and idempotency',
    sql: `
CREATE TABLE server_api_keys (
  id text COLLATE "C" PRIMARY KEY,
  secret_hash bytea NOT NULL,
  principal text NOT NULL,
  scopes text NOT NULL,
  created_at text NOT NULL,
  expires_at text,
  revoked_at text
);
-- Headers are kept as the JSON text written (not jsonb), so a replay sends them in the same order.
CREATE TABLE server_idempotency (
  principal text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  headers text NOT NULL,
  body text NOT NULL,
  created_at text COLLATE "C" NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX server_idempotency_created ON server_idempotency (created_at);
`,
  },
]

/**
 * {@link ServerState} in PostgreSQL, on a pool the caller owns (the log store's `pool`), so every
 * API node sees the same keys and idempotency records. Applies its migrations first. `close()`
 * leaves the pool open: the store it came from closes it.
 */
export async function createPostgresServerState(pool: Pool): Promise<ServerState> {
  await migratePostgresComponent(pool, 'server', serverStateMigrations)
  const rows = <R extends Record<string, unknown>>(what: string, sql: string, values: unknown[]): Promise<R[]> =>
    storeCall(what, async () => (await pool.query(sql, values)).rows as R[])
  type KeyRow = { id: string; secret_hash: Buffer; principal: string; scopes: string; created_at: string; expires_at: string | null; revoked_at: string | null }
  return {
    async createKey(p) {
      const k = newApiKey()
      await rows('create an API key', 'INSERT INTO server_api_keys (id, secret_hash, principal, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        k.id,
        k.secretHash,
        p.principal,
        JSON.stringify([...new Set(p.scopes)]),
        p.now.toISOString(),
        p.expiresAt ?? null,
      ])
      return { id: k.id, token: k.token }
    },
    async checkToken(token): Promise<ApiKeyRecord | undefined> {
      const t = parseApiToken(token)
      if (!t) return undefined
      const [row] = await rows<KeyRow>('read an API key', 'SELECT * FROM server_api_keys WHERE id = $1', [t.id])
      if (!row || !sameSecretHash(t.secretHash, row.secret_hash)) return undefined
      return {
        id: row.id,
        principal: row.principal,
        scopes: JSON.parse(row.scopes) as ApiKeyScope[],
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at,
      }
    },
    async revokeKey(id, now) {
      return (await rows('revoke an API key', 'UPDATE server_api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [now.toISOString(), id])).length > 0
    },
    async getIdempotency(principal, key) {
      const [r] = await rows<{ request_hash: string; status: number; headers: string; body: string; created_at: string }>(
        'read an idempotency record',
        'SELECT request_hash, status, headers, body, created_at FROM server_idempotency WHERE principal = $1 AND key = $2',
        [principal, key],
      )
      return r && { requestHash: r.request_hash, status: r.status, headers: JSON.parse(r.headers) as Record<string, string>, body: r.body, createdAt: r.created_at }
    },
    async putIdempotency(principal, key, r) {
      await rows(
        'store an idempotency record',
        `INSERT INTO server_idempotency (principal, key, request_hash, status, headers, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (principal, key) DO NOTHING`,
        [principal, key, r.requestHash, r.status, JSON.stringify(r.headers), r.body, r.createdAt],
      )
    },
    async pruneIdempotency(before) {
      await rows('prune idempotency records', 'DELETE FROM server_idempotency WHERE created_at < $1', [before])
    },
    async close() {},
  }
}
