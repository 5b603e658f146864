// biome-ignore lint/performance/noBarrelFile: package entrypoint
export type { BlobStore, BlobStoreStreams, HashedBlob } from './blob-store.js'
export { createFsBlobStore, type FsBlobStore, type FsBlobStoreOptions, type PutOptions, type PutResult } from './fs/fs-blob-store.js'
export { hashFile, type HashFileOptions } from './fs/hash-file.js'
export { nodeSha256 } from './fs/node-sha256.js'
export { readKeyFile, writeKeyFile } from './keystore/index.js'
export { type AppIndexStore, type AsyncStore, toAsyncStore } from './app-index-store.js'
export { type AssetRow, type AsyncLogStore, settleSync, toAsyncLogStore } from './log-store.js'
export {
  type AnchorRow,
  type AnchorRowStatus,
  type AppendResult,
  type C2paEvidenceInput,
  type C2paEvidenceRow,
  type ChainBlockRow,
  type ChainEventRow,
  type ChainIndexBatch,
  type FingerprintCandidateRow,
  type FingerprintChunkProbe,
  fingerprintChunkCount,
  fingerprintChunkValues,
  type FingerprintInput,
  type FingerprintNearRow,
  type FingerprintRow,
  createSqliteStore,
  type EntryDraft,
  type EntryRef,
  type LineageEdge,
  type OfferRow,
  peakIds,
  type SqliteStore,
  type SqliteStoreOptions,
  type StoredCheckpoint,
  type StoredEntry,
} from './sqlite/sqlite-store.js'
