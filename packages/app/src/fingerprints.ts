import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { MintmarkError } from '@mintmark/core'
import { type FingerprintBackend, type FingerprintIndex, type ImageFingerprintIndexes, createFingerprintIndex, imageFingerprints } from '@mintmark/media'
import type { FingerprintInput } from '@mintmark/storage'
import type { AsyncStore } from '@mintmark/storage'

/** The algorithm name of an image's own PDQ hash and its centre crops (`fingerprints.algorithm`). */
export const pdqAlgorithm = 'pdq'
/** PDQ of the histogram-equalised image (brightness changes), indexed on its own. */
export const pdqEqualisedAlgorithm = 'pdq-equalised'

// fingerprintNear is optional: a store without it (PostgreSQL) is looked up through candidates.
type FingerprintStore = Pick<AsyncStore, 'addFingerprint' | 'fingerprintCandidates' | 'fingerprintCount' | 'fingerprintNear'>

/** Image types the PDQ decoder reads (sharp). */
const hashableTypes = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'])

/**
 * A `FingerprintBackend` over the SQLite store's `fingerprints` table and its packed posting
 * buckets (migrations 3 and 5). Ids are asset CIDs. `near` (what the index uses) compares hashes
 * inside the store, reading the 272 probed buckets in one query; nothing is cached in memory, so
 * fingerprints another process commits are found by the next lookup. `add` needs the asset to be
 * registered already (register writes its fingerprints in the entry's own transaction instead).
 */
export function createStoreFingerprintBackend(store: FingerprintStore, algorithm: string = pdqAlgorithm): FingerprintBackend {
  const near = store.fingerprintNear?.bind(store)
  return {
    async add(entry) {
      // Quality is not part of the port: a fingerprint added through it is stored with quality 0.
      await store.addFingerprint(entry.id, { algorithm, hash: hexToBytes(entry.hash), quality: 0 })
    },
    async candidates(probes) {
      return (await store.fingerprintCandidates(probes, algorithm)).map((r) => ({ id: r.assetCid, hash: r.hash }))
    },
    size() {
      return store.fingerprintCount(algorithm)
    },
    near: near && (async (hash, probes, maxDistance) => (await near(hash, probes, maxDistance, algorithm)).map((r) => ({ id: r.assetCid, distance: r.distance }))),
  }
}

/** A fingerprint index over the home's store (one algorithm). */
export function storeFingerprintIndex(store: FingerprintStore, algorithm: string = pdqAlgorithm): FingerprintIndex {
  return createFingerprintIndex({ backend: createStoreFingerprintBackend(store, algorithm) })
}

/** The indexes an image lookup queries: PDQ (the images and their centre crops) and equalised PDQ. */
export function storeImageIndexes(store: FingerprintStore): ImageFingerprintIndexes {
  return { pdq: storeFingerprintIndex(store, pdqAlgorithm), [pdqEqualisedAlgorithm]: storeFingerprintIndex(store, pdqEqualisedAlgorithm) }
}

/** Whether register computes a PDQ hash for this media type (images only: no decode for anything else). */
export function isFingerprintable(mediaType: string): boolean {
  return hashableTypes.has(mediaType)
}

/**
 * The fingerprints register stores for an image (one decode): its PDQ hash first, then PDQ of
 * its 5% and 10% centre crops and of its equalised luma, so cropped and re-lit copies are found.
 * Empty for media that is not a hashable image. Decode failures are errors (the bytes claim an
 * image and are not one).
 */
export async function fingerprintImage(bytes: Uint8Array, mediaType: string): Promise<FingerprintInput[]> {
  if (!isFingerprintable(mediaType)) return []
  return (await imageFingerprints(bytes)).map((f) => ({ algorithm: f.algorithm, hash: hexToBytes(f.hash), quality: f.quality }))
}

/** Stored fingerprints of an asset, for display. */
export async function fingerprintsOf(store: Pick<AsyncStore, 'fingerprintsOf'>, cid: string): Promise<{ algorithm: string; hash: string; quality: number }[]> {
  return (await store.fingerprintsOf(cid)).map((f) => ({ algorithm: f.algorithm, hash: bytesToHex(f.hash), quality: f.quality }))
}

/** Adds a file name to a media error's message (other errors pass through). */
export function withFileName(error: unknown, name: string): unknown {
  if (error instanceof MintmarkError && !error.shortMessage.startsWith(`${name}:`))
    return new MintmarkError(error.code, `${name}: ${error.shortMessage}`, { cause: error, ...(error.details ? { details: error.details } : {}) })
  return error
}
