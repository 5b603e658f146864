import { MintmarkError, rootPlan } from '@mintmark/core'
import pg from 'pg'
import type { AppIndexStore } from '../app-index-store.js'
import { type AssetRow, type AsyncLogStore, assertSameCheckpoint, assertTreeSize } from '../log-store.js'
import type { AppendResult, C2paEvidenceRow, FingerprintRow, LineageEdge, StoredCheckpoint, StoredEntry } from '../sqlite/sqlite-store.js'
import { createPostgresAppIndex } from './app-index.js'
import { WriteSet, appendLocked, lockLogState, readNodes } from './append.js'
import { storeCall, toStoreError } from './errors.js'
import { migratePostgres } from './migrate.js'
import { inTransaction } from './transaction.js'

export type PostgresLogStoreOptions = {
  /** `postgres://user@host:port/db`; or give the same fields in `pool`. */
  connectionString?: string | undefined
  /** Pool settings (size, ssl, timeouts…); merged over `connectionString`. */
  pool?: pg.PoolConfig | undefined
  /** Name this process in `pg_stat_activity` (default `mintmark`). */
  applicationName?: string | undefined
}

export type SequencerState = { size: number; epoch: number; holder: string | null; takenAt: Date | null }

/**
 * The PostgreSQL store: the log ({@link AsyncLogStore}), the app's index rows
 * ({@link AppIndexStore}; together the `AsyncStore`), and what the queue and the sequencer need.
 */
export type PostgresLogStore = AsyncLogStore & AppIndexStore & {
  /** The store's connection pool (appends, reads, the queue). */
  readonly pool: pg.Pool
  /** A new client outside the pool, for a dedicated session (the sequencer's lock); the caller connects and ends it. */
  createClient(overrides?: pg.ClientConfig): pg.Client
  /** The log size, the sequencer epoch (fencing token) and who took it last. */
  sequencerState(): Promise<SequencerState>
}

/**
 * Opens the PostgreSQL log store: connects, refuses a server that would lose acknowledged
 * records (`fsync`, `full_page_writes` off or `synchronous_commit=off`: STORE_PRAGMA_MISMATCH),
 * and applies the numbered migrations (concurrent openers are safe). Unreachable server: STORE_IO.
 *
 * In a deployment with several API nodes, register through the queue ({@link createLogQueue})
 * and let one sequencer append; `appendEntries` here appends directly (one writer, and tests).
 *
 * @example
 * ```ts
 * import { createPostgresLogStore } from '@mintmark/storage/postgres'
 * const log = await createPostgresLogStore({ connectionString: 'postgres://mintmark@127.0.0.1/mintmark' })
 * console.log(await log.size())
 * await log.close()
 * ```
 */
export async function createPostgresLogStore(options: PostgresLogStoreOptions): Promise<PostgresLogStore> {
  const clientConfig: pg.ClientConfig = {
    ...(options.connectionString ? { connectionString: options.connectionString } : {}),
    ...options.pool,
    application_name: options.applicationName ?? options.pool?.application_name ?? 'mintmark',
    types: pgTypes,
    // Notice a dead server or peer on idle connections too.
    keepAlive: true,
    // A process paused or hung inside a transaction must not hold the log_state row lock (and so
    // block a takeover) for long: the server aborts such a transaction.
    idle_in_transaction_session_timeout: options.pool?.idle_in_transaction_session_timeout ?? 10_000,
  }
  const pool = new pg.Pool({ max: 10, ...clientConfig, ...(options.pool?.max ? { max: options.pool.max } : {}) })
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // would crash the process. The next query on a fresh client reports STORE_IO instead.
  pool.on('error', () => {})
  try {
    await assertDurableSettings(pool)
    await migratePostgres(pool)
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }

  const one = async <R extends pg.QueryResultRow>(what: string, sql: string, values: unknown[] = []): Promise<R | undefined> =>
    storeCall(what, async () => (await pool.query<R>(sql, values)).rows[0])
  const all = async <R extends pg.QueryResultRow>(what: string, sql: string, values: unknown[] = []): Promise<R[]> =>
    storeCall(what, async () => (await pool.query<R>(sql, values)).rows)
  const size = async (): Promise<number> => ((await one<{ size: number }>('read the log size', 'SELECT size FROM log_state WHERE id'))?.size ?? 0)
  const entryColumns = 'idx, leaf_hash, data, kind, asset_cid, creator, created_at'

  let closed = false
  return {
    ...createPostgresAppIndex(pool),
    pool,
    createClient: (overrides = {}) => new pg.Client({ ...clientConfig, ...overrides }),
    size,
    getNodes: (ids) => storeCall('read tree nodes', () => readNodes(pool, ids)),
    async rootAt(treeSize) {
      assertTreeSize(treeSize, await size())
      const plan = rootPlan(treeSize)
      return plan.assemble(await storeCall('read tree nodes', () => readNodes(pool, plan.nodes)))
    },
    async appendEntries(drafts): Promise<AppendResult[]> {
      if (!drafts.length) return []
      try {
        return await inTransaction(pool, async (client) => {
          const state = await lockLogState(client)
          const writes = new WriteSet()
          const { results } = await appendLocked(client, state, drafts, writes, { epoch: 0 })
          await writes.run(client)
          return results as AppendResult[]
        })
      } catch (cause) {
        throw toStoreError(cause, 'append entries')
      }
    },
    async getEntry(index) {
      const r = await one<EntryRow>('read an entry', `SELECT ${entryColumns} FROM entries WHERE idx = $1`, [index])
      return r && toEntry(r)
    },
    async getEntries(from, to) {
      return (await all<EntryRow>('read entries', `SELECT ${entryColumns} FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`, [from, to])).map(toEntry)
    },
    async entriesForAsset(cid) {
      return (await all<EntryRow>('read entries', `SELECT ${entryColumns} FROM entries WHERE asset_cid = $1 ORDER BY idx`, [cid])).map(toEntry)
    },
    async entryByStatementHash(statementHash) {
      const r = await one<{ idx: number; leaf_hash: Buffer }>('read an entry', 'SELECT idx, leaf_hash FROM entries WHERE statement_hash = $1', [statementHash])
      return r && { index: r.idx, leafHash: new Uint8Array(r.leaf_hash) }
    },
    async hasClaimBy(cid, creator) {
      return (await one('read entries', 'SELECT 1 FROM entries WHERE asset_cid = $1 AND creator = $2 LIMIT 1', [cid, creator])) !== undefined
    },
    async claimedAmong(cids, creator) {
      if (cids.length === 0) return new Set()
      const rows = await all<{ asset_cid: string }>('read entries', 'SELECT DISTINCT asset_cid FROM entries WHERE asset_cid = ANY($1::text[]) AND creator = $2', [cids, creator])
      return new Set(rows.map((r) => r.asset_cid))
    },
    async getAsset(cid): Promise<AssetRow | undefined> {
      const r = await one<{ cid: string; sha256: string; size: number; media_type: string; first_entry: number }>(
        'read an asset',
        'SELECT cid, sha256, size, media_type, first_entry FROM assets WHERE cid = $1',
        [cid],
      )
      return r && { cid: r.cid, sha256: r.sha256, size: r.size, mediaType: r.media_type, firstEntry: r.first_entry }
    },
    async assetCount() {
      return (await one<{ n: number }>('count assets', 'SELECT count(*) AS n FROM assets'))?.n ?? 0
    },
    parentsOf: (cid) =>
      all<LineageEdge>('read lineage', 'SELECT parent_cid AS cid, relation, entry_idx AS "entryIndex" FROM lineage WHERE child_cid = $1 ORDER BY entry_idx, parent_cid, relation', [cid]),
    childrenOf: (cid) =>
      all<LineageEdge>('read lineage', 'SELECT child_cid AS cid, relation, entry_idx AS "entryIndex" FROM lineage WHERE parent_cid = $1 ORDER BY entry_idx, child_cid, relation', [cid]),
    async fingerprintsOf(cid): Promise<FingerprintRow[]> {
      const rows = await all<{ id: number; asset_cid: string; algorithm: string; hash: Buffer; quality: number }>(
        'read fingerprints',
        'SELECT id, asset_cid, algorithm, hash, quality FROM fingerprints WHERE asset_cid = $1 ORDER BY id',
        [cid],
      )
      return rows.map((r) => ({ id: r.id, assetCid: r.asset_cid, algorithm: r.algorithm, hash: new Uint8Array(r.hash), quality: r.quality }))
    },
    async getC2paEvidence(cid): Promise<C2paEvidenceRow | undefined> {
      const r = await one<{
        asset_cid: string
        valid: boolean
        validation_status: string[]
        claim_generator: string | null
        digital_source_type: string | null
        document: string
        entry_idx: number
      }>('read C2PA evidence', 'SELECT * FROM c2pa_evidence WHERE asset_cid = $1', [cid])
      return (
        r && {
          assetCid: r.asset_cid,
          valid: r.valid,
          validationStatus: r.validation_status,
          claimGenerator: r.claim_generator,
          digitalSourceType: r.digital_source_type,
          document: r.document,
          entryIndex: r.entry_idx,
        }
      )
    },
    latestCheckpoint: async () =>
      toCheckpoint(await one<CheckpointRow>('read a checkpoint', 'SELECT size, root_hash, note, created_at FROM checkpoints ORDER BY size DESC LIMIT 1')),
    getCheckpoint: async (s) => toCheckpoint(await one<CheckpointRow>('read a checkpoint', 'SELECT size, root_hash, note, created_at FROM checkpoints WHERE size = $1', [s])),
    checkpointCovering: async (index) =>
      toCheckpoint(
        await one<CheckpointRow>('read a checkpoint', 'SELECT size, root_hash, note, created_at FROM checkpoints WHERE size >= $1 ORDER BY size LIMIT 1', [index + 1]),
      ),
    async putCheckpoint(c) {
      const inserted = await one(
        'store a checkpoint',
        'INSERT INTO checkpoints (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING RETURNING size',
        [c.size, c.rootHash, c.note, c.createdAt],
      )
      if (inserted) return
      const existing = toCheckpoint(await one<CheckpointRow>('read a checkpoint', 'SELECT size, root_hash, note, created_at FROM checkpoints WHERE size = $1', [c.size]))
      if (existing) assertSameCheckpoint(existing, c)
    },
    getMeta: async (key) => (await one<{ value: string }>('read meta', 'SELECT value FROM meta WHERE key = $1', [key]))?.value,
    async setMeta(key, value) {
      await one('write meta', 'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value])
    },
    async sequencerState() {
      const r = await one<{ size: number; epoch: number; holder: string | null; taken_at: Date | null }>(
        'read the sequencer state',
        'SELECT size, epoch, holder, taken_at FROM log_state WHERE id',
      )
      if (!r) throw new MintmarkError('STORE_CORRUPT', 'The PostgreSQL store has no log_state row.')
      return { size: r.size, epoch: r.epoch, holder: r.holder, takenAt: r.taken_at }
    },
    async close() {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
}

/**
 * bigint columns (indices, sizes, counts) as JS numbers: every value the log stores is below
 * 2^53, and numbers keep the two adapters' results identical. Per pool, not global.
 */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
}

/** The server settings without which a committed transaction may not survive a crash. */
async function assertDurableSettings(pool: pg.Pool): Promise<void> {
  const rows = await storeCall('connect', async () => (await pool.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'full_page_writes', 'synchronous_commit')",
  )).rows)
  const s = Object.fromEntries(rows.map((r) => [r.name, r.setting]))
  const bad = [
    s.fsync !== 'on' && `fsync is ${s.fsync}`,
    s.full_page_writes !== 'on' && `full_page_writes is ${s.full_page_writes}`,
    s.synchronous_commit === 'off' && 'synchronous_commit is off',
  ].filter(Boolean)
  if (bad.length)
    throw new MintmarkError('STORE_PRAGMA_MISMATCH', `PostgreSQL is not durable: ${bad.join(', ')}.`, {
      metaMessages: ['Mintmark refuses to run with fsync or full_page_writes off or synchronous_commit=off: acknowledged records could be lost.'],
    })
}

type EntryRow = { idx: number; leaf_hash: Buffer; data: Buffer; kind: string; asset_cid: string | null; creator: string; created_at: string }
type CheckpointRow = { size: number; root_hash: Buffer; note: string; created_at: string }

function toEntry(r: EntryRow): StoredEntry {
  return {
    index: r.idx,
    leafHash: new Uint8Array(r.leaf_hash),
    data: new Uint8Array(r.data),
    kind: r.kind,
    assetCid: r.asset_cid,
    creator: r.creator,
    createdAt: r.created_at,
  }
}

function toCheckpoint(r: CheckpointRow | undefined): StoredCheckpoint | undefined {
  return r && { size: r.size, rootHash: new Uint8Array(r.root_hash), note: r.note, createdAt: r.created_at }
}
