import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SearchQuery, searchQuerySchema } from '../schemas.js'
import { licenceFacts } from './classify.js'
import { type SearchIndex, type SearchRow, broadMatchThreshold, createSearchIndex, ftsQuery } from './search-index.js'

let dir: string
let index: SearchIndex
const day = 86400_000
const t0 = Date.parse('2025-01-01T00:00:00Z')
const q = (query: Record<string, unknown>) => index.search(searchQuerySchema.parse(query) as SearchQuery)

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

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-search-'))
  index = createSearchIndex({ path: path.join(dir, 'search.sqlite') })
  index.insertRows([
    row(0, { title: 'red fox in snow', prompt: 'a red fox, snow, golden hour' }),
    row(1, { mediaType: 'image/jpeg', width: 4096, height: 4096, title: 'Mountain lake' }),
    row(2, { mediaType: 'audio/wav', width: null, height: null, sourceType: 'digitalCapture', model: null, title: 'Forest birds', license: 'CC0-1.0' }),
    row(3, { sourceType: 'compositeWithTrainedAlgorithmicMedia', hasParents: true, license: 'CC-BY-NC-4.0', title: 'fox collage', description: 'a collage of foxes' }),
    row(4, { creator: 'did:key:z6Mkbob', model: 'Imagen', license: 'CC-BY-ND-4.0', title: 'Café crème', aiTraining: 'notAllowed' }),
    row(5, { mediaType: 'video/mp4', width: 1920, height: 1080, title: 'Fox running', price: 500, currency: 'USDC', chainId: 8453, royaltyBps: 250, hasAnchor: true }),
  ])
})
afterAll(async () => {
  index.close()
  await fsp.rm(dir, { recursive: true, force: true })
})

const ids = (r: { items: { logIndex: number }[] }) => r.items.map((i) => i.logIndex)

describe('search index', () => {
  it('filters by media type, source group, model, creator and licence facts', () => {
    expect(ids(q({ mediaType: 'image' }))).toEqual([4, 3, 1, 0])
    expect(ids(q({ mediaType: 'image/*' }))).toEqual([4, 3, 1, 0])
    expect(ids(q({ mediaType: 'image/jpeg' }))).toEqual([1])
    expect(ids(q({ source: 'human' }))).toEqual([2])
    expect(ids(q({ source: 'composite' }))).toEqual([3])
    expect(ids(q({ sourceType: 'digitalCapture' }))).toEqual([2])
    expect(ids(q({ model: 'flux' }))).toEqual([5, 3, 1, 0])
    expect(ids(q({ creator: 'did:key:z6Mkbob' }))).toEqual([4])
    expect(ids(q({ license: 'cc0-1.0' }))).toEqual([2])
    expect(ids(q({ commercialUse: 'false' }))).toEqual([3])
    expect(ids(q({ derivatives: false }))).toEqual([4])
    expect(ids(q({ aiTraining: 'notAllowed' }))).toEqual([4])
    expect(ids(q({ aiTraining: 'constrained' }))).toEqual([3])
    expect(ids(q({ hasParents: 'true' }))).toEqual([3])
  })
  it('filters by size, time range and the offer/anchor columns', () => {
    expect(ids(q({ minWidth: '2000' }))).toEqual([1])
    expect(ids(q({ minWidth: 1500, minHeight: 1000 }))).toEqual([5, 1])
    expect(ids(q({ createdAfter: new Date(t0 + day).toISOString(), createdBefore: new Date(t0 + 3 * day).toISOString() }))).toEqual([2, 1])
    expect(ids(q({ maxPrice: 1000, currency: 'USDC', chainId: 8453 }))).toEqual([5])
    expect(ids(q({ minPrice: 600 }))).toEqual([])
    expect(ids(q({ maxRoyaltyBps: 300, hasAnchor: true }))).toEqual([5])
    expect(ids(q({ hasAnchor: false })).length).toBe(5)
  })
  it('free text over title, description and prompt (FTS5), relevance and created order', () => {
    expect(ids(q({ q: 'fox' })).sort()).toEqual([0, 3, 5])
    expect(ids(q({ q: 'fox', sort: 'created' }))).toEqual([5, 3, 0])
    expect(ids(q({ q: 'golden hour' }))).toEqual([0])
    expect(ids(q({ q: 'foxes collage' }))).toEqual([3])
    expect(ids(q({ q: 'cafe creme' }))).toEqual([4]) // diacritics folded
    expect(ids(q({ q: 'fox', mediaType: 'video' }))).toEqual([5])
    expect(ids(q({ q: '"OR" NEAR( * ' }))).toEqual([]) // operators are quoted away, never a syntax error
    expect(ftsQuery('a"b c')).toBe('"a" "b" "c"')
    expect(() => q({ q: '!!!' })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
    expect(() => q({ sort: 'relevance' })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
  })
  it('paginates with an opaque cursor bound to the query', () => {
    const seen: number[] = []
    let cursor: string | undefined
    do {
      const page = q({ limit: 2, ...(cursor ? { cursor } : {}) })
      seen.push(...ids(page))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    expect(seen).toEqual([5, 4, 3, 2, 1, 0])
    const asc = q({ sort: 'created-asc', limit: 4 })
    expect(ids(asc)).toEqual([0, 1, 2, 3])
    expect(ids(q({ sort: 'created-asc', limit: 4, cursor: asc.nextCursor }))).toEqual([4, 5])
    const rel = q({ q: 'fox', limit: 2 })
    expect(ids(q({ q: 'fox', limit: 2, cursor: rel.nextCursor })).length).toBe(1)
    expect(() => q({ mediaType: 'audio', cursor: asc.nextCursor })).toThrow(expect.objectContaining({ code: 'CURSOR_INVALID' }))
    expect(() => q({ cursor: 'eyJ2IjoxfQ' })).toThrow(expect.objectContaining({ code: 'CURSOR_INVALID' }))
  })
  it('a broad text query pages in log order, within a bounded scan, to the end', async () => {
    const big = createSearchIndex({ path: path.join(dir, 'broad.sqlite'), deferIndexes: true })
    const n = broadMatchThreshold + 500
    const rows: SearchRow[] = []
    for (let i = 0; i < n; i++) rows.push(row(i, { title: i % 1000 === 0 ? 'common rare' : 'common', mediaType: i % 2 ? 'image/png' : 'text/plain', created: t0 + i * 1000 }))
    big.insertRows(rows)
    big.finishBulkLoad()
    const run = (query: Record<string, unknown>) => big.search(searchQuerySchema.parse(query) as SearchQuery)
    const first = run({ q: 'common', sort: 'created', limit: 3 })
    expect(ids(first)).toEqual([n - 1, n - 2, n - 3])
    expect(ids(run({ q: 'common', sort: 'created', limit: 3, cursor: first.nextCursor }))).toEqual([n - 4, n - 5, n - 6])
    // selective filters on a broad term: pages may be short, nextCursor runs to the end
    const got: number[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 100; pages++) {
      const p = run({ q: 'common', sort: 'created', mediaType: 'text', limit: 100, ...(cursor ? { cursor } : {}), creator: 'did:key:z6Mkalice' })
      got.push(...ids(p))
      cursor = p.nextCursor ?? undefined
      if (!cursor) break
    }
    expect(got.length).toBe(Math.ceil(n / 2))
    expect(ids(run({ q: 'rare', sort: 'created' }))).toEqual([10000, 9000, 8000, 7000, 6000, 5000, 4000, 3000, 2000, 1000, 0])
    big.close()
  })
})
