import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type LogEntry, createLocalSigner, createManifest, decodeLogEntry, encodeLogEntry, hashBytes, leafHash, signStatement } from '@mintmark/core'
import { type AsyncLogStore, createSqliteStore, type EntryDraft, toAsyncLogStore } from '@mintmark/storage'
import { createPostgresLogStore, type PostgresLogStore } from '@mintmark/storage/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { type SearchQuery, searchQuerySchema } from '../schemas.js'
import { licenceFacts } from './classify.js'
import { createPostgresSearchState, searchWords } from './postgres-search.js'
import { type SearchResult, type SearchRow, type SearchState, broadMatchThreshold, catchUpSearchIndex, createSearchIndex, toSearchState } from './search-index.js'

// The same queries against the SQLite index and the PostgreSQL one, over the same rows: the same
// hits in the same order with the same cursors (relevance: the same hits), and the expected ones.

const run = postgresOrSkipNotice('PostgreSQL search state')
const day = 86400_000
const t0 = Date.parse('2025-01-01T00:00:00Z')
const parse = (query: Record<string, unknown>) => searchQuerySchema.parse(query) as SearchQuery
const ids = (r: SearchResult) => r.items.map((i) => i.logIndex)

function row(id: number, over: Partial<SearchRow> = {}): SearchRow {
  const lic = licenceFacts({ rights: { license: { spdx: over.license ?? 'CC-BY-4.0' } } } as never)
  return {
    id,
    cid: `bafkrei${String(id).padStart(52, 'a')}`,
    mediaType: 'image/png',
    sourceType: 'trainedAlgorithmicMedia',
    model: 'Flux',
    creator: 'did:key:z6Mkalice',
    license: lic.license,
    commercial: lic.commercial,
    derivatives: lic.derivatives,
    aiTraining: lic.aiTraining,
    width: 1024,
    height: 768,
    created: t0 + id * day,
    hasParents: false,
    title: `asset ${id}`,
    ...over,
  }
}
const rows: SearchRow[] = [
  row(0, { title: 'red fox in snow', prompt: 'a red fox, snow, golden hour' }),
  row(1, { mediaType: 'image/jpeg', width: 4096, height: 4096, title: 'Mountain lake' }),
  row(2, { mediaType: 'audio/wav', width: null, height: null, sourceType: 'digitalCapture', model: null, title: 'Forest birds', license: 'CC0-1.0' }),
  row(3, { sourceType: 'compositeWithTrainedAlgorithmicMedia', hasParents: true, license: 'CC-BY-NC-4.0', title: 'fox collage', description: 'a collage of foxes' }),
  row(4, { creator: 'did:key:z6Mkbob', model: 'Imagen', license: 'CC-BY-ND-4.0', title: 'Café crème', aiTraining: 'notAllowed' }),
  row(5, { mediaType: 'video/mp4', width: 1920, height: 1080, title: 'Fox running', price: 500, currency: 'USDC', chainId: 8453, royaltyBps: 250, hasAnchor: true }),
  // Same created time as 5: the id breaks the tie in both orders.
  row(6, { created: t0 + 5 * day, title: 'snow_owl at dusk', model: 'FLUX' }),
]

/** Queries with the hits expected (in order; `sorted` when only the set is promised). */
const cases: { query: Record<string, unknown>; expected: number[]; sorted?: boolean }[] = [
  { query: {}, expected: [6, 5, 4, 3, 2, 1, 0] },
  { query: { mediaType: 'image' }, expected: [6, 4, 3, 1, 0] },
  { query: { mediaType: 'image/*' }, expected: [6, 4, 3, 1, 0] },
  { query: { mediaType: 'image/jpeg' }, expected: [1] },
  { query: { source: 'human' }, expected: [2] },
  { query: { source: 'composite' }, expected: [3] },
  { query: { sourceType: 'digitalCapture' }, expected: [2] },
  { query: { model: 'flux' }, expected: [6, 5, 3, 1, 0] },
  { query: { creator: 'did:key:z6Mkbob' }, expected: [4] },
  { query: { license: 'cc0-1.0' }, expected: [2] },
  { query: { commercialUse: 'false' }, expected: [3] },
  { query: { derivatives: false }, expected: [4] },
  { query: { aiTraining: 'notAllowed' }, expected: [4] },
  { query: { aiTraining: 'constrained' }, expected: [3] },
  { query: { hasParents: 'true' }, expected: [3] },
  { query: { minWidth: '2000' }, expected: [1] },
  { query: { minWidth: 1500, minHeight: 1000 }, expected: [5, 1] },
  { query: { createdAfter: new Date(t0 + day).toISOString(), createdBefore: new Date(t0 + 3 * day).toISOString() }, expected: [2, 1] },
  { query: { maxPrice: 1000, currency: 'USDC', chainId: 8453 }, expected: [5] },
  { query: { minPrice: 600 }, expected: [] },
  { query: { maxRoyaltyBps: 300, hasAnchor: true }, expected: [5] },
  { query: { hasAnchor: false }, expected: [6, 4, 3, 2, 1, 0] },
  { query: { sort: 'created-asc', mediaType: 'image' }, expected: [0, 1, 3, 4, 6] },
  { query: { q: 'fox' }, expected: [0, 3, 5], sorted: true },
  { query: { q: 'fox', sort: 'created' }, expected: [5, 3, 0] },
  { query: { q: 'fox', sort: 'created-asc' }, expected: [0, 3, 5] },
  { query: { q: 'golden hour' }, expected: [0] },
  { query: { q: 'foxes collage' }, expected: [3] },
  { query: { q: 'cafe creme' }, expected: [4] },
  { query: { q: 'CAFÉ' }, expected: [4] },
  { query: { q: 'fox', mediaType: 'video' }, expected: [5] },
  { query: { q: '"OR" NEAR( * ' }, expected: [] },
  { query: { q: 'owl', sort: 'created' }, expected: [6] },
]

let dir: string
let server: TestPostgres
let pgStore: PostgresLogStore | undefined
let dbDrop: (() => Promise<void>) | undefined
let sqlite: SearchState
let postgres: SearchState

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-search-state-'))
  if (!run) return
  server = await startTestPostgres()
  const db = await server.createDatabase()
  dbDrop = db.drop
  pgStore = await createPostgresLogStore({ connectionString: db.url })
})
afterAll(async () => {
  await pgStore?.close()
  await dbDrop?.()
  await server?.stop()
  await fsp.rm(dir, { recursive: true, force: true })
})

describe.skipIf(!run)('search state: SQLite and PostgreSQL give the same answers', () => {
  beforeAll(async () => {
    sqlite = toSearchState(createSearchIndex({ path: path.join(dir, 'search.sqlite') }))
    postgres = await createPostgresSearchState((pgStore as PostgresLogStore).pool)
    for (const s of [sqlite, postgres]) {
      expect(await s.insertRows(rows)).toBe(rows.length)
      // Rows already there (by id, or by CID) are kept, not counted again.
      expect(await s.insertRows([row(0, { title: 'replaced' }), row(99, { cid: rows[1]?.cid as string })])).toBe(0)
      expect(await s.size()).toBe(rows.length)
    }
  })
  afterAll(async () => {
    await sqlite?.close()
    await postgres?.close()
  })

  it.each(cases)('$query', async ({ query, expected, sorted }) => {
    const [a, b] = await Promise.all([sqlite.search(parse(query)), postgres.search(parse(query))])
    if (sorted) {
      expect(ids(a).sort()).toEqual(expected)
      expect(ids(b).sort()).toEqual(expected)
      expect(b.items.map((i) => i.cid).sort()).toEqual(a.items.map((i) => i.cid).sort())
    } else {
      expect(ids(a)).toEqual(expected)
      expect(b).toEqual(a)
    }
  })

  it('returns every field of a hit alike', async () => {
    const [a, b] = await Promise.all([sqlite.search(parse({ q: 'running' })), postgres.search(parse({ q: 'running' }))])
    expect(b.items).toEqual(a.items)
    expect(a.items[0]).toMatchObject({ logIndex: 5, price: 500, currency: 'USDC', chainId: 8453, royaltyBps: 250, hasAnchor: true, model: 'Flux', hasParents: false })
  })

  it('pages with the same cursors, each accepted by the other backend too', async () => {
    for (const base of [{ limit: 2 }, { limit: 3, sort: 'created-asc' }, { limit: 1, mediaType: 'image' }, { limit: 1, q: 'fox', sort: 'created' }]) {
      const seen: number[][] = [[], []]
      let cursor: string | undefined
      for (let page = 0; page < 10; page++) {
        const query = parse({ ...base, ...(cursor ? { cursor } : {}) })
        const [a, b] = await Promise.all([sqlite.search(query), postgres.search(query)])
        expect(b).toEqual(a)
        seen[0]?.push(...ids(a))
        seen[1]?.push(...ids(b))
        cursor = a.nextCursor ?? undefined
        if (!cursor) break
      }
      const all = await sqlite.search(parse({ ...base, limit: 100 }))
      expect(seen[0]).toEqual(ids(all))
      expect(seen[1]).toEqual(ids(all))
    }
    const rel = await postgres.search(parse({ q: 'fox', limit: 2 }))
    expect((await postgres.search(parse({ q: 'fox', limit: 2, cursor: rel.nextCursor }))).items.length).toBe(1)
  })

  it('refuses the same bad input with the same codes', async () => {
    const asc = await sqlite.search(parse({ sort: 'created-asc', limit: 4 }))
    for (const [query, code] of [
      [{ q: '!!!' }, 'INPUT_INVALID'],
      [{ sort: 'relevance' }, 'INPUT_INVALID'],
      [{ mediaType: 'audio', cursor: asc.nextCursor }, 'CURSOR_INVALID'],
      [{ cursor: 'eyJ2IjoxfQ' }, 'CURSOR_INVALID'],
    ] as const) {
      await expect(sqlite.search(parse(query))).rejects.toMatchObject({ code })
      await expect(postgres.search(parse(query))).rejects.toMatchObject({ code })
    }
  })

  it('keeps words as FTS5 does: letters and digits, diacritics and case folded, underscores separating', () => {
    expect(searchWords('Café crème, SNOW_owl 4K! naïve')).toEqual(['cafe', 'creme', 'snow', 'owl', '4k', 'naive'])
  })

  it('a broad text query pages in log order within a bounded scan, alike on both', async () => {
    const n = broadMatchThreshold + 500
    const many: SearchRow[] = []
    for (let i = 0; i < n; i++)
      many.push(row(1000 + i, { title: i % 1000 === 0 ? 'common rare' : 'common', mediaType: i % 2 ? 'image/png' : 'text/plain', created: t0 + i * 1000 }))
    const big = [toSearchState(createSearchIndex({ path: path.join(dir, 'broad.sqlite'), deferIndexes: true })), postgres]
    for (const s of big) {
      await s.insertRows(many)
      await s.finishBulkLoad()
    }
    const both = (query: Record<string, unknown>) => Promise.all(big.map((s) => s.search(parse(query))))
    const [a, b] = await both({ q: 'common', sort: 'created', limit: 3 })
    expect(ids(a as SearchResult)).toEqual([1000 + n - 1, 1000 + n - 2, 1000 + n - 3])
    expect(b).toEqual(a)
    const got: number[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 100; pages++) {
      const [x, y] = await both({ q: 'common', sort: 'created', mediaType: 'text', limit: 100, ...(cursor ? { cursor } : {}), creator: 'did:key:z6Mkalice' })
      expect(y).toEqual(x)
      got.push(...ids(x as SearchResult))
      cursor = x?.nextCursor ?? undefined
      if (!cursor) break
    }
    expect(got.length).toBe(Math.ceil(n / 2))
    const [r1, r2] = await both({ q: 'rare', sort: 'created' })
    expect(ids(r1 as SearchResult)).toEqual([11000, 10000, 9000, 8000, 7000, 6000, 5000, 4000, 3000, 2000, 1000])
    expect(r2).toEqual(r1)
    expect((await postgres.explain(parse({ mediaType: 'video', limit: 5 }))).join('\n')).toMatch(/Index/)
    await big[0]?.close()
  })
})

// --- catch-up from a real log, on both ---------------------------------------------------------

async function entryFor(i: number): Promise<LogEntry> {
  const signer = createLocalSigner(new Uint8Array(32).fill(1 + (i % 2)))
  const content = new TextEncoder().encode(`search catch-up ${i}`)
  const { cid, sha256 } = hashBytes(content)
  const manifest = createManifest({
    asset: { cid, sha256, size: content.length, mediaType: i % 3 ? 'image/png' : 'audio/wav', title: `catch-up asset ${i}` },
    digitalSourceType: 'trainedAlgorithmicMedia',
    generation: { model: { name: 'sdxl', version: '1.0' }, promptHash: `sha256:${'ab'.repeat(32)}` },
    rights: { owner: signer.did, license: { spdx: 'CC-BY-4.0' }, royalties: [{ payee: signer.did, bps: 10_000 }] },
    creator: signer.did,
    createdAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + i * 60_000).toISOString(),
  })
  const signed = await signStatement(manifest, signer)
  return { v: 1, statement: signed.statement, signature: signed.signature }
}
const draftOf = (entry: LogEntry): EntryDraft => {
  const data = encodeLogEntry(entry)
  return {
    statementHash: leafHash(data),
    kind: 'asset',
    assetCid: entry.statement.asset.cid,
    creator: entry.statement.creator,
    createdAt: entry.statement.createdAt,
    build: () => ({ data, leafHash: leafHash(data) }),
  }
}

describe.skipIf(!run)('catchUpSearchIndex over an AsyncLogStore', () => {
  it('indexes the same log alike on both; several PostgreSQL nodes catching up at once index each entry once', async () => {
    const entries = await Promise.all(Array.from({ length: 30 }, (_, i) => entryFor(i)))
    const db = await server.createDatabase()
    const pgLog = await createPostgresLogStore({ connectionString: db.url })
    const sqliteLog: AsyncLogStore = toAsyncLogStore(createSqliteStore({ path: path.join(dir, 'log.sqlite') }))
    try {
      for (const log of [sqliteLog, pgLog]) await log.appendEntries(entries.slice(0, 20).map(draftOf))
      const a = toSearchState(createSearchIndex({ path: path.join(dir, 'catch-up.sqlite') }))
      // Three nodes, three pools, one search index.
      const nodes = [pgLog, ...(await Promise.all([0, 1].map(() => createPostgresLogStore({ connectionString: db.url }))))]
      const states = await Promise.all(nodes.map((n) => createPostgresSearchState(n.pool)))
      expect(await catchUpSearchIndex(a, sqliteLog, 'mintmark.test/log', { batch: 7 })).toBe(20)
      await Promise.all(states.map((s, k) => catchUpSearchIndex(s, nodes[k] as PostgresLogStore, 'mintmark.test/log', { batch: 3 + k })))
      const b = states[0] as SearchState
      expect(await b.cursor()).toBe(20)
      expect(await b.size()).toBe(20)
      // More entries; a catch-up picks up from the cursor (no rebuild).
      for (const log of [sqliteLog, pgLog]) await log.appendEntries(entries.slice(20).map(draftOf))
      expect(await catchUpSearchIndex(a, sqliteLog, 'mintmark.test/log')).toBe(10)
      expect(await catchUpSearchIndex(states[1] as SearchState, nodes[1] as PostgresLogStore, 'mintmark.test/log')).toBe(10)
      expect(await catchUpSearchIndex(b, pgLog, 'mintmark.test/log')).toBe(0)
      expect(await b.size()).toBe(30)
      for (const query of [{ limit: 50 }, { mediaType: 'audio' }, { q: 'asset', sort: 'created' }, { creator: entries[1]?.statement.creator }]) {
        const [x, y] = await Promise.all([a.search(parse(query)), b.search(parse(query))])
        expect(y).toEqual(x)
      }
      expect(ids(await b.search(parse({ mediaType: 'audio', limit: 50 })))).toEqual([27, 24, 21, 18, 15, 12, 9, 6, 3, 0])
      const creator = entries[1]?.statement.creator as string
      expect(await b.statementsBy(creator, 10, 3)).toEqual(await a.statementsBy(creator, 10, 3))
      expect((await b.statementsBy(creator, 10, 3)).map((s) => s.idx)).toEqual([11, 13, 15])
      // A node that read the log before another node reset the index does not leave a gap: its
      // batch (starting past the emptied index's cursor) is skipped and the next catch-up fills all.
      const late = (await pgLog.getEntries(25, 30)).map((e) => ({ index: e.index, entry: decodeLogEntry(e.data) }))
      await b.reset()
      await (states[1] as SearchState).applyEntries(late, 30)
      expect(await b.cursor()).toBe(0)
      expect(await b.size()).toBe(0)
      expect(await catchUpSearchIndex(b, pgLog, 'mintmark.test/log', { batch: 8 })).toBe(30)
      expect(await b.size()).toBe(30)
      // Another log under the same index (origin changed): rebuilt from scratch.
      expect(await catchUpSearchIndex(b, pgLog, 'mintmark.test/other-log')).toBe(30)
      expect(await b.size()).toBe(30)
      await a.close()
      for (const n of nodes.slice(1)) await n.close()
    } finally {
      await sqliteLog.close()
      await pgLog.close()
      await db.drop()
    }
  })
})
