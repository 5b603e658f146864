import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createPostgresLogStore } from '@mintmark/storage/postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { twoPostgresNodes } from '../../test/helpers.js'
import { type IdempotencyRecord, type ServerState, openServerDb, toServerState } from '../server-db.js'
import { createPostgresServerState } from './postgres-server-state.js'

/** Two handles on one fresh database (two API nodes), and a cleanup. */
type Factory = () => Promise<{ a: ServerState; b: ServerState; cleanup(): Promise<void> }>

const now = new Date('2026-03-01T12:00:00.000Z')
const record = (overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  requestHash: 'ab'.repeat(32),
  status: 201,
  // Key order is part of the record: a replay sends the headers as first sent.
  headers: { 'content-type': 'application/json', location: '/v1/assets/x', 'x-a': '1' },
  body: '{"index":7}',
  createdAt: '2026-03-01T12:00:00.000Z',
  ...overrides,
})

function describeServerState(name: string, make: Factory): void {
  describe(`server state conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c()
    })
    const open = async () => {
      const made = await make()
      cleanups.push(made.cleanup)
      return made
    }

    it('creates keys whose token checks on every node; a wrong secret, unknown id or malformed token does not', async () => {
      const { a, b } = await open()
      const k = await a.createKey({ principal: 'studio', scopes: ['verify', 'assets:write', 'verify'], now, expiresAt: '2027-01-01T00:00:00.000Z' })
      expect(k.token).toMatch(/^mm_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/)
      expect(k.token.slice(3, 15)).toBe(k.id)
      const expected = { id: k.id, principal: 'studio', scopes: ['verify', 'assets:write'], createdAt: now.toISOString(), expiresAt: '2027-01-01T00:00:00.000Z', revokedAt: null }
      expect(await a.checkToken(k.token)).toEqual(expected)
      expect(await b.checkToken(k.token)).toEqual(expected)
      const wrongSecret = `${k.token.slice(0, -1)}${k.token.endsWith('A') ? 'B' : 'A'}`
      expect(await b.checkToken(wrongSecret)).toBeUndefined()
      expect(await b.checkToken(`mm_${'x'.repeat(12)}_${k.token.slice(-43)}`)).toBeUndefined()
      expect(await b.checkToken('not-a-token')).toBeUndefined()
      const k2 = await b.createKey({ principal: 'admin', scopes: ['admin'], now })
      expect(k2.id).not.toBe(k.id)
      expect((await a.checkToken(k2.token))?.expiresAt).toBeNull()
    })

    it('revokes a key once; the revocation is seen by every node', async () => {
      const { a, b } = await open()
      const k = await a.createKey({ principal: 'p', scopes: ['verify'], now })
      const later = new Date('2026-03-02T00:00:00.000Z')
      expect(await b.revokeKey(k.id, later)).toBe(true)
      expect(await a.revokeKey(k.id, new Date('2026-03-03T00:00:00.000Z'))).toBe(false)
      expect((await a.checkToken(k.token))?.revokedAt).toBe(later.toISOString())
      expect(await a.revokeKey('nope-nope-no', later)).toBe(false)
    })

    it('keeps the first idempotency record per (principal, key), headers in order, and prunes by age', async () => {
      const { a, b } = await open()
      expect(await a.getIdempotency('p', 'k1')).toBeUndefined()
      await a.putIdempotency('p', 'k1', record())
      await b.putIdempotency('p', 'k1', record({ status: 500, body: 'second' }))
      const got = await b.getIdempotency('p', 'k1')
      expect(got).toEqual(record())
      expect(Object.keys(got?.headers ?? {})).toEqual(['content-type', 'location', 'x-a'])
      // Keys are per principal.
      expect(await a.getIdempotency('q', 'k1')).toBeUndefined()
      await a.putIdempotency('q', 'k1', record({ createdAt: '2026-02-01T00:00:00.000Z' }))
      await a.putIdempotency('p', 'k2', record({ createdAt: '2026-02-15T00:00:00.000Z' }))
      await b.pruneIdempotency('2026-02-20T00:00:00.000Z')
      expect(await a.getIdempotency('q', 'k1')).toBeUndefined()
      expect(await a.getIdempotency('p', 'k2')).toBeUndefined()
      expect(await a.getIdempotency('p', 'k1')).toEqual(record())
    })
  })
}

describeServerState('sqlite', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-server-state-'))
  const file = path.join(dir, 'server.sqlite')
  const a = toServerState(openServerDb(file))
  const b = toServerState(openServerDb(file))
  return {
    a,
    b,
    async cleanup() {
      await a.close()
      await b.close()
      await fsp.rm(dir, { recursive: true, force: true })
    },
  }
})

const run = postgresOrSkipNotice('PostgreSQL server state')
let server: TestPostgres
beforeAll(async () => {
  if (run) server = await startTestPostgres()
})
afterAll(async () => {
  await server?.stop()
})

describe.skipIf(!run)('postgres', () => {
  describeServerState('postgres', async () => {
    // Two stores, two pools: two API nodes on one database (they migrate concurrently).
    return twoPostgresNodes(server, (pool) => createPostgresServerState(pool) as Promise<ServerState>)
  })

  it('refuses a database whose server schema is newer than this code (STORE_CORRUPT)', async () => {
    const db = await server.createDatabase()
    const store = await createPostgresLogStore({ connectionString: db.url })
    try {
      await createPostgresServerState(store.pool)
      await store.pool.query("INSERT INTO component_migrations (component, version, name) VALUES ('server', 99, 'future')")
      await expect(createPostgresServerState(store.pool)).rejects.toMatchObject({ code: 'STORE_CORRUPT' })
      // Another component's version does not count against it.
      expect((await store.pool.query("SELECT count(*) AS n FROM component_migrations WHERE component = 'server'")).rows[0].n).toBe(2)
    } finally {
      await store.close()
      await db.drop()
    }
  })
})
