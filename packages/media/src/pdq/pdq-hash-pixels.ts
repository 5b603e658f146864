import { computePdqDct, type PdqPixels } from './compute-pdq-dct.js'
import { dctToHash, type PdqHash, pdqEmptyHash } from './dct-to-hash.js'

export type PdqHashPixelsParameters = PdqPixels

export type PdqHashPixelsReturnType = {
  /** 64 lowercase hex digits in the reference's bit order. */
  hash: PdqHash
  /** The reference's gradient quality metric, 0–100; the reference suggests not trusting < 50. */
  quality: number
}

/**
 * PDQ (Meta's perceptual hash, facebook/ThreatExchange) over decoded pixels: BT.601 luma,
 * Jarosz tent-filter downsample to 64×64, 16×16 DCT, threshold at the median → 256 bits, plus
 * the quality metric. Pure: runs anywhere, no decoder involved.
 *
 * Images smaller than 5 px on a side give the all-zero hash with quality 0, as in the reference.
 *
 * @throws MintmarkError `INPUT_INVALID` when the dimensions, channel count or buffer size are wrong.
 */
export function pdqHashPixels(pixels: PdqHashPixelsParameters): PdqHashPixelsReturnType {
  const result = computePdqDct(pixels)
  if (result === undefined) return { hash: pdqEmptyHash, quality: 0 }
  return { hash: dctToHash(result.dct), quality: result.quality }
}
