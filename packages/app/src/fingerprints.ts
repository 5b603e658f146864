import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { MintmarkError } from '@mintmark/core'
import { type FingerprintBackend, type FingerprintIndex, createFingerprintIndex, pdqHashImage } from '@mintmark/media'
import type { FingerprintInput, SqliteStore } from '@mintmark/storage'

/** The algorithm name fingerprints are stored under (`fingerprints.algorithm`). */
export const pdqAlgorithm = 'pdq'

/** Image types the PDQ decoder reads (sharp). */
const hashableTypes = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'])

/**
 * A `FingerprintBackend` over the SQLite store's `fingerprints` / `fingerprint_chunks` tables
 * (migration 3). Ids are asset CIDs. `add` needs the asset to be registered already (register
 * writes its fingerprints in the entry's own transaction instead).
 */
export function createStoreFingerprintBackend(store: Pick<SqliteStore, 'addFingerprint' | 'fingerprintCandidates' | 'fingerprintCount'>): FingerprintBackend {
  return {
    add(entry) {
      // Quality is not part of the port: a fingerprint added through it is stored with quality 0.
      store.addFingerprint(entry.id, { algorithm: pdqAlgorithm, hash: hexToBytes(entry.hash), quality: 0 })
    },
    candidates(probes) {
      return store.fingerprintCandidates(probes, pdqAlgorithm).map((r) => ({ id: r.assetCid, hash: r.hash }))
    },
    size() {
      return store.fingerprintCount(pdqAlgorithm)
    },
  }
}

/** A fingerprint index over the home's store. */
export function storeFingerprintIndex(store: Pick<SqliteStore, 'addFingerprint' | 'fingerprintCandidates' | 'fingerprintCount'>): FingerprintIndex {
  return createFingerprintIndex({ backend: createStoreFingerprintBackend(store) })
}

/** Whether register computes a PDQ hash for this media type (images only: no decode for anything else). */
export function isFingerprintable(mediaType: string): boolean {
  return hashableTypes.has(mediaType)
}

/**
 * The PDQ fingerprint of an image's bytes, for the store; undefined for media that is not a
 * hashable image. Decode failures are errors (the bytes claim an image and are not one).
 */
export async function fingerprintImage(bytes: Uint8Array, mediaType: string): Promise<FingerprintInput | undefined> {
  if (!isFingerprintable(mediaType)) return undefined
  const { hash, quality } = await pdqHashImage(bytes)
  return { algorithm: pdqAlgorithm, hash: hexToBytes(hash), quality }
}

/** Stored fingerprints of an asset, for display. */
export function fingerprintsOf(store: Pick<SqliteStore, 'fingerprintsOf'>, cid: string): { algorithm: string; hash: string; quality: number }[] {
  return store.fingerprintsOf(cid).map((f) => ({ algorithm: f.algorithm, hash: bytesToHex(f.hash), quality: f.quality }))
}

/** Adds a file name to a media error's message (other errors pass through). */
export function withFileName(error: unknown, name: string): unknown {
  if (error instanceof MintmarkError && !error.shortMessage.startsWith(`${name}:`))
    return new MintmarkError(error.code, `${name}: ${error.shortMessage}`, { cause: error, ...(error.details ? { details: error.details } : {}) })
  return error
}
