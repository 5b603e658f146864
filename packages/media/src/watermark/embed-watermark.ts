import { MintmarkError } from '@mintmark/core'
import sharp, { type OutputInfo } from 'sharp'
import { type ImageLimits, inspectImage, toImageError } from '../image/inspect-image.js'
import type { ImageFormat } from '../image/sniff-image-format.js'
import { rowAdder } from './add-to-pixels.js'
import { cellCount, cellUnits, embeddingScale, encodeCodeword, gridCells, tileUnits, type WatermarkKey, watermarkLayout } from './watermark-code.js'
import { cellHighPass, cellMeans, clippedResidual, foldTileWithLinearShare, lumaPlane, type Plane, residualClip } from './watermark-signal.js'

/** Smallest number of whole tiles on the image's short side. */
export const watermarkMinTilesPerSide = 4
const minTilesPerSide = watermarkMinTilesPerSide

export type EmbedWatermarkParameters = ImageLimits & {
  /** 8 bytes (64 bits) to carry, e.g. a log index or a truncated statement hash. */
  payload: Uint8Array
  /** Secret that places the watermark; detection needs the same key. */
  key: WatermarkKey
  /** Output format; default the input's (GIF, with its 256-colour palette, loses the mark: prefer PNG). */
  format?: 'jpeg' | 'png' | 'webp' | 'avif' | 'tiff' | 'gif' | undefined
  /** Quality for lossy output (default 92). JPEG keeps a JPEG input's chroma subsampling (4:4:4 or else 4:2:0). */
  quality?: number | undefined
  /** RMS change of luma in 8-bit levels before masking and compensation (default 2.0, about 41 dB PSNR). */
  strength?: number | undefined
}

export type EmbedWatermarkReturnType = {
  bytes: Uint8Array
  format: ImageFormat
  /** PSNR (dB) of the watermarked pixels against the decoded input, before output encoding. */
  psnr: number
  /** Pixels per watermark unit used (the detector searches it). */
  scale: number
  width: number
  height: number
}

/**
 * Embeds a keyed, invisible 64-bit watermark into an image's luminance: a tiled spread-spectrum
 * pattern of 4×4-unit cells (±strength, scaled by local texture), with a pilot for crop
 * synchronisation, a convolutional code and a CRC-24 so clean images do not decode. The embedder
 * reads the host image the way the detector will and strengthens the cells the image itself
 * works against (informed embedding). The same change is added to R, G and B (luma only); alpha
 * is kept; EXIF orientation is applied to the pixels; metadata (EXIF, XMP, C2PA) is not copied,
 * so watermark first, then write C2PA.
 *
 * @throws MintmarkError `INPUT_INVALID` (payload not 8 bytes, bad key or option),
 * `WATERMARK_IMAGE_TOO_SMALL`, and the decode errors `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`.
 */
export async function embedWatermark(imageBytes: Uint8Array, parameters: EmbedWatermarkParameters): Promise<EmbedWatermarkReturnType> {
  const { payload, key, quality = 92, strength = 2 } = parameters
  if (!(payload instanceof Uint8Array) || payload.length !== 8) {
    throw new MintmarkError('INPUT_INVALID', 'A watermark payload is exactly 8 bytes (64 bits).', { fields: ['payload'] })
  }
  if (!(strength > 0 && strength <= 16)) throw new MintmarkError('INPUT_INVALID', 'strength must be in (0, 16].', { fields: ['strength'] })
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) throw new MintmarkError('INPUT_INVALID', 'quality must be 1–100.', { fields: ['quality'] })
  const layout = watermarkLayout(key)
  const inspected = await inspectImage(imageBytes, parameters)
  const format = parameters.format ?? inspected.format
  let raw: { data: Buffer; info: OutputInfo }
  try {
    raw = await sharp(imageBytes, { failOn: 'error', limitInputPixels: inspected.maxPixels, pages: 1, sequentialRead: true })
      .autoOrient()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
  } catch (error) {
    throw toImageError(error, inspected.format)
  }
  const { width, height, channels } = raw.info
  const scale = embeddingScale(width, height)
  // Detection averages the tiles: below four tiles on the short side (512 px) too few remain
  // after an attack (measured: a 375 px image is not found even untouched).
  if (Math.min(width, height) < minTilesPerSide * tileUnits * scale) {
    throw new MintmarkError('WATERMARK_IMAGE_TOO_SMALL', `The image is ${width}×${height}; a watermark needs at least ${minTilesPerSide * tileUnits * scale} px on each side.`, {
      details: `scale ${scale}, tile ${tileUnits * scale} px, ${minTilesPerSide} tiles`,
    })
  }
  const pixels = raw.data
  // Everything up to the final pixel write runs at one pixel per unit (1/scale² of the pixels).
  const plane = lumaPlane(pixels, width, height, channels, scale)
  const mask = textureMask(plane)

  // Sign of every cell: pilot cells +1, data cells their coded bit, times the key's ±1 chip.
  const coded = encodeCodeword(payload, layout)
  const sign = new Float64Array(cellCount)
  for (let k = 0; k < cellCount; k++) {
    const bit = layout.bitOf[k] as number
    sign[k] = (layout.chip[k] as number) * (bit < 0 ? 1 : coded[bit] ? 1 : -1)
  }
  const amplitude = withinPsnrFloor(
    sign.map((v) => v * strength),
    informedAmplitudes(plane, mask, sign, strength),
    mask,
  )
  const psnr = addPattern(pixels, raw.info, scale, mask, amplitude)

  const pipeline = sharp(pixels, { raw: { width, height, channels } })
  try {
    // JPEG keeps a JPEG input's chroma subsampling (the mark is luma-only, so subsampling does not
    // touch it; re-encoding 4:2:0 photos as 4:4:4 cost twice the encode time and 24% more bytes).
    const encoded =
      format === 'jpeg'
        ? pipeline.jpeg({ quality, chromaSubsampling: inspected.format === 'jpeg' && inspected.metadata.chromaSubsampling === '4:4:4' ? '4:4:4' : '4:2:0' })
        : format === 'webp'
          ? pipeline.webp({ quality })
          : format === 'avif'
            ? pipeline.avif({ quality })
            : format === 'png'
              ? pipeline.png()
              : format === 'tiff'
                ? pipeline.tiff()
                : pipeline.gif()
    return { bytes: new Uint8Array(await encoded.toBuffer()), format, psnr, scale, width, height }
  } catch (error) {
    throw new MintmarkError('INTERNAL', 'The watermarked image could not be encoded.', { cause: error, details: String(error) })
  }
}

/** Per cell instance (a 4 × 4-unit block of the image): its strength factor. */
type TextureMask = { factor: Float32Array; columns: number; rows: number; plane: Plane }

/**
 * Strength factor per cell instance from the luma standard deviation of its 4 × 4 units: flat
 * areas get less (down to 0.5×), textured areas more (up to 2×), normalised to an RMS of 1 over
 * the image.
 */
function textureMask(plane: Plane): TextureMask {
  const { data, width, height } = plane
  const columns = Math.ceil(width / cellUnits)
  const rows = Math.ceil(height / cellUnits)
  const std = new Float32Array(columns * rows)
  const count = new Float32Array(columns * rows)
  for (let by = 0; by < rows; by++) {
    const y1 = Math.min(height, (by + 1) * cellUnits)
    for (let bx = 0; bx < columns; bx++) {
      const x1 = Math.min(width, (bx + 1) * cellUnits)
      let s = 0
      let s2 = 0
      for (let y = by * cellUnits; y < y1; y++) {
        for (let i = y * width + bx * cellUnits, end = y * width + x1; i < end; i++) {
          const v = data[i] as number
          s += v
          s2 += v * v
        }
      }
      const n = (y1 - by * cellUnits) * (x1 - bx * cellUnits)
      const mean = s / n
      std[by * columns + bx] = Math.sqrt(Math.max(0, s2 / n - mean * mean))
      count[by * columns + bx] = n
    }
  }
  const median = nthSmallest(Float32Array.from(std), std.length >> 1)
  const factor = new Float32Array(std.length)
  let weighted = 0
  let area = 0
  for (let b = 0; b < factor.length; b++) {
    const f = Math.min(2, Math.max(0.5, ((std[b] as number) + 1) / (median + 1)))
    factor[b] = f
    weighted += f * f * (count[b] as number)
    area += count[b] as number
  }
  const norm = Math.sqrt(weighted / area)
  for (let b = 0; b < factor.length; b++) factor[b] = (factor[b] as number) / norm
  return { factor, columns, rows, plane }
}

/** The k-th smallest value (0-based) by quickselect; reorders `values`. */
function nthSmallest(values: Float32Array, k: number): number {
  let lo = 0
  let hi = values.length - 1
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1] as number
    let i = lo
    let j = hi
    while (i <= j) {
      while ((values[i] as number) < pivot) i++
      while ((values[j] as number) > pivot) j--
      if (i <= j) {
        const t = values[i] as number
        values[i] = values[j] as number
        values[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else break
  }
  return values[k] as number
}

// The detector's pixel high-pass subtracts a box mean one cell in radius. For a pattern that is
// constant per cell, its effect on a cell's mean is a fixed 3 × 3 kernel over neighbouring cells:
// boxWeights[d + 1] is the 1-D share of cell d ∈ {-1, 0, 1} in the box, averaged over the cell.
const boxWeights = [-1, 0, 1].map((d) => {
  let share = 0
  for (let u = 0; u < cellUnits; u++) {
    const lo = Math.max(u - cellUnits, d * cellUnits)
    const hi = Math.min(u + cellUnits, d * cellUnits + cellUnits - 1)
    share += Math.max(0, hi - lo + 1) / (2 * cellUnits + 1)
  }
  return share / cellUnits
})
const selfGain = 1 - (boxWeights[1] as number) ** 2
/** Cells are strengthened until the detector would read at least this share of a clean cell's value. */
const targetShare = 0.5
/** No cell's amplitude exceeds this multiple of `strength` (visibility). */
const maxBoost = 2
const compensationRounds = 4
/** The strengthening is scaled back, if needed, so that it alone never takes the PSNR below this. */
export const compensationPsnrFloor = 40.5

/**
 * Informed embedding. The detector will read, per cell, the host image's own folded residual
 * plus the mark's response; where the host works against a cell's sign (or the mark's own
 * neighbours do, through the high-pass), the cell's amplitude is raised until the predicted
 * reading reaches `targetShare` of a clean cell's, up to `maxBoost` × strength. Without this, on a
 * textured photo the host is as strong as the mark at cell level, and for a few % of keys one of
 * the decoded bits came out wrong even on an untouched copy.
 *
 * Returns the signed amplitude per cell (levels, before the per-instance texture factor).
 */
function informedAmplitudes(plane: Plane, mask: TextureMask, sign: Float64Array, strength: number): Float64Array {
  // What the detector sees of the host at the embedding alignment (scale 1 on the unit plane).
  const residual = clippedResidual(plane, cellUnits, residualClip)
  const { folded: hostFolded, linearShare } = foldTileWithLinearShare(residual, plane.width, plane.height, residualClip)
  const host = cellHighPass(cellMeans(hostFolded, 0, 0))
  // Share of each cell's samples the clip leaves linear (the mark passes there).
  const pass = cellMeans(linearShare, 0, 0)
  // Mean texture factor of each cell over its instances (what the fold averages).
  const factorSum = new Float64Array(cellCount)
  const instances = new Float64Array(cellCount)
  for (let iy = 0; iy < mask.rows; iy++) {
    const cellRow = (iy % gridCells) * gridCells
    for (let ix = 0, j = 0; ix < mask.columns; ix++, j = j === gridCells - 1 ? 0 : j + 1) {
      factorSum[cellRow + j] = (factorSum[cellRow + j] as number) + (mask.factor[iy * mask.columns + ix] as number)
      instances[cellRow + j] = (instances[cellRow + j] as number) + 1
    }
  }
  const meanFactor = factorSum.map((s, k) => s / Math.max(1, instances[k] as number))
  const gain = meanFactor.map((f, k) => selfGain * f * (pass[k] as number))

  const amplitude = sign.map((s) => s * strength)
  const folded = new Float64Array(cellCount)
  const response = new Float64Array(cellCount)
  for (let round = 0; round < compensationRounds; round++) {
    // Predicted mark response: box high-pass at cell level, clip pass share, cell high-pass.
    for (let k = 0; k < cellCount; k++) folded[k] = (amplitude[k] as number) * (meanFactor[k] as number)
    for (let i = 0; i < gridCells; i++) {
      for (let j = 0; j < gridCells; j++) {
        let box = 0
        for (let di = -1; di <= 1; di++) {
          for (let dj = -1; dj <= 1; dj++) {
            box += (boxWeights[di + 1] as number) * (boxWeights[dj + 1] as number) * (folded[((i + di) & 31) * gridCells + ((j + dj) & 31)] as number)
          }
        }
        const k = i * gridCells + j
        response[k] = ((folded[k] as number) - box) * (pass[k] as number)
      }
    }
    const predicted = cellHighPass(response)
    let changed = false
    for (let k = 0; k < cellCount; k++) {
      const g = gain[k] as number
      if (!(g > 0)) continue
      const margin = (sign[k] as number) * ((host[k] as number) + (predicted[k] as number))
      const deficit = targetShare * strength * g - margin
      if (deficit <= 0) continue
      const current = Math.abs(amplitude[k] as number)
      const next = Math.min(maxBoost * strength, current + deficit / g)
      if (next > current) {
        amplitude[k] = (sign[k] as number) * next
        changed = true
      }
    }
    if (!changed) break
  }
  return amplitude
}

/**
 * The compensated amplitudes if their PSNR is at least `compensationPsnrFloor`, else the plain
 * ones plus the largest share of the compensation that keeps it (bisection). The PSNR is computed
 * exactly from the rounded per-instance deltas (clamping at 0/255 only lowers the error).
 */
function withinPsnrFloor(plain: Float64Array, compensated: Float64Array, mask: TextureMask): Float64Array {
  const blend = (share: number) => plain.map((p, k) => p + share * ((compensated[k] as number) - p))
  if (patternPsnr(compensated, mask) >= compensationPsnrFloor) return compensated
  if (patternPsnr(plain, mask) < compensationPsnrFloor) return plain
  let lo = 0
  let hi = 1
  for (let step = 0; step < 10; step++) {
    const mid = (lo + hi) / 2
    if (patternPsnr(blend(mid), mask) >= compensationPsnrFloor) lo = mid
    else hi = mid
  }
  return blend(lo)
}

/** PSNR of the rounded pattern (instance areas in units; every unit has the same pixel count but the last row/column). */
function patternPsnr(amplitude: Float64Array, mask: TextureMask): number {
  const { plane, columns, rows } = mask
  let squared = 0
  for (let iy = 0; iy < rows; iy++) {
    const h = Math.min(cellUnits, plane.height - iy * cellUnits)
    const cellRow = (iy % gridCells) * gridCells
    for (let ix = 0; ix < columns; ix++) {
      const w = Math.min(cellUnits, plane.width - ix * cellUnits)
      const d = Math.round((mask.factor[iy * columns + ix] as number) * (amplitude[cellRow + (ix % gridCells)] as number))
      squared += d * d * w * h
    }
  }
  const mse = squared / (plane.width * plane.height)
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse)
}

/**
 * Adds the pattern to R, G and B of every pixel (rounded per cell instance, clamped to 0–255) in
 * place, and returns the PSNR of the change actually made.
 */
function addPattern(pixels: Uint8Array, info: { width: number; height: number; channels: number }, scale: number, mask: TextureMask, amplitude: Float64Array): number {
  const { width, height, channels } = info
  const colourChannels = channels >= 3 ? 3 : 1
  const instancePx = scale * cellUnits
  const instanceDelta = new Int16Array(mask.columns)
  const addRow = rowAdder(pixels, channels)
  let currentRow = -1
  let squaredError = 0
  for (let y = 0; y < height; y++) {
    const iy = Math.floor(y / instancePx)
    if (iy !== currentRow) {
      currentRow = iy
      const cellRow = (iy % gridCells) * gridCells
      for (let ix = 0; ix < mask.columns; ix++) {
        instanceDelta[ix] = Math.round((mask.factor[iy * mask.columns + ix] as number) * (amplitude[cellRow + (ix % gridCells)] as number))
      }
    }
    // The delta is constant over each instance's run of `instancePx` pixels of the row.
    squaredError += addRow(y * width * channels, width, instancePx, instanceDelta)
  }
  const mse = squaredError / (colourChannels * width * height)
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse)
}
