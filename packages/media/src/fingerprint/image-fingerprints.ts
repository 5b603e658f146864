import { type DecodedImage, decodeImage } from '../image/decode-image.js'
import type { ImageLimits } from '../image/inspect-image.js'
import { pdqThumbnailSize } from '../image/pdq-hash-image.js'
import type { PdqPixels } from '../pdq/compute-pdq-dct.js'
import { type PdqHash, pdqEmptyHash } from '../pdq/dct-to-hash.js'
import { pdqDihedral } from '../pdq/pdq-dihedral.js'
import { equalisedLuma } from '../pdq/pdq-equalised.js'
import { pdqHashPixels } from '../pdq/pdq-hash-pixels.js'
import type { FingerprintIndex, FingerprintMatch, FingerprintQuery, FingerprintQueryOptions } from './create-fingerprint-index.js'

/**
 * Fingerprint kinds, each kept in its own index (or under its own `algorithm` in a store) and
 * looked up only with the same kind of query hash:
 * - `pdq`: PDQ of the image, and of its centre crops removing 5% and 10% of each dimension;
 * - `pdq-equalised`: PDQ of the image's histogram-equalised luma (brightness/contrast changes).
 */
export const imageFingerprintAlgorithms = ['pdq', 'pdq-equalised'] as const
export type ImageFingerprintAlgorithm = (typeof imageFingerprintAlgorithms)[number]

export type ImageFingerprintVariant = 'original' | 'crop-5' | 'crop-10'

/**
 * Centre crops fingerprinted at registration, as the share of each dimension removed (half on
 * each side). PDQ moves ~12 bits per 0.5% per side of crop, 46–60 bits at 2.5% per side, so a
 * cropped copy only matches a fingerprint of a similar crop. These two cover centred crops of
 * about 3–12% (measured: 4% and 6% centred crops 0.99 recall); off-centre crops are not covered
 * (one-sided 5%: 0.02), which is the watermark's job.
 */
export const registeredCentreCrops: ReadonlyArray<{ variant: ImageFingerprintVariant; share: number }> = [
  { variant: 'crop-5', share: 0.05 },
  { variant: 'crop-10', share: 0.1 },
]

export type ImageFingerprint = {
  algorithm: ImageFingerprintAlgorithm
  /** What was hashed: the image, or one of its centre crops. */
  variant: ImageFingerprintVariant
  hash: PdqHash
  /** PDQ quality (0–100) of what was hashed; the reference suggests not trusting < 50. */
  quality: number
}

/**
 * The fingerprints to keep for an image at registration, from one decode (the 512 px thumbnail
 * PDQ uses): first the image's own PDQ hash (exactly `pdqHashImage`'s), then the PDQ of its 5%
 * and 10% centre crops, then the PDQ of its equalised luma. All point to the same asset. Hashes
 * of an image too small to hash (the empty hash) are left out, except the first.
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`.
 */
export async function imageFingerprints(bytes: Uint8Array, options: ImageLimits = {}): Promise<ImageFingerprint[]> {
  const decoded = await decodeImage(bytes, { ...options, maxDimension: pdqThumbnailSize })
  const out: ImageFingerprint[] = [{ algorithm: 'pdq', variant: 'original', ...pdqHashPixels(decoded) }]
  const keep = (fingerprint: ImageFingerprint) => {
    if (fingerprint.hash !== pdqEmptyHash && !out.some((f) => f.algorithm === fingerprint.algorithm && f.hash === fingerprint.hash)) out.push(fingerprint)
  }
  for (const { variant, share } of registeredCentreCrops) {
    const cropped = centreCrop(decoded, share)
    if (cropped) keep({ algorithm: 'pdq', variant, ...pdqHashPixels(cropped) })
  }
  keep({ algorithm: 'pdq-equalised', variant: 'original', ...pdqHashPixels(equalisedLuma(decoded)) })
  return out
}

export type ImageLookupHashes = {
  /** PDQ hash of the image as given, and its quality. */
  hash: PdqHash
  quality: number
  /** What to look up in each kind's index. */
  queries: Record<ImageFingerprintAlgorithm, FingerprintQuery>
}

/**
 * The hashes to look an image up with: its PDQ hash (or the eight dihedral ones) for `pdq`, and
 * the same of its equalised luma for `pdq-equalised`. One decode.
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`.
 */
export async function imageLookupHashes(bytes: Uint8Array, options: ImageLimits & { dihedral?: boolean | undefined } = {}): Promise<ImageLookupHashes> {
  const { dihedral, ...limits } = options
  const decoded = await decodeImage(bytes, { ...limits, maxDimension: pdqThumbnailSize })
  const equalised = equalisedLuma(decoded)
  if (dihedral) {
    const plain = pdqDihedral(decoded)
    return { hash: plain.hashes.original, quality: plain.quality, queries: { pdq: plain.hashes, 'pdq-equalised': pdqDihedral(equalised).hashes } }
  }
  const plain = pdqHashPixels(decoded)
  return { hash: plain.hash, quality: plain.quality, queries: { pdq: plain.hash, 'pdq-equalised': pdqHashPixels(equalised).hash } }
}

/** One index per fingerprint kind; `pdq-equalised` may be left out (then only `pdq` is searched). */
export type ImageFingerprintIndexes = { pdq: Pick<FingerprintIndex, 'query'> } & Partial<Record<ImageFingerprintAlgorithm, Pick<FingerprintIndex, 'query'>>>

/**
 * Looks the lookup hashes up, each kind in its own index, and merges the results: one match per
 * id at its smallest distance, sorted by distance then id. A match found through the equalised
 * hash has a `variant` starting with `equalised`.
 */
export async function queryImageFingerprints(
  indexes: ImageFingerprintIndexes,
  queries: ImageLookupHashes['queries'],
  options: FingerprintQueryOptions = {},
): Promise<FingerprintMatch[]> {
  const { limit, ...rest } = options
  const best = new Map<string, FingerprintMatch>()
  for (const algorithm of imageFingerprintAlgorithms) {
    const index = indexes[algorithm]
    if (!index) continue
    for (const match of await index.query(queries[algorithm], rest)) {
      const variant = algorithm === 'pdq' ? match.variant : match.variant === '0' ? 'equalised' : `equalised:${match.variant}`
      const previous = best.get(match.id)
      if (previous === undefined || match.distance < previous.distance) best.set(match.id, { ...match, variant })
    }
  }
  const sorted = [...best.values()].sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return limit !== undefined && Number.isFinite(limit) ? sorted.slice(0, limit) : sorted
}

/** The centre of the pixels with `share` of each dimension removed, or undefined when nothing would be cut. */
function centreCrop(image: DecodedImage, share: number): PdqPixels | undefined {
  const dx = Math.round((image.width * share) / 2)
  const dy = Math.round((image.height * share) / 2)
  if (dx === 0 && dy === 0) return undefined
  const width = image.width - 2 * dx
  const height = image.height - 2 * dy
  const channels = image.channels
  const data = new Uint8Array(width * height * channels)
  for (let y = 0; y < height; y++) {
    const from = ((y + dy) * image.width + dx) * channels
    data.set(image.data.subarray(from, from + width * channels), y * width * channels)
  }
  return { data, width, height, channels }
}
