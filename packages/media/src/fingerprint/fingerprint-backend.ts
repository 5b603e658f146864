import type { PdqHash } from '../pdq/dct-to-hash.js'
import type { FingerprintProbe } from './fingerprint-chunks.js'

/** One stored fingerprint: an id (an asset or log-entry id chosen by the caller) and its hash. */
export type FingerprintEntry = {
  id: string
  hash: PdqHash
  /** `fingerprintChunks(hash)`: the 16 values a backend indexes, chunk i under `chunk_no = i`. */
  chunks: readonly number[]
}

/** A stored entry that shares at least one probed chunk with the query; not yet verified. */
export type FingerprintCandidate = {
  id: string
  /** The full 256-bit hash, 32 bytes in text order (a SQLite BLOB fits as is). */
  hash: Uint8Array
}

type MaybePromise<T> = T | Promise<T>

/**
 * Optional fast path of a backend that can compare full hashes itself: every stored entry within
 * `maxDistance` bits of `hash` (32 bytes) among those the probes reach, with its distance. Entries
 * may repeat. The in-memory backend has it; a SQL backend can leave it out.
 */
export type FingerprintNear = (hash: Uint8Array, probes: readonly FingerprintProbe[], maxDistance: number) => MaybePromise<Iterable<{ id: string; distance: number }>>

/**
 * Where multi-index hashing keeps its postings. Two operations, so that a SQL table
 * `fingerprint_chunk(chunk_no, chunk_value, id)` with an index on `(chunk_no, chunk_value)` plus
 * `fingerprint(id, hash BLOB)` implements it:
 *
 * - `add`: one row per chunk (`INSERT … VALUES (i, chunks[i], id)` × 16) and the hash row;
 * - `candidates`: `SELECT DISTINCT f.id, f.hash FROM fingerprint_chunk c JOIN fingerprint f USING (id)
 *   WHERE (c.chunk_no = 0 AND c.chunk_value IN (…)) OR …` for the given probes.
 *
 * Candidates may repeat and may be far away: the index verifies every one by full Hamming distance.
 */
export type FingerprintBackend = {
  add(entry: FingerprintEntry): MaybePromise<void>
  candidates(probes: readonly FingerprintProbe[]): MaybePromise<Iterable<FingerprintCandidate>>
  size(): MaybePromise<number>
  near?: FingerprintNear | undefined
}
