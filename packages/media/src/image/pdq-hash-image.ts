import { pdqDihedral, type PdqDihedralReturnType } from '../pdq/pdq-dihedral.js'
import { pdqHashPixels, type PdqHashPixelsReturnType } from '../pdq/pdq-hash-pixels.js'
import { type DecodedImage, decodeImage } from './decode-image.js'
import type { ImageLimits } from './inspect-image.js'

/**
 * The reference tooling (ThreatExchange pdq/python `PDQHasher.fromFile`) hashes a thumbnail of at
 * most 512×512, which is what its published hashes were computed from. Measured on the reference
 * images: the 512 px path lands 0–2 bits from the published hashes (10 for the near-blank q0003),
 * hashing at full size 0–12. It is also what makes a 12 MP JPEG fast (shrink-on-load).
 */
export const pdqThumbnailSize = 512

export type PdqHashImageOptions = ImageLimits

export type PdqHashImageReturnType = PdqHashPixelsReturnType & {
  image: Pick<DecodedImage, 'format' | 'originalWidth' | 'originalHeight'>
}

/**
 * Decodes untrusted image bytes (with `decodeImage`'s limits) to at most 512 px on the long side,
 * then computes its PDQ hash and quality.
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`.
 */
export async function pdqHashImage(bytes: Uint8Array, options: PdqHashImageOptions = {}): Promise<PdqHashImageReturnType> {
  const decoded = await decodeImage(bytes, { ...options, maxDimension: pdqThumbnailSize })
  return { ...pdqHashPixels(decoded), image: imageInfo(decoded) }
}

export type PdqDihedralImageReturnType = PdqDihedralReturnType & {
  image: Pick<DecodedImage, 'format' | 'originalWidth' | 'originalHeight'>
}

/**
 * Like `pdqHashImage`, but returns the hashes of all eight rotations/reflections (from one DCT).
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`.
 */
export async function pdqDihedralImage(
  bytes: Uint8Array,
  options: PdqHashImageOptions = {},
): Promise<PdqDihedralImageReturnType> {
  const decoded = await decodeImage(bytes, { ...options, maxDimension: pdqThumbnailSize })
  return { ...pdqDihedral(decoded), image: imageInfo(decoded) }
}

function imageInfo({ format, originalWidth, originalHeight }: DecodedImage) {
  return { format, originalWidth, originalHeight }
}
