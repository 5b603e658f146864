import { inclusionProofPlan, leafHash, rootFromLeafHashes, verifyInclusionProof } from '@mintmark/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { describeLogStore } from '../conformance/log-store-suite.js'
import type { EntryDraft } from '../sqlite/sqlite-store.js'
import { createPostgresLogStore, type PostgresLogStore } from './postgres-log-store.js'
import { postgresMigrations } from './migrations.js'

const run = postgresOrSkipNotice('PostgreSQL log store')
let server: TestPostgres

beforeAll(async () => {
  if (run) server = await startTestPostgres()
})
afterAll(async () => {
  await server?.stop()
})

const enc = new TextEncoder()
const draft = (i: number): EntryDraft => ({
  statementHash: Uint8Array.from({ length: 32 }, (_, k) => (k < 4 ? (i >>> (8 * k)) & 0xff : 7)),
  kind: 'asset',
  assetCid: null,
  creator: 'did:key:x',
  createdAt: '2026-01-01T00:00:00Z',
  build: () => {
    const data = enc.encode(`pg ${i}`)
    return { data, leafHash: leafHash(data) }
  },
})

describe.skipIf(!run)('postgres', () => {
  // The same conformance suite the SQLite store passes, unchanged: one fresh database per test.
  describeLogStore('postgres', async () => {
    const db = await server.createDatabase()
    let current = await createPostgresLogStore({ connectionString: db.url })
    return {
      store: current,
      async reopen() {
        await current.close()
        current = await createPostgresLogStore({ connectionString: db.url })
        return current
      },
      async cleanup() {
        await current.close().catch(() => {})
        await db.drop()
      },
    }
  })

  describe('PostgreSQL specifics', () => {
    it('applies the numbered migrations once, even when 4 processes open the database at the same time', async () => {
      const db = await server.createDatabase()
      const stores = await Promise.all(Array.from({ length: 4 }, () => createPostgresLogStore({ connectionString: db.url })))
      const rows = (await stores[0]?.pool.query('SELECT version, name FROM schema_migrations ORDER BY version'))?.rows
      expect(rows).toEqual(postgresMigrations.map((m) => ({ version: m.version, name: m.name })))
      expect(await stores[0]?.sequencerState()).toMatchObject({ size: 0, epoch: 0, holder: null })
      await Promise.all(stores.map((s) => s.close()))
      await db.drop()
    })

    it('refuses a database whose schema is newer than this code (STORE_CORRUPT)', async () => {
      const db = await server.createDatabase()
      const s = await createPostgresLogStore({ connectionString: db.url })
      await s.pool.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
      await s.close()
      await expect(createPostgresLogStore({ connectionString: db.url })).rejects.toMatchObject({ code: 'STORE_CORRUPT' })
      await db.drop()
    })

    it('refuses to run with synchronous_commit=off (STORE_PRAGMA_MISMATCH)', async () => {
      const db = await server.createDatabase()
      await expect(createPostgresLogStore({ connectionString: db.url, pool: { options: '-c synchronous_commit=off' } })).rejects.toMatchObject({
        code: 'STORE_PRAGMA_MISMATCH',
      })
      await db.drop()
    })

    it('reports an unreachable server as STORE_IO', async () => {
      // Port 1 on loopback: nothing listens there.
      await expect(createPostgresLogStore({ connectionString: 'postgres://postgres@127.0.0.1:1/x', pool: { connectionTimeoutMillis: 2000 } })).rejects.toMatchObject({
        code: 'STORE_IO',
      })
    })

    it('reads the nodes of a proof in one query, through the primary key', async () => {
      const db = await server.createDatabase()
      const store = await createPostgresLogStore({ connectionString: db.url })
      for (let b = 0; b < 5; b++) await store.appendEntries(Array.from({ length: 1000 }, (_, k) => draft(b * 1000 + k)))
      const size = await store.size()
      const root = await store.rootAt(size)
      const queries = await countQueries(store, async () => {
        const plan = inclusionProofPlan(4321, size)
        const proof = plan.assemble(await store.getNodes(plan.nodes))
        expect(verifyInclusionProof({ leafHash: leafHash(enc.encode('pg 4321')), leafIndex: 4321, treeSize: size, proof, root })).toBe(true)
      })
      expect(queries).toBe(1)
      await store.pool.query('ANALYZE nodes')
      const plan = (
        await store.pool.query(
          `EXPLAIN SELECT t.ord, n.hash FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS t(level, idx, ord)
           LEFT JOIN nodes n ON n.level = t.level AND n.idx = t.idx`,
          [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [4320, 2161, 1081, 541, 271, 134, 66, 32, 17, 9, 3, 0, 1]],
        )
      ).rows
        .map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN'])
        .join('\n')
      expect(plan).toMatch(/Index Scan using nodes_pkey/)
      await store.close()
      await db.drop()
    })

    it('appends a group too large for one statement (5,000 entries) with the right root', async () => {
      const db = await server.createDatabase()
      const store = await createPostgresLogStore({ connectionString: db.url })
      await store.appendEntries([draft(0)])
      const results = await store.appendEntries(Array.from({ length: 5000 }, (_, k) => draft(k + 1)))
      expect(results.at(-1)).toMatchObject({ index: 5000, created: true })
      const leaves = Array.from({ length: 5001 }, (_, i) => leafHash(enc.encode(`pg ${i}`)))
      expect(await store.rootAt(5001)).toEqual(rootFromLeafHashes(leaves))
      await store.close()
      await db.drop()
    })

    it('keeps bigint indices as numbers and bytea hashes as bytes', async () => {
      const db = await server.createDatabase()
      const store = await createPostgresLogStore({ connectionString: db.url })
      await store.appendEntries([draft(1)])
      const types = (await store.pool.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'entries' ORDER BY column_name")).rows
      expect(Object.fromEntries(types.map((r: { column_name: string; data_type: string }) => [r.column_name, r.data_type]))).toMatchObject({
        idx: 'bigint',
        leaf_hash: 'bytea',
        statement_hash: 'bytea',
        data: 'bytea',
      })
      expect(typeof (await store.getEntry(0))?.index).toBe('number')
      await store.close()
      await db.drop()
    })
  })
})

async function countQueries(store: PostgresLogStore, fn: () => Promise<void>): Promise<number> {
  const pool = store.pool as pg.Pool & { query: (...a: unknown[]) => unknown }
  const original = pool.query.bind(pool)
  let n = 0
  pool.query = ((...a: unknown[]) => {
    n++
    return (original as (...x: unknown[]) => unknown)(...a)
  }) as typeof pool.query
  try {
    await fn()
  } finally {
    pool.query = original as typeof pool.query
  }
  return n
}
