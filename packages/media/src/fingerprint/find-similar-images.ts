import { pdqDihedralImage, pdqHashImage } from '../image/pdq-hash-image.js'
import type { ImageLimits } from '../image/inspect-image.js'
import type { FingerprintIndex, FingerprintMatch, FingerprintQueryOptions } from './create-fingerprint-index.js'
import { type ImageFingerprintIndexes, imageLookupHashes, queryImageFingerprints } from './image-fingerprints.js'

export type FindSimilarImagesOptions = FingerprintQueryOptions &
  ImageLimits & {
    /** Also match rotated (90/180/270) and mirrored copies by querying all eight dihedral hashes. Default false. */
    dihedral?: boolean | undefined
  }

export type FindSimilarImagesReturnType = {
  /** PDQ hash of the image as given. */
  hash: string
  quality: number
  matches: FingerprintMatch[]
}

/**
 * Hashes untrusted image bytes with PDQ (decode limits apply) and looks them up; with
 * `dihedral: true`, rotated and mirrored registrations match too (`variant` names the transform
 * that maps the query onto the stored image).
 *
 * `index` is either one PDQ index (plain PDQ lookup), or one index per fingerprint kind as
 * `imageFingerprints` produces them at registration (`{ pdq, 'pdq-equalised' }`): then the
 * equalised hash of the image is looked up too, which finds brightness/contrast-changed copies.
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`, `INPUT_INVALID`.
 */
export async function findSimilarImages(
  index: Pick<FingerprintIndex, 'query'> | ImageFingerprintIndexes,
  bytes: Uint8Array,
  options: FindSimilarImagesOptions = {},
): Promise<FindSimilarImagesReturnType> {
  const { dihedral, maxDistance, limit, ...limits } = options
  const queryOptions = { maxDistance, limit }
  if (!('query' in index)) {
    const { hash, quality, queries } = await imageLookupHashes(bytes, { ...limits, dihedral })
    return { hash, quality, matches: await queryImageFingerprints(index, queries, queryOptions) }
  }
  if (dihedral) {
    const { hashes, quality } = await pdqDihedralImage(bytes, limits)
    return { hash: hashes.original, quality, matches: await index.query(hashes, queryOptions) }
  }
  const { hash, quality } = await pdqHashImage(bytes, limits)
  return { hash, quality, matches: await index.query(hash, queryOptions) }
}
