import { MintmarkError } from '@mintmark/core'
import { type ComponentMigration, inTransaction, migratePostgresComponent, type PostgresLogStore, storeCall } from '@mintmark/storage/postgres'
import type { SearchQuery } from '../schemas.js'
import { mediaClassOf, sourceGroupOf } from './classify.js'
import {
  broadMatchThreshold,
  type Cursor,
  type SearchDbRow,
  type SearchRow,
  type SearchState,
  decodeCursor,
  encodeCursor,
  filterHash,
  matchWindow,
  rankWindow,
  searchHitOf,
  searchRowsOf,
  sortOf,
} from './search-index.js'

type Pool = PostgresLogStore['pool']

/**
 * The search index's tables in PostgreSQL (component `search`), the design bench/pg-log.mjs
 * measured over 10M rows: every equality filter has an index (column, created, id), so "filter =
 * v ORDER BY created DESC" walks one index range and stops at the page size; free text is a
 * tsvector of the folded words (the words SQLite's FTS5 tokenizer finds, diacritics removed) with
 * a GIN index. Never edit a shipped migration.
 */
export const searchStateMigrations: readonly ComponentMigration[] = [
  {
    version: 1,
    name: 'search index',
    sql: `
CREATE TABLE search_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE search_assets (
  id bigint PRIMARY KEY,
  cid text NOT NULL UNIQUE,
  media_type text NOT NULL,
  media_class text NOT NULL,
  source_type text NOT NULL,
  source_group text NOT NULL,
  model text,
  creator text NOT NULL,
  license text NOT NULL,
  commercial boolean,
  derivatives boolean,
  ai_training text,
  width integer,
  height integer,
  created bigint NOT NULL,
  has_parents boolean NOT NULL,
  title text,
  price bigint,
  currency text,
  chain_id bigint,
  royalty_bps integer,
  has_anchor boolean,
  words tsvector
);
CREATE INDEX search_assets_created ON search_assets (created, id);
CREATE INDEX search_assets_media_type ON search_assets (media_type, created, id);
CREATE INDEX search_assets_media_class ON search_assets (media_class, created, id);
CREATE INDEX search_assets_source_type ON search_assets (source_type, created, id);
CREATE INDEX search_assets_source_group ON search_assets (source_group, created, id);
-- model and licence match case-insensitively, as SQLite's COLLATE NOCASE columns do.
CREATE INDEX search_assets_model ON search_assets (lower(model), created, id);
CREATE INDEX search_assets_creator ON search_assets (creator, created, id);
CREATE INDEX search_assets_license ON search_assets (lower(license), created, id);
CREATE INDEX search_assets_commercial ON search_assets (commercial, created, id);
CREATE INDEX search_assets_derivatives ON search_assets (derivatives, created, id);
CREATE INDEX search_assets_ai_training ON search_assets (ai_training, created, id);
CREATE INDEX search_assets_has_parents ON search_assets (has_parents, created, id);
CREATE INDEX search_assets_width ON search_assets (width);
CREATE INDEX search_assets_height ON search_assets (height);
CREATE INDEX search_assets_price ON search_assets (price) WHERE price IS NOT NULL;
CREATE INDEX search_assets_words ON search_assets USING gin (words);
CREATE TABLE search_statements (idx bigint PRIMARY KEY, creator text NOT NULL, cid text NOT NULL, created bigint NOT NULL);
CREATE INDEX search_statements_creator ON search_statements (creator, idx);
`,
  },
]

/** Longest word kept (tsvector lexemes are capped; FTS5's are not): index and query cut alike. */
const maxWordLength = 200

/**
 * The words of a text as the index keeps them: what FTS5's unicode61 tokenizer with
 * remove_diacritics 2 yields (runs of letters, digits and private-use characters; underscores
 * separate), compatibility-normalised, without diacritics, lower case.
 */
export function searchWords(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase()
  return (folded.match(/[\p{L}\p{N}\p{Co}]+/gu) ?? []).map((w) => w.slice(0, maxWordLength))
}

/** The tsquery for free text: the same words as `ftsQuery` (at most 16, operators never), all required. Undefined: no words. */
function textQuery(text: string): { query: string; words: string[] } | undefined {
  const terms = text.normalize('NFKC').match(/[\p{L}\p{N}_]+/gu)?.slice(0, 16) ?? []
  if (!terms.length) return undefined
  const words = [...new Set(terms.flatMap(searchWords))]
  // Only letters and digits reach here: quoting is safe. No word at all (e.g. "_"): matches nothing.
  return { query: words.length ? words.map((w) => `'${w}'`).join(' & ') : "''", words }
}

const cols = `a.id, a.cid, a.media_type, a.source_type, a.source_group, a.model, a.creator, a.license, a.commercial::int AS commercial,
  a.derivatives::int AS derivatives, a.ai_training, a.width, a.height, a.created, a.has_parents::int AS has_parents, a.title, a.price, a.currency,
  a.chain_id, a.royalty_bps, a.has_anchor::int AS has_anchor`

/** The statement for a query, in PostgreSQL's dialect; the same cases as the SQLite builder. */
function buildSql(q: SearchQuery, cursor: Cursor | undefined, broadText: (tsquery: string) => Promise<boolean>) {
  const where: string[] = []
  const args: unknown[] = []
  const p = (v: unknown): string => `$${args.push(v)}`
  if (q.mediaType !== undefined) {
    const mt = q.mediaType.toLowerCase()
    if (mt.endsWith('/*') || !mt.includes('/')) where.push(`a.media_class = ${p(mt.replace(/\/\*$/, ''))}`)
    else where.push(`a.media_type = ${p(mt)}`)
  }
  if (q.sourceType !== undefined) where.push(`a.source_type = ${p(q.sourceType)}`)
  if (q.source !== undefined) where.push(`a.source_group = ${p(q.source)}`)
  if (q.model !== undefined) where.push(`lower(a.model) = lower(${p(q.model)})`)
  if (q.creator !== undefined) where.push(`a.creator = ${p(q.creator)}`)
  if (q.license !== undefined) where.push(`lower(a.license) = ${p(q.license.toLowerCase())}`)
  if (q.commercialUse !== undefined) where.push(`a.commercial = ${p(q.commercialUse)}`)
  if (q.derivatives !== undefined) where.push(`a.derivatives = ${p(q.derivatives)}`)
  if (q.aiTraining !== undefined) where.push(`a.ai_training = ${p(q.aiTraining)}`)
  if (q.hasParents !== undefined) where.push(`a.has_parents = ${p(q.hasParents)}`)
  if (q.minWidth !== undefined) where.push(`a.width >= ${p(q.minWidth)}`)
  if (q.minHeight !== undefined) where.push(`a.height >= ${p(q.minHeight)}`)
  if (q.createdAfter !== undefined) where.push(`a.created >= ${p(Date.parse(q.createdAfter))}`)
  if (q.createdBefore !== undefined) where.push(`a.created < ${p(Date.parse(q.createdBefore))}`)
  if (q.minPrice !== undefined) where.push(`a.price >= ${p(q.minPrice)}`)
  if (q.maxPrice !== undefined) where.push(`a.price <= ${p(q.maxPrice)}`)
  if (q.currency !== undefined) where.push(`a.currency = ${p(q.currency)}`)
  if (q.chainId !== undefined) where.push(`a.chain_id = ${p(q.chainId)}`)
  if (q.maxRoyaltyBps !== undefined) where.push(`a.royalty_bps <= ${p(q.maxRoyaltyBps)}`)
  if (q.hasAnchor !== undefined) where.push(q.hasAnchor ? 'a.has_anchor' : '(a.has_anchor IS NULL OR NOT a.has_anchor)')

  const sort = sortOf(q)
  const limit = q.limit ?? 20
  const text = q.q === undefined ? undefined : textQuery(q.q)
  if (q.q !== undefined && text === undefined) throw new MintmarkError('INPUT_INVALID', 'The search text has no words to search for.', { fields: ['q'] })
  if (sort === 'relevance' && text === undefined) throw new MintmarkError('INPUT_INVALID', 'sort=relevance needs a search text (q).', { fields: ['sort'] })
  const desc = sort === 'created'
  const dir = desc ? 'DESC' : 'ASC'
  const keyset = () => {
    if (cursor) where.push(`(a.created, a.id) ${desc ? '<' : '>'} (${p(cursor.c)}::bigint, ${p(cursor.i)}::bigint)`)
  }
  const filters = () => (where.length ? ` WHERE ${where.join(' AND ')}` : '')

  return (async () => {
    if (text !== undefined && sort === 'relevance') {
      // ts_rank over the newest `rankWindow` matches (as bm25 over them in SQLite).
      const offset = cursor?.o ?? 0
      const tq = p(text.query)
      const sql = `SELECT ${cols}, f.rank FROM (SELECT id, ts_rank(words, ${tq}::tsquery) AS rank FROM search_assets WHERE words @@ ${tq}::tsquery ORDER BY id DESC LIMIT ${rankWindow}) f
        JOIN search_assets a ON a.id = f.id${filters()} ORDER BY f.rank DESC, a.id LIMIT ${p(limit + 1)} OFFSET ${p(offset)}`
      return { sql, args, sort, limit, offset, mode: 'rank' as const }
    }
    if (text !== undefined) {
      const broad = cursor ? cursor.m === 'log' : await broadText(text.query)
      if (broad) {
        // Log order, scanning at most `matchWindow` matches per page.
        const tq = p(text.query)
        const after = cursor?.i
        const afterSql = after === undefined ? '' : ` AND id ${desc ? '<' : '>'} ${p(after)}`
        const sql = `SELECT ${cols} FROM (SELECT id FROM search_assets WHERE words @@ ${tq}::tsquery${afterSql} ORDER BY id ${dir} LIMIT ${matchWindow}) f
          JOIN search_assets a ON a.id = f.id${filters()} ORDER BY a.id ${dir} LIMIT ${p(limit + 1)}`
        return { sql, args, sort, limit, offset: 0, mode: 'log' as const, tsquery: text.query }
      }
      where.unshift(`a.words @@ ${p(text.query)}::tsquery`)
    }
    keyset()
    const sql = `SELECT ${cols} FROM search_assets a${filters()} ORDER BY a.created ${dir}, a.id ${dir} LIMIT ${p(limit + 1)}`
    return { sql, args, sort, limit, offset: 0, mode: 'created' as const }
  })()
}

/**
 * {@link SearchState} in PostgreSQL, on the log store's pool (its bigint columns read as
 * numbers), shared by every API node: applying a batch takes a transaction-level advisory lock
 * and skips a batch another node already indexed, or one that would leave a gap. Applies its migrations first; `close()` leaves
 * the pool open.
 */
export async function createPostgresSearchState(pool: Pool): Promise<SearchState> {
  await migratePostgresComponent(pool, 'search', searchStateMigrations)
  const query = async <R extends Record<string, unknown>>(what: string, sql: string, values: unknown[] = []): Promise<R[]> =>
    storeCall(what, async () => (await pool.query(sql, values)).rows as R[])
  const getMeta = async (key: string) => (await query<{ value: string }>('read search meta', 'SELECT value FROM search_meta WHERE key = $1', [key]))[0]?.value
  const setMetaSql = 'INSERT INTO search_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value'

  type Client = Parameters<Parameters<typeof inTransaction>[1]>[0]
  /** Inserts asset rows (existing id or CID kept) and adds what it inserted to the count. */
  async function insertRowsIn(client: Client, rows: readonly SearchRow[]): Promise<number> {
    if (!rows.length) return 0
    const c = (f: (r: SearchRow) => unknown) => rows.map(f)
    const text = (r: SearchRow) => [r.title, r.description, r.prompt].filter((t): t is string => !!t).join(' ')
    const res = await client.query(
      `INSERT INTO search_assets (id, cid, media_type, media_class, source_type, source_group, model, creator, license, commercial, derivatives,
         ai_training, width, height, created, has_parents, title, price, currency, chain_id, royalty_bps, has_anchor, words)
       SELECT r.id, r.cid, r.media_type, r.media_class, r.source_type, r.source_group, r.model, r.creator, r.license, r.commercial, r.derivatives,
         r.ai_training, r.width, r.height, r.created, r.has_parents, r.title, r.price, r.currency, r.chain_id, r.royalty_bps, r.has_anchor,
         CASE WHEN r.words = '' THEN NULL ELSE array_to_tsvector(string_to_array(r.words, ' ')) END
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::boolean[],
         $11::boolean[], $12::text[], $13::integer[], $14::integer[], $15::bigint[], $16::boolean[], $17::text[], $18::bigint[], $19::text[],
         $20::bigint[], $21::integer[], $22::boolean[], $23::text[])
         AS r(id, cid, media_type, media_class, source_type, source_group, model, creator, license, commercial, derivatives, ai_training, width,
           height, created, has_parents, title, price, currency, chain_id, royalty_bps, has_anchor, words)
       ON CONFLICT DO NOTHING`,
      [
        c((r) => r.id),
        c((r) => r.cid),
        c((r) => r.mediaType),
        c((r) => mediaClassOf(r.mediaType)),
        c((r) => r.sourceType),
        c((r) => sourceGroupOf(r.sourceType as never)),
        c((r) => r.model),
        c((r) => r.creator),
        c((r) => r.license),
        c((r) => r.commercial),
        c((r) => r.derivatives),
        c((r) => r.aiTraining),
        c((r) => r.width),
        c((r) => r.height),
        c((r) => r.created),
        c((r) => r.hasParents),
        c((r) => r.title),
        c((r) => r.price ?? null),
        c((r) => r.currency ?? null),
        c((r) => r.chainId ?? null),
        c((r) => r.royaltyBps ?? null),
        c((r) => r.hasAnchor ?? null),
        c((r) => [...new Set(searchWords(text(r)))].join(' ')),
      ],
    )
    const added = res.rowCount ?? 0
    if (added)
      await client.query(
        "INSERT INTO search_meta (key, value) VALUES ('assets', $1) ON CONFLICT (key) DO UPDATE SET value = (search_meta.value::bigint + $1::bigint)::text",
        [String(added)],
      )
    return added
  }

  const broadText = async (tsquery: string): Promise<boolean> =>
    Number(
      (await query<{ n: number }>('search', `SELECT count(*) AS n FROM (SELECT 1 FROM search_assets WHERE words @@ $1::tsquery LIMIT ${broadMatchThreshold}) m`, [tsquery]))[0]
        ?.n ?? 0,
    ) >= broadMatchThreshold

  const toHit = (r: SearchDbRow) =>
    searchHitOf({
      ...r,
      id: Number(r.id),
      created: Number(r.created),
      price: r.price === null ? null : Number(r.price),
      chain_id: r.chain_id === null ? null : Number(r.chain_id),
    })

  return {
    cursor: async () => Number((await getMeta('cursor')) ?? 0),
    getMeta,
    async setMeta(key, value) {
      await query('write search meta', setMetaSql, [key, value])
    },
    insertRows: (rows) => storeCall('index assets', () => inTransaction(pool, (client) => insertRowsIn(client, rows))),
    async applyEntries(entries, cursor, meta = {}) {
      const { statements, rows } = searchRowsOf(entries)
      await storeCall('index log entries', () =>
        inTransaction(pool, async (client) => {
          // One writer at a time. A batch another node has indexed meanwhile is skipped, and so is
          // one that starts past the stored cursor (another node reset the index while this one
          // read the log): applying it would leave a gap below it that nothing fills.
          await client.query("SELECT pg_advisory_xact_lock(hashtextextended('mintmark.search.apply', 0))")
          const current = Number((await client.query("SELECT value FROM search_meta WHERE key = 'cursor'")).rows[0]?.value ?? 0)
          if (current >= cursor || (entries[0]?.index ?? current) > current) return
          if (statements.length)
            await client.query(
              `INSERT INTO search_statements (idx, creator, cid, created) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
               ON CONFLICT DO NOTHING`,
              [statements.map((s) => s.idx), statements.map((s) => s.creator), statements.map((s) => s.cid), statements.map((s) => s.created)],
            )
          await insertRowsIn(client, rows)
          for (const [k, v] of [['cursor', String(cursor)], ...Object.entries(meta)] as const) await client.query(setMetaSql, [k, v])
        }),
      )
    },
    async finishBulkLoad() {
      await query('analyze the search index', 'ANALYZE search_assets')
      await query('analyze the search index', 'ANALYZE search_statements')
    },
    async analyze() {
      await query('analyze the search index', 'ANALYZE search_assets')
    },
    size: async () => Number((await getMeta('assets')) ?? 0),
    async search(q) {
      const cursor = decodeCursor(q)
      const built = await buildSql(q, cursor, broadText)
      const rows = await query<SearchDbRow>('search', built.sql, built.args)
      const { sort, limit, offset } = built
      const more = rows.length > limit
      const page = more ? rows.slice(0, limit) : rows
      const last = page.at(-1)
      const f = filterHash(q)
      let nextCursor: string | null = null
      if (built.mode === 'log') {
        // A short page (selective filters): continue after the scanned window, as SQLite does.
        const after = cursor?.m === 'log' ? cursor.i : undefined
        if (more && last) nextCursor = encodeCursor({ v: 1, s: sort, f, m: 'log', i: Number(last.id) })
        else {
          const desc = sort === 'created'
          const edge = await query<{ id: number }>(
            'search',
            `SELECT id FROM search_assets WHERE words @@ $1::tsquery${after === undefined ? '' : ` AND id ${desc ? '<' : '>'} $2`} ORDER BY id ${desc ? 'DESC' : 'ASC'} LIMIT 1 OFFSET ${matchWindow - 1}`,
            after === undefined ? [built.tsquery] : [built.tsquery, after],
          )
          if (edge[0]) nextCursor = encodeCursor({ v: 1, s: sort, f, m: 'log', i: Number(edge[0].id) })
        }
      } else if (more && last) {
        nextCursor =
          sort === 'relevance' ? encodeCursor({ v: 1, s: sort, f, o: offset + limit }) : encodeCursor({ v: 1, s: sort, f, c: Number(last.created), i: Number(last.id) })
        if (sort === 'relevance' && offset + limit > 10_000) nextCursor = null
      }
      return { items: page.map(toHit), nextCursor }
    },
    async explain(q) {
      const built = await buildSql(q, decodeCursor(q), broadText)
      return (await query<{ 'QUERY PLAN': string }>('explain a search', `EXPLAIN ${built.sql}`, built.args)).map((r) => r['QUERY PLAN'])
    },
    async statementsBy(creator, after, limit) {
      const rows = await query<{ idx: number; cid: string; created: number }>(
        'list statements',
        'SELECT idx, cid, created FROM search_statements WHERE creator = $1 AND idx > $2 ORDER BY idx LIMIT $3',
        [creator, after, limit],
      )
      return rows.map((r) => ({ idx: Number(r.idx), cid: r.cid, created: Number(r.created) }))
    },
    async reset() {
      await storeCall('reset the search index', () =>
        inTransaction(pool, async (client) => {
          await client.query("SELECT pg_advisory_xact_lock(hashtextextended('mintmark.search.apply', 0))")
          await client.query('TRUNCATE search_assets, search_statements, search_meta')
        }),
      )
    },
    async close() {},
  }
}
