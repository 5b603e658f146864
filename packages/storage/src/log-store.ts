import { MintmarkError, type NodeId, rootPlan } from '@mintmark/core'
import type {
  AppendResult,
  C2paEvidenceRow,
  EntryDraft,
  EntryRef,
  FingerprintRow,
  LineageEdge,
  SqliteStore,
  StoredCheckpoint,
  StoredEntry,
} from './sqlite/sqlite-store.js'

/** An asset as first registered (the first claim's description wins). */
export type AssetRow = { cid: string; sha256: string; size: number; mediaType: string; firstEntry: number }

/**
 * The log and its derived index rows, as the log needs them, behind one async interface: the
 * embedded SQLite store (through {@link toAsyncLogStore}) and PostgreSQL
 * (`createPostgresLogStore` in `@mintmark/storage/postgres`) both implement it, and one
 * conformance suite (`describeLogStore`) runs against each.
 *
 * Every method rejects with a `MintmarkError`: STORE_IO when the database cannot be reached or
 * written (nothing half-written), STORE_CORRUPT for a missing tree node, and the codes listed on
 * the method. Structurally it extends core's `LogStore` port (`size`, `getNodes`).
 */
export type AsyncLogStore = {
  /** Number of leaves in the log. */
  size(): Promise<number>
  /** Hashes of stored perfect subtrees, in the order asked, read in one batch. Missing: STORE_CORRUPT. */
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>
  /** The root of the tree of the first `treeSize` leaves. MERKLE_INDEX_OUT_OF_RANGE when the log is smaller. */
  rootAt(treeSize: number): Promise<Uint8Array>
  /**
   * Appends a group of entries in one transaction, with their tree nodes and asset, lineage,
   * fingerprint and C2PA rows: all of it commits or none. Idempotent per statement hash (the same
   * statement again gets its first index, `created: false`). Each draft's `build` receives the
   * earlier entries about its asset, oldest first, including ones earlier in the same group.
   * A draft prepared for another index fails the group with LOG_APPEND_CONFLICT; an error thrown
   * by `build` fails it too (a MintmarkError keeps its code).
   */
  appendEntries(drafts: readonly EntryDraft[]): Promise<AppendResult[]>
  getEntry(index: number): Promise<StoredEntry | undefined>
  /** Entries with `from <= index < to`, in order (the caller pages: keep ranges to a few thousand). */
  getEntries(from: number, to: number): Promise<StoredEntry[]>
  /** Every entry about an asset, oldest first. */
  entriesForAsset(cid: string): Promise<StoredEntry[]>
  /** The entry holding a statement, by the statement's hash. */
  entryByStatementHash(statementHash: Uint8Array): Promise<EntryRef | undefined>
  /** Whether `creator` has an entry about `cid` (register skips content it already registered). */
  hasClaimBy(cid: string, creator: string): Promise<boolean>
  /** Which of `cids` `creator` has an entry about (`hasClaimBy` for a batch, in one query). */
  claimedAmong(cids: readonly string[], creator: string): Promise<Set<string>>
  getAsset(cid: string): Promise<AssetRow | undefined>
  assetCount(): Promise<number>
  parentsOf(cid: string): Promise<LineageEdge[]>
  childrenOf(cid: string): Promise<LineageEdge[]>
  fingerprintsOf(cid: string): Promise<FingerprintRow[]>
  getC2paEvidence(cid: string): Promise<C2paEvidenceRow | undefined>
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>
  getCheckpoint(size: number): Promise<StoredCheckpoint | undefined>
  /** The smallest stored checkpoint whose tree holds leaf `index`. */
  checkpointCovering(index: number): Promise<StoredCheckpoint | undefined>
  /**
   * Stores a signed checkpoint. The same checkpoint again is a no-op; a different root at a size
   * already checkpointed is LOG_ROOT_MISMATCH (the first one is kept: a log never signs two heads
   * of one size).
   */
  putCheckpoint(checkpoint: StoredCheckpoint): Promise<void>
  getMeta(key: string): Promise<string | undefined>
  setMeta(key: string, value: string): Promise<void>
  close(): Promise<void>
}

/**
 * The embedded SQLite store seen through {@link AsyncLogStore}: a thin wrapper, each call runs
 * the synchronous store method and settles with its result or error. Closing the wrapper closes
 * the store.
 *
 * @example
 * ```ts
 * import { createSqliteStore, toAsyncLogStore } from '@mintmark/storage'
 * const log = toAsyncLogStore(createSqliteStore({ path: 'log.sqlite' }))
 * console.log(await log.size())
 * ```
 */
export function toAsyncLogStore(store: SqliteStore): AsyncLogStore {
  const run = settleSync
  return {
    size: () => run(() => store.size()),
    getNodes: (ids) => run(() => store.getNodes(ids)),
    rootAt: (treeSize) =>
      run(() => {
        assertTreeSize(treeSize, store.size())
        return store.rootAt(treeSize)
      }),
    appendEntries: (drafts) => run(() => store.appendEntries(drafts)),
    getEntry: (index) => run(() => store.getEntry(index)),
    getEntries: (from, to) => run(() => [...store.iterateEntries(from, to)]),
    entriesForAsset: (cid) => run(() => store.entriesForAsset(cid)),
    entryByStatementHash: (hash) => run(() => store.entryByStatementHash(hash)),
    hasClaimBy: (cid, creator) => run(() => store.hasClaimBy(cid, creator)),
    claimedAmong: (cids, creator) => run(() => store.claimedAmong(cids, creator)),
    getAsset: (cid) => run(() => store.getAsset(cid)),
    assetCount: () => run(() => store.assetCount()),
    parentsOf: (cid) => run(() => store.parentsOf(cid)),
    childrenOf: (cid) => run(() => store.childrenOf(cid)),
    fingerprintsOf: (cid) => run(() => store.fingerprintsOf(cid)),
    getC2paEvidence: (cid) => run(() => store.getC2paEvidence(cid)),
    latestCheckpoint: () => run(() => store.latestCheckpoint()),
    getCheckpoint: (size) => run(() => store.getCheckpoint(size)),
    checkpointCovering: (index) => run(() => store.checkpointCovering(index)),
    putCheckpoint: (c) =>
      run(() => {
        // Check, then insert: both run in this one synchronous call, so nothing interleaves in
        // this process; a writer in another process makes the insert fail with STORE_IO instead.
        const existing = store.getCheckpoint(c.size)
        if (existing) return assertSameCheckpoint(existing, c)
        store.putCheckpoint(c)
      }),
    getMeta: (key) => run(() => store.getMeta(key)),
    setMeta: (key, value) => run(() => store.setMeta(key, value)),
    close: () => run(() => store.close()),
  }
}

/**
 * Runs a synchronous call and settles a promise with its result or its error: how the SQLite
 * adapters present their synchronous stores behind the async interfaces (a sync throw becomes a
 * rejection, so callers see one error path for every adapter).
 */
export function settleSync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
}

/** MERKLE_INDEX_OUT_OF_RANGE unless `treeSize` is a size the log has reached. @internal */
export function assertTreeSize(treeSize: number, size: number): void {
  rootPlan(treeSize) // validates the number itself (safe, non-negative integer)
  if (treeSize > size)
    throw new MintmarkError('MERKLE_INDEX_OUT_OF_RANGE', `The log has ${size} entries; there is no tree of size ${treeSize} yet.`)
}

/** No-op for the same checkpoint stored again; LOG_ROOT_MISMATCH for another root at that size. @internal */
export function assertSameCheckpoint(existing: StoredCheckpoint, incoming: StoredCheckpoint): void {
  if (Buffer.compare(Buffer.from(existing.rootHash), Buffer.from(incoming.rootHash)) !== 0)
    throw new MintmarkError('LOG_ROOT_MISMATCH', `A checkpoint with another root is already stored at size ${incoming.size}.`, {
      metaMessages: ['A log never signs two different heads of the same size; the first one is kept.'],
    })
}
