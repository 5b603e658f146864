import { createHash } from 'node:crypto'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { type LogEntry, MintmarkError, canonicalize, decodeLogEntry } from '@mintmark/core'
import { type AsyncLogStore, settleSync } from '@mintmark/storage'
import { decisionMediaType, type SearchQuery } from '../schemas.js'
import { type AiTraining, licenceFacts, mediaClassOf, sourceGroupOf } from './classify.js'

/**
 * The search index: its own SQLite file (`<home>/search.sqlite`), derived from the log and
 * rebuildable at any time. One row per asset (its first claim), one row per statement (for the
 * per-creator listing), and an FTS5 table over title, description and disclosed prompt.
 *
 * Index design (docs/adr/0008-http-service.md): every equality filter has an index
 * `(column, created, id)`, so "filter = v ORDER BY created DESC" walks one index range in order
 * and stops at the page size; the query picks the most selective such index from per-value counts
 * kept in `facet_counts`, and falls back to the `(created, id)` walk or a range index + sort.
 */
export type SearchRow = {
  id: number
  cid: string
  mediaType: string
  sourceType: string
  model: string | null
  creator: string
  license: string
  commercial: boolean | null
  derivatives: boolean | null
  aiTraining: AiTraining | null
  width: number | null
  height: number | null
  created: number
  hasParents: boolean
  title: string | null
  description?: string | null | undefined
  prompt?: string | null | undefined
  price?: number | null | undefined
  currency?: string | null | undefined
  chainId?: number | null | undefined
  royaltyBps?: number | null | undefined
  hasAnchor?: boolean | null | undefined
}

export type SearchHit = {
  cid: string
  logIndex: number
  mediaType: string
  title: string | null
  creator: string
  createdAt: string
  digitalSourceType: string
  sourceGroup: string
  model: string | null
  license: string
  commercialUse: boolean | null
  derivatives: boolean | null
  aiTraining: string | null
  width: number | null
  height: number | null
  hasParents: boolean
  price: number | null
  currency: string | null
  chainId: number | null
  royaltyBps: number | null
  hasAnchor: boolean | null
}

export type SearchResult = { items: SearchHit[]; nextCursor: string | null }

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS assets (
  id INTEGER PRIMARY KEY,
  cid TEXT NOT NULL UNIQUE,
  media_type TEXT NOT NULL,
  media_class TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source_group TEXT NOT NULL,
  model TEXT COLLATE NOCASE,
  creator TEXT NOT NULL,
  license TEXT NOT NULL COLLATE NOCASE,
  commercial INTEGER,
  derivatives INTEGER,
  ai_training TEXT,
  width INTEGER,
  height INTEGER,
  created INTEGER NOT NULL,
  has_parents INTEGER NOT NULL,
  title TEXT,
  price INTEGER,
  currency TEXT,
  chain_id INTEGER,
  royalty_bps INTEGER,
  has_anchor INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS statements (idx INTEGER PRIMARY KEY, creator TEXT NOT NULL, cid TEXT NOT NULL, created INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS facet_counts (facet TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (facet, value)) STRICT, WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS assets_fts USING fts5(title, description, prompt, content='', tokenize='unicode61 remove_diacritics 2');
`

/** Equality filters with an index (column, created, id), by facet name. */
const facetColumns = {
  mediaType: 'media_type',
  mediaClass: 'media_class',
  sourceType: 'source_type',
  source: 'source_group',
  model: 'model',
  creator: 'creator',
  license: 'license',
  commercial: 'commercial',
  derivatives: 'derivatives',
  aiTraining: 'ai_training',
  hasParents: 'has_parents',
} as const
type Facet = keyof typeof facetColumns
/** High-cardinality facets: no counts kept (a value matches few rows; the index is always good). */
const uncountedFacets = new Set<Facet>(['model', 'creator'])

const indexes = [
  'CREATE INDEX IF NOT EXISTS assets_created ON assets (created, id)',
  ...Object.values(facetColumns).map((c) => `CREATE INDEX IF NOT EXISTS assets_${c} ON assets (${c}, created, id)`),
  'CREATE INDEX IF NOT EXISTS assets_width ON assets (width)',
  'CREATE INDEX IF NOT EXISTS assets_height ON assets (height)',
  'CREATE INDEX IF NOT EXISTS assets_price ON assets (price) WHERE price IS NOT NULL',
  'CREATE INDEX IF NOT EXISTS statements_creator ON statements (creator, idx)',
]

export type SearchIndexOptions = {
  path: string
  /** Bulk loads (the benchmark): create secondary indexes only in `finishBulkLoad()`. */
  deferIndexes?: boolean | undefined
}

export type SearchIndex = ReturnType<typeof createSearchIndex>

export function createSearchIndex(options: SearchIndexOptions) {
  let db: Database.Database
  try {
    db = new Database(options.path)
  } catch (cause) {
    throw new MintmarkError('STORE_IO', 'Could not open the search index.', { cause })
  }
  // Derived data: a lost tail is re-derived from the log on the next catch-up.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('cache_size = -65536')
  db.pragma('mmap_size = 1073741824')
  db.pragma('temp_store = MEMORY')
  db.exec(schema)
  if (!options.deferIndexes) for (const sql of indexes) db.exec(sql)

  const insertAsset = db.prepare(
    `INSERT OR IGNORE INTO assets (id, cid, media_type, media_class, source_type, source_group, model, creator, license, commercial, derivatives,
      ai_training, width, height, created, has_parents, title, price, currency, chain_id, royalty_bps, has_anchor)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertFts = db.prepare('INSERT INTO assets_fts (rowid, title, description, prompt) VALUES (?, ?, ?, ?)')
  const insertStatement = db.prepare('INSERT OR IGNORE INTO statements (idx, creator, cid, created) VALUES (?, ?, ?, ?)')
  const bumpFacet = db.prepare('INSERT INTO facet_counts (facet, value, n) VALUES (?, ?, 1) ON CONFLICT (facet, value) DO UPDATE SET n = n + 1')
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
  const countAssets = db.prepare('SELECT COUNT(*) FROM assets').pluck()
  const statementsOf = db.prepare('SELECT idx, cid, created FROM statements WHERE creator = ? AND idx > ? ORDER BY idx LIMIT ?')

  // Facet counts in memory (for choosing the index); reloaded after bulk loads.
  let counts = new Map<string, number>()
  let total = 0
  function loadCounts(): void {
    counts = new Map((db.prepare('SELECT facet, value, n FROM facet_counts').all() as { facet: string; value: string; n: number }[]).map((r) => [`${r.facet}\u0000${r.value}`, r.n]))
    total = countAssets.get() as number
  }
  loadCounts()

  // In a bulk load the per-value counts are recounted once at the end (finishBulkLoad).
  let bulk = options.deferIndexes ?? false
  function recountFacets(): void {
    db.exec('DELETE FROM facet_counts')
    for (const [facet, col] of Object.entries(facetColumns)) {
      if (uncountedFacets.has(facet as Facet)) continue
      const expr = facet === 'license' ? `lower(${col})` : col
      db.prepare(`INSERT INTO facet_counts (facet, value, n) SELECT ?, COALESCE(CAST(${expr} AS TEXT), 'null'), COUNT(*) FROM assets GROUP BY ${expr}`).run(facet)
    }
  }

  const b = (v: boolean | null | undefined) => (v === null || v === undefined ? null : v ? 1 : 0)

  function insertRowsNoTx(rows: readonly SearchRow[]): number {
    let added = 0
    for (const r of rows) {
      const mediaClass = mediaClassOf(r.mediaType)
      const group = sourceGroupOf(r.sourceType as never)
      const res = insertAsset.run(
        r.id, r.cid, r.mediaType, mediaClass, r.sourceType, group, r.model, r.creator, r.license, b(r.commercial), b(r.derivatives),
        r.aiTraining, r.width, r.height, r.created, r.hasParents ? 1 : 0, r.title, r.price ?? null, r.currency ?? null, r.chainId ?? null,
        r.royaltyBps ?? null, b(r.hasAnchor),
      )
      if (!res.changes) continue
      added++
      if (r.title || r.description || r.prompt) insertFts.run(r.id, r.title ?? null, r.description ?? null, r.prompt ?? null)
      const facets: [Facet, unknown][] = [
        ['mediaType', r.mediaType], ['mediaClass', mediaClass], ['sourceType', r.sourceType], ['source', group], ['license', r.license.toLowerCase()],
        ['commercial', b(r.commercial)], ['derivatives', b(r.derivatives)], ['aiTraining', r.aiTraining], ['hasParents', r.hasParents ? 1 : 0],
      ]
      for (const [f, v] of facets) {
        const key = `${f}\u0000${String(v)}`
        if (!bulk) bumpFacet.run(f, String(v))
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
      total++
    }
    return added
  }

  const insertRowsTx = db.transaction((rows: readonly SearchRow[]) => insertRowsNoTx(rows))

  /** Rows derived from log entries (statement rows for each; asset rows for first claims). */
  const applyEntriesTx = db.transaction((entries: readonly { index: number; entry: LogEntry }[], cursor: number, meta: Readonly<Record<string, string>>) => {
    const { statements, rows } = searchRowsOf(entries)
    for (const st of statements) insertStatement.run(st.idx, st.creator, st.cid, st.created)
    insertRowsNoTx(rows)
    setMeta.run('cursor', String(cursor))
    for (const [k, v] of Object.entries(meta)) setMeta.run(k, v)
  })

  return {
    path: options.path,
    /** The next log index to index. */
    cursor: (): number => Number(getMeta.get('cursor') ?? 0),
    getMeta: (key: string): string | undefined => getMeta.get(key) as string | undefined,
    setMeta: (key: string, value: string): void => void setMeta.run(key, value),
    /** Inserts asset rows directly (bulk loads and tests); existing ids are kept. */
    insertRows(rows: readonly SearchRow[]): number {
      return insertRowsTx(rows)
    },
    /** Indexes decoded entries and advances the cursor (and sets `meta`), in one transaction. */
    applyEntries(entries: readonly { index: number; entry: LogEntry }[], cursor: number, meta: Readonly<Record<string, string>> = {}): void {
      applyEntriesTx(entries, cursor, meta)
    },
    /** Creates the deferred indexes and refreshes the planner's statistics. */
    finishBulkLoad(): void {
      for (const sql of indexes) db.exec(sql)
      recountFacets()
      db.exec('ANALYZE')
      bulk = false
      loadCounts()
    },
    analyze(): void {
      db.exec('ANALYZE')
    },
    size: (): number => total,
    search: (query: SearchQuery): SearchResult => runSearch(db, query, counts),
    /** Explains the plan of a query (for the benchmark and tests). */
    explain(query: SearchQuery): string[] {
      const { sql, args } = buildSql(query, counts, decodeCursor(query), countMatchesIn(db))
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail)
    },
    statementsBy(creator: string, after: number, limit: number): { idx: number; cid: string; created: number }[] {
      return statementsOf.all(creator, after, limit) as { idx: number; cid: string; created: number }[]
    },
    /** Empties the index (a rebuild from the log follows). */
    reset(): void {
      db.exec('DELETE FROM assets; DELETE FROM statements; DELETE FROM facet_counts; DELETE FROM meta; DELETE FROM assets_fts;')
      counts.clear()
      total = 0
    },
    close(): void {
      db.close()
    },
  }
}

export function rowFromStatement(index: number, entry: LogEntry): SearchRow {
  const s = entry.statement
  const lic = licenceFacts(s)
  return {
    id: index,
    cid: s.asset.cid,
    mediaType: s.asset.mediaType,
    sourceType: s.digitalSourceType,
    model: s.generation?.model.name ?? null,
    creator: s.creator,
    license: lic.license,
    commercial: lic.commercial,
    derivatives: lic.derivatives,
    aiTraining: lic.aiTraining,
    width: s.asset.dimensions?.width ?? null,
    height: s.asset.dimensions?.height ?? null,
    created: Date.parse(s.createdAt),
    hasParents: s.parents.length > 0,
    title: s.asset.title ?? null,
    description: s.asset.description ?? null,
    prompt: s.generation?.prompt ?? null,
  }
}

/** A statement row of the per-creator listing. */
export type SearchStatementRow = { idx: number; creator: string; cid: string; created: number }

/** What a batch of log entries adds: a statement row each, an asset row for each first claim. @internal */
export function searchRowsOf(entries: readonly { index: number; entry: LogEntry }[]): { statements: SearchStatementRow[]; rows: SearchRow[] } {
  const statements: SearchStatementRow[] = []
  const rows: SearchRow[] = []
  for (const { index, entry } of entries) {
    const s = entry.statement
    statements.push({ idx: index, creator: s.creator, cid: s.asset.cid, created: Date.parse(s.createdAt) })
    // Later claims add no row; agents' decision records are statements, not assets to find.
    if (entry.prior?.length || s.asset.mediaType === decisionMediaType) continue
    rows.push(rowFromStatement(index, entry))
  }
  return { statements, rows }
}

/**
 * The search index behind one async interface, with the names of {@link SearchIndex}'s methods:
 * the SQLite file (through {@link toSearchState}) or PostgreSQL (`createPostgresSearchState` in
 * search/postgres-search.ts, shared by every API node). The same query gives the same hits and
 * cursors on both, except the order within `sort=relevance` (bm25 there, ts_rank here).
 */
export type SearchState = {
  /** The next log index to index. */
  cursor(): Promise<number>
  getMeta(key: string): Promise<string | undefined>
  setMeta(key: string, value: string): Promise<void>
  /** Inserts asset rows directly (bulk loads and tests); existing ids (or CIDs) are kept. Returns how many were added. */
  insertRows(rows: readonly SearchRow[]): Promise<number>
  /**
   * Indexes decoded entries, advances the cursor to `cursor` and sets `meta`, in one transaction.
   * On PostgreSQL a batch another node already indexed (the stored cursor is at or past `cursor`)
   * is skipped whole.
   */
  applyEntries(entries: readonly { index: number; entry: LogEntry }[], cursor: number, meta?: Readonly<Record<string, string>>): Promise<void>
  /** After a bulk load: the deferred indexes, counts and planner statistics. */
  finishBulkLoad(): Promise<void>
  analyze(): Promise<void>
  /** Assets in the index. */
  size(): Promise<number>
  search(query: SearchQuery): Promise<SearchResult>
  /** The plan of a query, one line per step (for the benchmark and tests). */
  explain(query: SearchQuery): Promise<string[]>
  statementsBy(creator: string, after: number, limit: number): Promise<{ idx: number; cid: string; created: number }[]>
  /** Empties the index (a rebuild from the log follows). */
  reset(): Promise<void>
  close(): Promise<void>
}

/** The SQLite search index seen through {@link SearchState}; closing it closes the file. */
export function toSearchState(index: SearchIndex): SearchState {
  const run = settleSync
  return {
    cursor: () => run(() => index.cursor()),
    getMeta: (key) => run(() => index.getMeta(key)),
    setMeta: (key, value) => run(() => index.setMeta(key, value)),
    insertRows: (rows) => run(() => index.insertRows(rows)),
    applyEntries: (entries, cursor, meta) => run(() => index.applyEntries(entries, cursor, meta)),
    finishBulkLoad: () => run(() => index.finishBulkLoad()),
    analyze: () => run(() => index.analyze()),
    size: () => run(() => index.size()),
    search: (query) => run(() => index.search(query)),
    explain: (query) => run(() => index.explain(query)),
    statementsBy: (creator, after, limit) => run(() => index.statementsBy(creator, after, limit)),
    reset: () => run(() => index.reset()),
    close: () => run(() => index.close()),
  }
}

/** How rows are derived from entries; an index built by another derivation is rebuilt. 2: agent decisions are not assets. */
const derivation = '2'

/**
 * Catches the index up with the log from its cursor, in batches (yielding to the event loop
 * between them). Detects a different log (origin, or the leaf last indexed) and rebuilds. Several
 * processes may catch one shared index up at once: each batch records its last leaf with its
 * index in the same transaction as the cursor, so the check never mixes two writers' values.
 */
export async function catchUpSearchIndex(
  index: SearchState,
  store: Pick<AsyncLogStore, 'size' | 'getEntries' | 'getEntry'>,
  logOrigin: string,
  options: { batch?: number } = {},
): Promise<number> {
  const origin = await index.getMeta('origin')
  let cursor = await index.cursor()
  const size = await store.size()
  const leafAt = async (i: number) => Buffer.from((await store.getEntry(i))?.leafHash ?? new Uint8Array()).toString('hex')
  const stale = (await index.getMeta('derivation')) !== derivation
  let mismatch = false
  if (!stale && origin === logOrigin && cursor <= size && cursor > 0) {
    // `<index>:<hex>` (any writer's last batch, self-consistent), or the older `<hex>` of leaf cursor − 1.
    const last = (await index.getMeta('last_leaf')) ?? ''
    const colon = last.indexOf(':')
    const at = colon < 0 ? cursor - 1 : Number(last.slice(0, colon))
    mismatch = !Number.isSafeInteger(at) || at < 0 || at >= size || last.slice(colon + 1) !== (await leafAt(at))
  }
  if (stale || (origin !== undefined && origin !== logOrigin) || cursor > size || mismatch) {
    await index.reset()
    cursor = 0
  }
  if (origin !== logOrigin) await index.setMeta('origin', logOrigin)
  if (stale) await index.setMeta('derivation', derivation)
  const batch = options.batch ?? 2000
  let done = 0
  while (cursor < size) {
    const to = Math.min(size, cursor + batch)
    const stored = await store.getEntries(cursor, to)
    const decoded = stored.map((e) => ({ index: e.index, entry: decodeLogEntry(e.data) }))
    const last = stored.at(-1)
    await index.applyEntries(decoded, to, last ? { last_leaf: `${last.index}:${Buffer.from(last.leafHash).toString('hex')}` } : {})
    done += to - cursor
    cursor = to
    if (cursor < size) await yieldToLoop()
  }
  return done
}

// --- queries ---------------------------------------------------------------------------------

/** s: sort; f: filter hash; c/i: keyset (created, id); o: offset (relevance); m: 'log' when a broad text query pages in log order. */
export type Cursor = { v: 1; s: string; f: string; c?: number; i?: number; o?: number; m?: 'log' }

/** A text query matching at least this many assets pages in log order instead of sorting every match by created. */
export const broadMatchThreshold = 10_000
/** Matches scanned per log-order page, newest first. */
export const matchWindow = 20_000
/** Matches ranked by bm25 for sort=relevance (the newest ones): exact below this many matches. */
export const rankWindow = 10_000

/** The part of a query a cursor is bound to: every filter and the sort, not the page size. */
/** @internal */
export function filterHash(q: SearchQuery): string {
  const { cursor, limit, ...rest } = q
  return createHash('sha256').update(canonicalize(JSON.parse(JSON.stringify(rest)))).digest('base64url').slice(0, 12)
}

/** @internal */
export function sortOf(q: SearchQuery): 'created' | 'created-asc' | 'relevance' {
  return q.sort ?? (q.q ? 'relevance' : 'created')
}

/** The query's cursor, checked against the query (CURSOR_INVALID). @internal */
export function decodeCursor(q: SearchQuery): Cursor | undefined {
  if (q.cursor === undefined) return undefined
  let c: Cursor
  try {
    c = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as Cursor
  } catch {
    throw new MintmarkError('CURSOR_INVALID', 'The cursor is not one this server issued.')
  }
  const ok =
    c && c.v === 1 && typeof c.s === 'string' && typeof c.f === 'string' &&
    (c.s === 'relevance'
      ? Number.isSafeInteger(c.o) && (c.o as number) >= 0 && (c.o as number) <= 10_000
      : c.m === 'log'
        ? Number.isSafeInteger(c.i)
        : Number.isSafeInteger(c.c) && Number.isSafeInteger(c.i))
  if (!ok) throw new MintmarkError('CURSOR_INVALID', 'The cursor is not one this server issued.')
  if (c.s !== sortOf(q) || c.f !== filterHash(q)) throw new MintmarkError('CURSOR_INVALID', 'The cursor belongs to a different query or sort.')
  return c
}

/** @internal */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

/** FTS5 query from free text: each word quoted (no operators from users), all required. */
export function ftsQuery(text: string): string | undefined {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}_]+/gu)?.slice(0, 16) ?? []
  if (!words.length) return undefined
  return words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ')
}

function buildSql(q: SearchQuery, counts: Map<string, number>, cursor: Cursor | undefined, countMatches: (match: string, cap: number) => number) {
  const where: string[] = []
  const args: unknown[] = []
  // Equality facets with their values, to pick the index.
  const eq: { facet: Facet; value: unknown }[] = []
  const addEq = (facet: Facet, value: unknown) => {
    where.push(`a.${facetColumns[facet]} = ?`)
    args.push(value)
    eq.push({ facet, value })
  }
  if (q.mediaType !== undefined) {
    const mt = q.mediaType.toLowerCase()
    if (mt.endsWith('/*') || !mt.includes('/')) addEq('mediaClass', mt.replace(/\/\*$/, ''))
    else addEq('mediaType', mt)
  }
  if (q.sourceType !== undefined) addEq('sourceType', q.sourceType)
  if (q.source !== undefined) addEq('source', q.source)
  if (q.model !== undefined) addEq('model', q.model)
  if (q.creator !== undefined) addEq('creator', q.creator)
  if (q.license !== undefined) addEq('license', q.license.toLowerCase())
  if (q.commercialUse !== undefined) addEq('commercial', q.commercialUse ? 1 : 0)
  if (q.derivatives !== undefined) addEq('derivatives', q.derivatives ? 1 : 0)
  if (q.aiTraining !== undefined) addEq('aiTraining', q.aiTraining)
  if (q.hasParents !== undefined) addEq('hasParents', q.hasParents ? 1 : 0)
  const ranges: { col: string; est: number }[] = []
  if (q.minWidth !== undefined) {
    where.push('a.width >= ?')
    args.push(q.minWidth)
    ranges.push({ col: 'width', est: Number.POSITIVE_INFINITY })
  }
  if (q.minHeight !== undefined) {
    where.push('a.height >= ?')
    args.push(q.minHeight)
    ranges.push({ col: 'height', est: Number.POSITIVE_INFINITY })
  }
  if (q.createdAfter !== undefined) {
    where.push('a.created >= ?')
    args.push(Date.parse(q.createdAfter))
  }
  if (q.createdBefore !== undefined) {
    where.push('a.created < ?')
    args.push(Date.parse(q.createdBefore))
  }
  if (q.minPrice !== undefined) {
    where.push('a.price >= ?')
    args.push(q.minPrice)
  }
  if (q.maxPrice !== undefined) {
    where.push('a.price <= ?')
    args.push(q.maxPrice)
  }
  if (q.currency !== undefined) {
    where.push('a.currency = ?')
    args.push(q.currency)
  }
  if (q.chainId !== undefined) {
    where.push('a.chain_id = ?')
    args.push(q.chainId)
  }
  if (q.maxRoyaltyBps !== undefined) {
    where.push('a.royalty_bps <= ?')
    args.push(q.maxRoyaltyBps)
  }
  if (q.hasAnchor !== undefined) {
    where.push(q.hasAnchor ? 'a.has_anchor = 1' : '(a.has_anchor IS NULL OR a.has_anchor = 0)')
  }

  const sort = sortOf(q)
  const limit = q.limit ?? 20
  const match = q.q === undefined ? undefined : ftsQuery(q.q)
  if (q.q !== undefined && match === undefined) throw new MintmarkError('INPUT_INVALID', 'The search text has no words to search for.', { fields: ['q'] })
  if (sort === 'relevance' && match === undefined) throw new MintmarkError('INPUT_INVALID', 'sort=relevance needs a search text (q).', { fields: ['sort'] })

  const cols = `a.id, a.cid, a.media_type, a.source_type, a.source_group, a.model, a.creator, a.license, a.commercial, a.derivatives, a.ai_training,
    a.width, a.height, a.created, a.has_parents, a.title, a.price, a.currency, a.chain_id, a.royalty_bps, a.has_anchor`
  if (sort === 'relevance') {
    // bm25 over the newest `rankWindow` matches: exact for all but very broad terms.
    const offset = cursor?.o ?? 0
    const sql = `SELECT ${cols}, f.rank AS rank FROM (SELECT rowid, rank FROM assets_fts WHERE assets_fts MATCH ? ORDER BY rowid DESC LIMIT ${rankWindow}) f
      CROSS JOIN assets a ON a.id = f.rowid${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY f.rank, a.id LIMIT ? OFFSET ?`
    return { sql, args: [match, ...args, limit + 1, offset], sort, limit, offset, mode: 'rank' as const }
  }
  const desc = sort === 'created'
  if (match !== undefined) {
    const broad = cursor ? cursor.m === 'log' : countMatches(match, broadMatchThreshold) >= broadMatchThreshold
    const filters = where.length ? ` WHERE ${where.join(' AND ')}` : ''
    if (broad) {
      // Log order (registration order), scanning at most `matchWindow` matches per page.
      const after = cursor?.i
      const op = desc ? '<' : '>'
      const sql = `SELECT ${cols} FROM (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?${after === undefined ? '' : ` AND rowid ${op} ?`} ORDER BY rowid ${desc ? 'DESC' : 'ASC'} LIMIT ${matchWindow}) f
        CROSS JOIN assets a ON a.id = f.rowid${filters} ORDER BY a.id ${desc ? 'DESC' : 'ASC'} LIMIT ?`
      return { sql, args: [match, ...(after === undefined ? [] : [after]), ...args, limit + 1], sort, limit, offset: 0, mode: 'log' as const, match }
    }
    if (cursor) {
      where.push(desc ? '(a.created < ? OR (a.created = ? AND a.id < ?))' : '(a.created > ? OR (a.created = ? AND a.id > ?))')
      args.push(cursor.c, cursor.c, cursor.i)
    }
    // Few matches: take them all, filter, sort.
    const sql = `SELECT ${cols} FROM (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?) f CROSS JOIN assets a ON a.id = f.rowid${
      where.length ? ` WHERE ${where.join(' AND ')}` : ''
    } ORDER BY a.created ${desc ? 'DESC' : 'ASC'}, a.id ${desc ? 'DESC' : 'ASC'} LIMIT ?`
    return { sql, args: [match, ...args, limit + 1], sort, limit, offset: 0, mode: 'created' as const }
  }
  if (cursor) {
    where.push(desc ? '(a.created < ? OR (a.created = ? AND a.id < ?))' : '(a.created > ? OR (a.created = ? AND a.id > ?))')
    args.push(cursor.c, cursor.c, cursor.i)
  }
  // Index choice: the equality facet with the fewest rows walks in created order; a range filter
  // on width/height is used (with a sort) only when no facet narrows things down.
  let indexed = ''
  let best: { facet: Facet; n: number } | undefined
  for (const e of eq) {
    const n = uncountedFacets.has(e.facet) ? 0 : (counts.get(`${e.facet}\u0000${String(e.value)}`) ?? 0)
    if (!best || n < best.n) best = { facet: e.facet, n }
  }
  if (best) indexed = ` INDEXED BY assets_${facetColumns[best.facet]}`
  else if (ranges.length === 0) indexed = ' INDEXED BY assets_created'
  const dir = desc ? 'DESC' : 'ASC'
  const sql = `SELECT ${cols} FROM assets a${indexed}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created ${dir}, a.id ${dir} LIMIT ?`
  return { sql, args: [...args, limit + 1], sort, limit, offset: 0, mode: 'created' as const }
}

/** An asset row as read back (booleans as 0/1). @internal */
export type SearchDbRow = {
  id: number
  cid: string
  media_type: string
  source_type: string
  source_group: string
  model: string | null
  creator: string
  license: string
  commercial: number | null
  derivatives: number | null
  ai_training: string | null
  width: number | null
  height: number | null
  created: number
  has_parents: number
  title: string | null
  price: number | null
  currency: string | null
  chain_id: number | null
  royalty_bps: number | null
  has_anchor: number | null
}

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>()

function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCache.get(db)
  if (!cache) statementCache.set(db, (cache = new Map()))
  let stmt = cache.get(sql)
  if (!stmt) {
    stmt = db.prepare(sql)
    if (cache.size > 512) cache.clear()
    cache.set(sql, stmt)
  }
  return stmt
}

function countMatchesIn(db: Database.Database) {
  return (match: string, cap: number): number =>
    prepared(db, `SELECT count(*) FROM (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ? LIMIT ${cap})`).pluck().get(match) as number
}

function runSearch(db: Database.Database, q: SearchQuery, counts: Map<string, number>): SearchResult {
  const cursor = decodeCursor(q)
  const built = buildSql(q, counts, cursor, countMatchesIn(db))
  const { sql, args, sort, limit, offset } = built
  const rows = prepared(db, sql).all(...args) as SearchDbRow[]
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  const last = page[page.length - 1]
  let nextCursor: string | null = null
  const f = filterHash(q)
  if (built.mode === 'log') {
    // A page may come back short when the filters are selective: continue after the scanned window.
    const after = cursor?.m === 'log' ? cursor.i : undefined
    if (more && last) nextCursor = encodeCursor({ v: 1, s: sort, f, m: 'log', i: last.id })
    else {
      const desc = sort === 'created'
      const edge = prepared(
        db,
        `SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?${after === undefined ? '' : ` AND rowid ${desc ? '<' : '>'} ?`} ORDER BY rowid ${desc ? 'DESC' : 'ASC'} LIMIT 1 OFFSET ${matchWindow - 1}`,
      )
        .pluck()
        .get(...[built.match, ...(after === undefined ? [] : [after])]) as number | undefined
      if (edge !== undefined) nextCursor = encodeCursor({ v: 1, s: sort, f, m: 'log', i: edge })
    }
  } else if (more && last) {
    nextCursor = sort === 'relevance' ? encodeCursor({ v: 1, s: sort, f, o: offset + limit }) : encodeCursor({ v: 1, s: sort, f, c: last.created, i: last.id })
    if (sort === 'relevance' && offset + limit > 10_000) nextCursor = null
  }
  return { items: page.map(searchHitOf), nextCursor }
}

/** The API's hit for a row. @internal */
export function searchHitOf(r: SearchDbRow): SearchHit {
  const bool = (v: number | null) => (v === null ? null : v === 1)
  return {
    cid: r.cid,
    logIndex: r.id,
    mediaType: r.media_type,
    title: r.title,
    creator: r.creator,
    createdAt: new Date(r.created).toISOString(),
    digitalSourceType: r.source_type,
    sourceGroup: r.source_group,
    model: r.model,
    license: r.license,
    commercialUse: bool(r.commercial),
    derivatives: bool(r.derivatives),
    aiTraining: r.ai_training,
    width: r.width,
    height: r.height,
    hasParents: r.has_parents === 1,
    price: r.price,
    currency: r.currency,
    chainId: r.chain_id,
    royaltyBps: r.royalty_bps,
    hasAnchor: bool(r.has_anchor),
  }
}
