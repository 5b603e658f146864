import { type CompactRange, MintmarkError, type NodeId, appendLeaves, rootPlan } from '@mintmark/core'
import type pg from 'pg'
import type { AppendResult, EntryDraft, EntryRef, FingerprintInput } from '../sqlite/sqlite-store.js'

/** The locked log state an append starts from. */
export type LogState = { size: number; epoch: number }

/** A draft whose `build` threw, when the caller asked to skip such drafts instead of failing. */
export type BuildFailure = { error: unknown }

export type AppendLockedReturnType = {
  results: (AppendResult | BuildFailure)[]
  /** The log after the append (its compact range: size and peaks). */
  range: CompactRange
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * Writes gathered into one statement (data-modifying CTEs), so an append costs one round trip
 * to the server however many tables it touches. `p` adds a parameter and returns its placeholder.
 */
export class WriteSet {
  readonly parts: { name: string; sql: string }[] = []
  readonly values: unknown[] = []
  p(value: unknown, type: string): string {
    return `$${this.values.push(value)}::${type}`
  }
  add(name: string, sql: string): void {
    this.parts.push({ name, sql })
  }
  /** Runs every part and then `main` (which may use the same parameters), in one statement. */
  async run<R extends pg.QueryResultRow>(client: pg.ClientBase, main = 'SELECT 1'): Promise<R[]> {
    if (!this.parts.length && main === 'SELECT 1') return []
    const withClause = this.parts.length ? `WITH ${this.parts.map((x) => `${x.name} AS (${x.sql})`).join(',\n')}\n` : ''
    return (await client.query<R>(`${withClause}${main}`, this.values)).rows
  }
}

/**
 * Locks the single `log_state` row for the rest of the transaction and returns it. Every append
 * does this first: appenders are serialised, and an append can compare the epoch it was started
 * under with the current one (fencing).
 */
export async function lockLogState(client: pg.ClientBase): Promise<LogState> {
  const r = await client.query<{ size: number; epoch: number }>('SELECT size, epoch FROM log_state WHERE id FOR UPDATE')
  const row = r.rows[0]
  if (!row) throw new MintmarkError('STORE_CORRUPT', 'The PostgreSQL store has no log_state row.')
  return row
}

/** Reads perfect-subtree hashes in one query, in the order asked; STORE_CORRUPT when one is missing. */
export async function readNodes(client: pg.ClientBase | pg.Pool, ids: readonly NodeId[]): Promise<Uint8Array[]> {
  if (!ids.length) return []
  const r = await client.query<{ ord: number; hash: Buffer | null }>(
    `SELECT t.ord, n.hash FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS t(level, idx, ord)
     LEFT JOIN nodes n ON n.level = t.level AND n.idx = t.idx`,
    [ids.map((n) => n.level), ids.map((n) => n.index)],
  )
  return toNodeHashes(ids, r.rows)
}

function toNodeHashes(ids: readonly NodeId[], rows: readonly { ord: number; hash: Buffer | null }[]): Uint8Array[] {
  const out: Uint8Array[] = new Array(ids.length)
  for (const row of rows) {
    const id = ids[row.ord - 1] as NodeId
    if (!row.hash) throw new MintmarkError('STORE_CORRUPT', `The log is missing tree node (${id.level}, ${id.index}).`)
    out[row.ord - 1] = new Uint8Array(row.hash)
  }
  return out
}

export type AppendLockedOptions = {
  /** Recorded on the entries: the sequencer epoch (0 for a direct append). */
  epoch: number
  /** A draft whose `build` throws gets a {@link BuildFailure} and no index; the others go on. */
  skipFailedBuilds?: boolean | undefined
  /** The queue row of each draft, recorded on its entry. */
  queueSeqs?: readonly number[] | undefined
  /** The compact range at `state.size`, when the caller knows it (saves reading the peaks). */
  range?: CompactRange | undefined
}

/**
 * Appends drafts inside the caller's transaction, after {@link lockLogState}: the same rules as
 * the SQLite store (dedupe by statement hash, earlier entries about the asset passed to `build`,
 * asset, lineage, fingerprint and C2PA rows, every completed tree node). It reads what it needs
 * in one query and adds its writes to `writes`; the caller runs them (with its own) in one
 * statement. Without `skipFailedBuilds`, a `build` error fails the whole group.
 */
export async function appendLocked(
  client: pg.ClientBase,
  state: LogState,
  drafts: readonly EntryDraft[],
  writes: WriteSet,
  options: AppendLockedOptions,
): Promise<AppendLockedReturnType> {
  const existing = new Map<string, EntryRef>()
  const priorByCid = new Map<string, EntryRef[]>()
  const peakIds = options.range && options.range.size === state.size ? [] : rootPlan(state.size).nodes
  let peaks = options.range && options.range.size === state.size ? options.range.peaks : []
  if (drafts.length || peakIds.length) {
    // One read: entries already holding these statements, earlier claims on these assets, and
    // the peaks of the tree (k: which of the three a row answers).
    const cids = [...new Set(drafts.flatMap((d) => (d.assetCid ? [d.assetCid] : [])))]
    const r = await client.query<{ k: 'd' | 'p' | 'n'; sh: Buffer | null; idx: number; hash: Buffer | null; cid: string | null }>(
      `SELECT 'd' AS k, statement_hash AS sh, idx, leaf_hash AS hash, NULL::text AS cid FROM entries WHERE statement_hash = ANY($1::bytea[])
       UNION ALL SELECT 'p', NULL, idx, leaf_hash, asset_cid FROM entries WHERE asset_cid = ANY($2::text[])
       UNION ALL SELECT 'n', NULL, t.ord, n.hash, NULL FROM unnest($3::smallint[], $4::bigint[]) WITH ORDINALITY AS t(level, idx, ord)
         LEFT JOIN nodes n ON n.level = t.level AND n.idx = t.idx`,
      [drafts.map((d) => d.statementHash), cids, peakIds.map((n) => n.level), peakIds.map((n) => n.index)],
    )
    const nodeRows: { ord: number; hash: Buffer | null }[] = []
    for (const row of r.rows) {
      if (row.k === 'd') existing.set(hex(row.sh as Buffer), { index: row.idx, leafHash: new Uint8Array(row.hash as Buffer) })
      else if (row.k === 'p') {
        const list = priorByCid.get(row.cid as string) ?? []
        list.push({ index: row.idx, leafHash: new Uint8Array(row.hash as Buffer) })
        priorByCid.set(row.cid as string, list)
      } else nodeRows.push({ ord: row.idx, hash: row.hash })
    }
    for (const list of priorByCid.values()) list.sort((x, y) => x.index - y.index)
    if (peakIds.length) peaks = toNodeHashes(peakIds, nodeRows)
  }

  const e = {
    idx: [] as number[],
    leaf: [] as Uint8Array[],
    data: [] as Uint8Array[],
    sh: [] as Uint8Array[],
    kind: [] as string[],
    cid: [] as (string | null)[],
    creator: [] as string[],
    created: [] as string[],
    seq: [] as (number | null)[],
  }
  const a = { cid: [] as string[], sha: [] as string[], size: [] as number[], type: [] as string[], first: [] as number[] }
  const l = { child: [] as string[], parent: [] as string[], relation: [] as string[], idx: [] as number[] }
  const fps: { cid: string; fp: FingerprintInput; chunks: number[] }[] = []
  const c2pa = new Map<string, { idx: number; c: NonNullable<EntryDraft['c2pa']> }>()
  const results: (AppendResult | BuildFailure)[] = []
  let next = state.size

  for (const [k, draft] of drafts.entries()) {
    const key = hex(draft.statementHash)
    const known = existing.get(key)
    if (known) {
      results.push({ index: known.index, leafHash: known.leafHash, created: false })
      continue
    }
    const prior = draft.assetCid ? (priorByCid.get(draft.assetCid) ?? []) : []
    let built: { data: Uint8Array; leafHash: Uint8Array }
    let chunks: number[][]
    try {
      built = draft.build(prior.slice())
      if (!(built?.data instanceof Uint8Array) || !(built.leafHash instanceof Uint8Array) || built.leafHash.length !== 32)
        throw new MintmarkError('INPUT_INVALID', 'An entry draft built leaf data without a 32-byte leaf hash.')
      chunks = draft.assetCid ? (draft.fingerprints ?? []).map(fingerprintChunks) : []
    } catch (error) {
      if (!options.skipFailedBuilds) throw error
      results.push({ error })
      continue
    }
    const index = next++
    if (draft.expectIndex !== undefined && draft.expectIndex !== index)
      throw new MintmarkError('LOG_APPEND_CONFLICT', `The entry was prepared for log index ${draft.expectIndex}, but the next index is ${index}.`, {
        metaMessages: ['Another writer appended in between; prepare the entry again.'],
      })
    const ref = { index, leafHash: built.leafHash }
    existing.set(key, ref)
    if (draft.assetCid) priorByCid.set(draft.assetCid, [...prior, ref])
    e.idx.push(index)
    e.leaf.push(built.leafHash)
    e.data.push(built.data)
    e.sh.push(draft.statementHash)
    e.kind.push(draft.kind)
    e.cid.push(draft.assetCid)
    e.creator.push(draft.creator)
    e.created.push(draft.createdAt)
    e.seq.push(options.queueSeqs?.[k] ?? null)
    if (draft.asset) {
      a.cid.push(draft.asset.cid)
      a.sha.push(draft.asset.sha256)
      a.size.push(draft.asset.size)
      a.type.push(draft.asset.mediaType)
      a.first.push(index)
    }
    if (draft.assetCid) {
      for (const p of draft.parents ?? []) {
        l.child.push(draft.assetCid)
        l.parent.push(p.cid)
        l.relation.push(p.relation)
        l.idx.push(index)
      }
      ;(draft.fingerprints ?? []).forEach((fp, f) => fps.push({ cid: draft.assetCid as string, fp, chunks: chunks[f] as number[] }))
      if (draft.c2pa && !c2pa.has(draft.assetCid)) c2pa.set(draft.assetCid, { idx: index, c: draft.c2pa })
    }
    results.push({ index, leafHash: built.leafHash, created: true })
  }

  const { range, nodes } = appendLeaves({ size: state.size, peaks }, e.leaf)
  if (!e.idx.length) return { results, range }

  const w = writes
  // Entries carry the large values (leaf data): one parameter per value, so the driver sends
  // each Buffer as binary rather than an array literal in hex text (twice the size, encoded and
  // parsed on both sides). Every other table goes as arrays through unnest.
  const entryTypes = ['bigint', 'bytea', 'bytea', 'bytea', 'text', 'text', 'text', 'text', 'bigint', 'bigint']
  const entryRows = e.idx.map((idx, k) => [idx, e.leaf[k], e.data[k], e.sh[k], e.kind[k], e.cid[k], e.creator[k], e.created[k], options.epoch, e.seq[k]])
  const entriesHead = 'INSERT INTO entries (idx, leaf_hash, data, statement_hash, kind, asset_cid, creator, created_at, epoch, queue_seq) VALUES'
  if (entryRows.length <= 4000)
    w.add('w_entries', `${entriesHead} ${entryRows.map((row) => `(${row.map((v, c) => w.p(v, entryTypes[c] as string)).join(', ')})`).join(', ')}`)
  // Too many parameters for one statement: the entries go first, in statements of their own.
  else await insertRows(client, entriesHead, entryTypes, entryRows)
  if (a.cid.length)
    w.add(
      'w_assets',
      `INSERT INTO assets (cid, sha256, size, media_type, first_entry)
       SELECT * FROM unnest(${w.p(a.cid, 'text[]')}, ${w.p(a.sha, 'text[]')}, ${w.p(a.size, 'bigint[]')}, ${w.p(a.type, 'text[]')}, ${w.p(a.first, 'bigint[]')})
       ON CONFLICT (cid) DO NOTHING`,
    )
  if (l.child.length)
    w.add(
      'w_lineage',
      `INSERT INTO lineage (child_cid, parent_cid, relation, entry_idx)
       SELECT * FROM unnest(${w.p(l.child, 'text[]')}, ${w.p(l.parent, 'text[]')}, ${w.p(l.relation, 'text[]')}, ${w.p(l.idx, 'bigint[]')})
       ON CONFLICT DO NOTHING`,
    )
  if (fps.length) addFingerprints(w, fps)
  if (c2pa.size) {
    const rows = [...c2pa.entries()]
    w.add(
      'w_c2pa',
      `INSERT INTO c2pa_evidence (asset_cid, valid, validation_status, claim_generator, digital_source_type, document, entry_idx)
       SELECT * FROM unnest(${w.p(rows.map(([cid]) => cid), 'text[]')}, ${w.p(rows.map(([, v]) => v.c.valid), 'boolean[]')},
         ${w.p(rows.map(([, v]) => JSON.stringify(v.c.validationStatus)), 'jsonb[]')}, ${w.p(rows.map(([, v]) => v.c.claimGenerator), 'text[]')},
         ${w.p(rows.map(([, v]) => v.c.digitalSourceType), 'text[]')}, ${w.p(rows.map(([, v]) => v.c.document), 'text[]')}, ${w.p(rows.map(([, v]) => v.idx), 'bigint[]')})
       ON CONFLICT (asset_cid) DO NOTHING`,
    )
  }
  w.add(
    'w_nodes',
    `INSERT INTO nodes (level, idx, hash) SELECT * FROM unnest(${w.p(
      nodes.map((n) => n.level),
      'smallint[]',
    )}, ${w.p(
      nodes.map((n) => n.index),
      'bigint[]',
    )}, ${w.p(
      nodes.map((n) => n.hash),
      'bytea[]',
    )})`,
  )
  w.add('w_size', `UPDATE log_state SET size = ${w.p(range.size, 'bigint')} WHERE id`)
  return { results, range }
}

/**
 * Fingerprints are kept once per (asset, algorithm, hash): duplicates within the group are
 * dropped here, ones already stored by ON CONFLICT; chunk rows go only with the fingerprints this
 * statement inserted (joined on what the insert returns).
 */
function addFingerprints(w: WriteSet, fps: { cid: string; fp: FingerprintInput; chunks: number[] }[]): void {
  const unique = new Map<string, (typeof fps)[number]>()
  for (const f of fps) {
    const key = `${f.cid}\u0000${f.fp.algorithm}\u0000${hex(f.fp.hash)}`
    if (!unique.has(key)) unique.set(key, f)
  }
  const list = [...unique.values()]
  w.add(
    'w_fp',
    `INSERT INTO fingerprints (asset_cid, algorithm, hash, quality)
     SELECT * FROM unnest(${w.p(list.map((f) => f.cid), 'text[]')}, ${w.p(list.map((f) => f.fp.algorithm), 'text[]')},
       ${w.p(list.map((f) => f.fp.hash), 'bytea[]')}, ${w.p(list.map((f) => f.fp.quality), 'integer[]')})
     ON CONFLICT DO NOTHING RETURNING id, asset_cid, algorithm, hash`,
  )
  const c = { cid: [] as string[], alg: [] as string[], hash: [] as Uint8Array[], no: [] as number[], value: [] as number[] }
  for (const f of list)
    f.chunks.forEach((v, i) => {
      c.cid.push(f.cid)
      c.alg.push(f.fp.algorithm)
      c.hash.push(f.fp.hash)
      c.no.push(i)
      c.value.push(v)
    })
  w.add(
    'w_fp_chunks',
    `INSERT INTO fingerprint_index (algorithm, chunk_no, chunk_value, fingerprint_id)
     SELECT f.algorithm, c.no, c.value, f.id FROM w_fp f
     JOIN unnest(${w.p(c.cid, 'text[]')}, ${w.p(c.alg, 'text[]')}, ${w.p(c.hash, 'bytea[]')}, ${w.p(c.no, 'smallint[]')}, ${w.p(c.value, 'integer[]')})
       AS c(cid, alg, hash, no, value) ON c.cid = f.asset_cid AND c.alg = f.algorithm AND c.hash = f.hash`,
  )
}

/**
 * The 16 big-endian 16-bit words of a 256-bit fingerprint, as the SQLite store indexes them
 * (`fingerprintChunkValues`; not imported from there, which would load the SQLite driver).
 * Throws INPUT_INVALID for a hash that is not 32 bytes or a quality outside 0–100.
 */
export function fingerprintChunks(fp: FingerprintInput): number[] {
  if (!(fp.hash instanceof Uint8Array) || fp.hash.length !== 32)
    throw new MintmarkError('INPUT_INVALID', 'A fingerprint hash is 32 bytes.', { fields: ['hash'] })
  if (!Number.isInteger(fp.quality) || fp.quality < 0 || fp.quality > 100)
    throw new MintmarkError('INPUT_INVALID', 'A fingerprint quality is an integer from 0 to 100.', { fields: ['quality'] })
  const out: number[] = []
  for (let i = 0; i < 16; i++) out.push(((fp.hash[2 * i] as number) << 8) | (fp.hash[2 * i + 1] as number))
  return out
}

/**
 * A multi-row INSERT … VALUES with one parameter per value, in chunks under PostgreSQL's 65,535
 * parameters (for rows carrying large bytea values: see the entries insert above).
 */
export async function insertRows(client: pg.ClientBase, head: string, types: readonly string[], rows: readonly unknown[][], tail = ''): Promise<pg.QueryResultRow[]> {
  const perChunk = Math.max(1, Math.floor(60_000 / types.length))
  const out: pg.QueryResultRow[] = []
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk)
    const values: unknown[] = []
    const tuples = chunk.map((row) => `(${types.map((t, k) => `$${values.push(row[k])}::${t}`).join(', ')})`)
    out.push(...(await client.query(`${head} ${tuples.join(', ')} ${tail}`, values)).rows)
  }
  return out
}
