import { computePdqDct, type PdqPixels } from './compute-pdq-dct.js'
import { dctToHash, type PdqHash, pdqEmptyHash } from './dct-to-hash.js'

/** The eight symmetries of a rectangle, named as in the reference implementation. */
export type PdqDihedralName =
  | 'original'
  | 'rotate90'
  | 'rotate180'
  | 'rotate270'
  | 'flipX'
  | 'flipY'
  | 'flipPlus1'
  | 'flipMinus1'

export type PdqDihedralParameters = PdqPixels

export type PdqDihedralReturnType = {
  /** What the image would hash to after each transform (flipX mirrors top–bottom, flipY left–right, flipPlus1 transposes). */
  hashes: Record<PdqDihedralName, PdqHash>
  quality: number
}

// A reflection of the 64×64 image negates the DCT coefficients of odd frequency along that axis
// (rows i hold vertical frequency i+1, so even i); a transpose of the image transposes the block.
// Every dihedral transform is a choice of these three, so all eight hashes come from one DCT.
const transforms: Record<PdqDihedralName, { flipVertical: boolean; flipHorizontal: boolean; transpose: boolean }> = {
  original: { flipVertical: false, flipHorizontal: false, transpose: false },
  rotate90: { flipVertical: false, flipHorizontal: true, transpose: true },
  rotate180: { flipVertical: true, flipHorizontal: true, transpose: false },
  rotate270: { flipVertical: true, flipHorizontal: false, transpose: true },
  flipX: { flipVertical: true, flipHorizontal: false, transpose: false },
  flipY: { flipVertical: false, flipHorizontal: true, transpose: false },
  flipPlus1: { flipVertical: false, flipHorizontal: false, transpose: true },
  flipMinus1: { flipVertical: true, flipHorizontal: true, transpose: true },
}

/**
 * The PDQ hashes of the eight rotations and reflections of an image, computed from a single DCT
 * by sign changes and transposition (as the reference does), not by re-hashing rotated pixels.
 * A lookup that wants to match rotated or mirrored copies queries all eight.
 *
 * @throws MintmarkError `INPUT_INVALID` when the dimensions, channel count or buffer size are wrong.
 */
export function pdqDihedral(pixels: PdqDihedralParameters): PdqDihedralReturnType {
  const result = computePdqDct(pixels)
  const hashes = {} as Record<PdqDihedralName, PdqHash>
  for (const name of Object.keys(transforms) as PdqDihedralName[]) {
    hashes[name] = result === undefined ? pdqEmptyHash : dctToHash(transformDct(result.dct, transforms[name]))
  }
  return { hashes, quality: result?.quality ?? 0 }
}

function transformDct(
  dct: Float64Array,
  { flipVertical, flipHorizontal, transpose }: { flipVertical: boolean; flipHorizontal: boolean; transpose: boolean },
): Float64Array {
  const out = new Float64Array(256)
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let v = dct[i * 16 + j] as number
      if (flipVertical && i % 2 === 0) v = -v
      if (flipHorizontal && j % 2 === 0) v = -v
      out[transpose ? j * 16 + i : i * 16 + j] = v
    }
  }
  return out
}
