import type { Readable } from 'node:stream'
import type { ContentId } from '@mintmark/core'

/** What a put did: the blob's CID, whole-content SHA-256 (hex) and size; `stored` is false when it was already there. */
export type PutResult = { cid: ContentId; sha256: string; size: number; stored: boolean }

/**
 * `deferSync`: the blob is not yet durable when the put returns; the caller must call `flush()`
 * before it acknowledges anything that references the blob (group commit). Stores whose puts are
 * durable when they return (S3) accept it and have nothing to flush.
 */
export type PutOptions = { signal?: AbortSignal | undefined; deferSync?: boolean | undefined }

/** A CID computed by the caller with the store's profile, for `putHashed`. */
export type HashedBlob = { cid: string; sha256: string; size: number }

/**
 * A content-addressed blob store: what the application needs from one, whatever keeps the bytes
 * (files and packs on a local disk, an S3 bucket). Blobs are named by their CIDv1 and never
 * change; every read re-hashes the bytes, so a blob that does not hash to its CID is never
 * returned (`CONTENT_HASH_MISMATCH`). Nothing is ever deleted (ADR 0005).
 */
export type BlobStore = {
  /** Streams a file into the store. @throws `FILE_NOT_FOUND`, `FILE_UNREADABLE`, `STORE_IO`. */
  putFile(source: string, options?: PutOptions): Promise<PutResult>
  /** Stores bytes held in memory. */
  putBytes(bytes: Uint8Array, options?: PutOptions): Promise<PutResult>
  /** Stores bytes the caller already hashed with the store's profile. @throws `INPUT_INVALID` when the size differs. */
  putHashed(hashed: HashedBlob, bytes: Uint8Array, options?: PutOptions): Promise<PutResult>
  /** The whole blob, checked against its CID. @throws `CID_INVALID`, `BLOB_NOT_FOUND`, `CONTENT_HASH_MISMATCH`. */
  get(cid: string): Promise<Uint8Array>
  /** Whether the store holds the CID (without reading or checking the bytes). */
  has(cid: string): Promise<boolean>
  /** Re-hashes a stored blob without keeping it in memory; false when it is missing or corrupt. */
  verify(cid: string): Promise<boolean>
  /** Makes every `deferSync` put durable. */
  flush(): Promise<void>
  /** Releases files, sockets and handles. */
  close(): void
}

/**
 * Streaming access, for stores that serve blobs too large to hold in memory (S3). A read stream
 * re-hashes as it goes and fails with `CONTENT_HASH_MISMATCH` instead of ending when the bytes do
 * not match their CID; the last chunk is held back until the check passes, so a consumer never
 * receives every byte of a corrupt blob.
 */
export type BlobStoreStreams = {
  /** A checked read stream of the blob. @throws `BLOB_NOT_FOUND` before any byte is read. */
  stream(cid: string, options?: { signal?: AbortSignal | undefined }): Promise<Readable>
  /** The stored size in bytes. @throws `BLOB_NOT_FOUND`. */
  size(cid: string): Promise<number>
  /**
   * Stores a stream whose CID the caller states up front; the bytes are hashed on the way and
   * nothing becomes visible unless they match (`CONTENT_HASH_MISMATCH`). When the blob is already
   * stored the source is not read: the caller disposes of it.
   */
  putStream(source: Readable | AsyncIterable<Uint8Array>, expected: { cid: string }, options?: PutOptions): Promise<PutResult>
}
