import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { describeAppIndexStore } from '../conformance/app-index-suite.js'
import { createPostgresLogStore } from './postgres-log-store.js'

const run = postgresOrSkipNotice('PostgreSQL app index store')
let server: TestPostgres

beforeAll(async () => {
  if (run) server = await startTestPostgres()
})
afterAll(async () => {
  await server?.stop()
})

describe.skipIf(!run)('postgres', () => {
  // The same suite the SQLite store passes, unchanged: one fresh database per test.
  describeAppIndexStore('postgres', async () => {
    const db = await server.createDatabase()
    const store = await createPostgresLogStore({ connectionString: db.url })
    return {
      store,
      async cleanup() {
        await store.close().catch(() => {})
        await db.drop()
      },
    }
  })

  it('migration 2 moves a version-1 database\'s fingerprint chunks into the per-algorithm index', async () => {
    const db = await server.createDatabase()
    const pg = (await import('pg')).default
    const { postgresMigrations } = await import('./migrations.js')
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      const v1 = postgresMigrations[0] as { version: number; name: string; sql: string }
      await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())')
      await client.query(v1.sql)
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [v1.version, v1.name])
      await client.query("INSERT INTO assets (cid, sha256, size, media_type, first_entry) VALUES ('bafyold', 'ab', 1, 'image/png', 0)")
      const hash = Buffer.alloc(32, 0x11)
      const id = (await client.query("INSERT INTO fingerprints (asset_cid, algorithm, hash, quality) VALUES ('bafyold', 'pdq', $1, 50) RETURNING id", [hash])).rows[0].id
      for (let i = 0; i < 16; i++) await client.query('INSERT INTO fingerprint_chunks (chunk_no, chunk_value, fingerprint_id) VALUES ($1, $2, $3)', [i, 0x1111, id])
    } finally {
      await client.end()
    }
    const store = await createPostgresLogStore({ connectionString: db.url })
    try {
      expect(await store.fingerprintCandidates([{ chunkNo: 4, values: [0x1111] }])).toEqual([{ id: 1, assetCid: 'bafyold', hash: new Uint8Array(32).fill(0x11) }])
      expect(await store.fingerprintCandidates([{ chunkNo: 4, values: [0x1111] }], 'other')).toEqual([])
      const tables = (await store.pool.query("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'fingerprint%' ORDER BY 1")).rows.map((r) => r.table_name)
      expect(tables).toEqual(['fingerprint_index', 'fingerprints'])
    } finally {
      await store.close()
      await db.drop()
    }
  })
})
