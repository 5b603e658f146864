import { type AsyncLogStore, settleSync, toAsyncLogStore } from './log-store.js'
import type {
  AnchorRow,
  AnchorRowStatus,
  ChainBlockRow,
  ChainEventRow,
  ChainIndexBatch,
  FingerprintCandidateRow,
  FingerprintChunkProbe,
  FingerprintInput,
  FingerprintNearRow,
  OfferRow,
  SqliteStore,
  StoredCheckpoint,
} from './sqlite/sqlite-store.js'

/**
 * What the app keeps next to the log — checkpoint anchors, the chain indexer's state, licence
 * offers, perceptual fingerprints — behind one async interface with the names and types of the
 * SQLite store's methods. The SQLite store (through {@link toAsyncStore}) and the PostgreSQL store
 * (`createPostgresLogStore`) implement it; one conformance suite (`describeAppIndexStore`) runs
 * against both. Failures reject with a `MintmarkError` (STORE_IO, or the code named).
 */
export type AppIndexStore = {
  /** Inserts or replaces the anchor of `(chainId, treeSize)`. An included/final anchor without its transaction and block: STORE_IO. */
  putAnchor(a: AnchorRow): Promise<void>
  getAnchor(chainId: number, treeSize: number): Promise<AnchorRow | undefined>
  /** Anchors ascending by tree size: of one chain (optionally of one status), or all (by chain, then size). */
  listAnchors(filter?: { chainId?: number | undefined; status?: AnchorRowStatus | undefined }): Promise<AnchorRow[]>
  /** The newest stored checkpoint holding leaf `index` that is anchored (included or final), with those anchors by chain. */
  anchoredCheckpointCovering(index: number): Promise<{ checkpoint: StoredCheckpoint; anchors: AnchorRow[] } | undefined>
  /** The chain indexer's last indexed block of a chain; undefined before its first sync. */
  getChainCursor(chainId: number): Promise<number | undefined>
  /** The block hashes kept for a chain, ascending. */
  listChainBlocks(chainId: number): Promise<ChainBlockRow[]>
  /** Adds (or replaces) events and blocks, sets the cursor and prunes blocks below `pruneBelow`, in one transaction. An event of another chain: INPUT_INVALID. */
  commitChainIndex(chainId: number, batch: ChainIndexBatch): Promise<void>
  /** Drops a chain's events and blocks above `blockNumber`, lowers its cursor to it (never raises it), in one transaction; returns the events dropped in chain order. */
  rollbackChainIndex(chainId: number, blockNumber: number): Promise<ChainEventRow[]>
  /** A chain's indexed events in chain order (block, then log index). */
  listChainEvents(chainId: number): Promise<ChainEventRow[]>
  /** Stores an offer; the same hash again keeps the first. */
  putOffer(o: OfferRow): Promise<void>
  getOffer(offerHash: string): Promise<OfferRow | undefined>
  /** Offers for a chain, by creation time then hash. */
  offersOnChain(chainId: number): Promise<OfferRow[]>
  /** Offers for an asset, by creation time then hash. */
  offersForAsset(cid: string): Promise<OfferRow[]>
  /** Keeps a fingerprint of a registered asset (one transaction); false when already kept. Unregistered asset: STORE_IO; bad hash or quality: INPUT_INVALID. */
  addFingerprint(cid: string, fingerprint: FingerprintInput): Promise<boolean>
  /**
   * Stored fingerprints of `algorithm` (default `pdq`) sharing at least one probed
   * (chunk number, chunk value), each once, in no promised order; the caller checks the distance.
   */
  fingerprintCandidates(probes: readonly FingerprintChunkProbe[], algorithm?: string): Promise<FingerprintCandidateRow[]>
  /** How many fingerprints of `algorithm` (default `pdq`) are kept. */
  fingerprintCount(algorithm?: string): Promise<number>
  /**
   * The fast path of a lookup, where a store has one (SQLite's packed buckets, ADR 0010): the
   * stored fingerprints within `maxDistance` bits of `hash` among those the probes reach, compared
   * inside the store. Without it, lookups go through `fingerprintCandidates`.
   */
  fingerprintNear?: ((hash: Uint8Array, probes: readonly FingerprintChunkProbe[], maxDistance: number, algorithm?: string) => Promise<FingerprintNearRow[]>) | undefined
}

/** Everything the app persists besides blobs: the log with its index, and the app's own rows. */
export type AsyncStore = AsyncLogStore & AppIndexStore

/**
 * The embedded SQLite store seen through {@link AsyncStore}: {@link toAsyncLogStore} plus the app
 * index methods, each running the synchronous method and settling with its result or error.
 *
 * @example
 * ```ts
 * import { createSqliteStore, toAsyncStore } from '@mintmark/storage'
 * const store = toAsyncStore(createSqliteStore({ path: 'log.sqlite' }))
 * console.log(await store.listAnchors({ chainId: 1 }))
 * ```
 */
export function toAsyncStore(store: SqliteStore): AsyncStore {
  const run = settleSync
  const index: AppIndexStore = {
    putAnchor: (a) => run(() => store.putAnchor(a)),
    getAnchor: (chainId, treeSize) => run(() => store.getAnchor(chainId, treeSize)),
    listAnchors: (filter) => run(() => store.listAnchors(filter)),
    anchoredCheckpointCovering: (i) => run(() => store.anchoredCheckpointCovering(i)),
    getChainCursor: (chainId) => run(() => store.getChainCursor(chainId)),
    listChainBlocks: (chainId) => run(() => store.listChainBlocks(chainId)),
    commitChainIndex: (chainId, batch) => run(() => store.commitChainIndex(chainId, batch)),
    rollbackChainIndex: (chainId, blockNumber) => run(() => store.rollbackChainIndex(chainId, blockNumber)),
    listChainEvents: (chainId) => run(() => store.listChainEvents(chainId)),
    putOffer: (o) => run(() => store.putOffer(o)),
    getOffer: (hash) => run(() => store.getOffer(hash)),
    offersOnChain: (chainId) => run(() => store.offersOnChain(chainId)),
    offersForAsset: (cid) => run(() => store.offersForAsset(cid)),
    addFingerprint: (cid, fp) => run(() => store.addFingerprint(cid, fp)),
    fingerprintCandidates: (probes, algorithm) => run(() => store.fingerprintCandidates(probes, algorithm)),
    fingerprintCount: (algorithm) => run(() => store.fingerprintCount(algorithm)),
    fingerprintNear: (hash, probes, maxDistance, algorithm) => run(() => store.fingerprintNear(hash, probes, maxDistance, algorithm)),
  }
  return { ...toAsyncLogStore(store), ...index }
}
