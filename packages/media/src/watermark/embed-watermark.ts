import { MintmarkError } from '@mintmark/core'
import sharp, { type OutputInfo } from 'sharp'
import { type ImageLimits, inspectImage, toImageError } from '../image/inspect-image.js'
import type { ImageFormat } from '../image/sniff-image-format.js'
import { cellUnits, embeddingScale, encodeCodeword, gridCells, tileUnits, type WatermarkKey, watermarkLayout } from './watermark-code.js'

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
  /** Quality for lossy output (default 92). */
  quality?: number | undefined
  /** RMS change of luma in 8-bit levels before masking (default 2.0, about 42 dB PSNR). */
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
 * synchronisation and a CRC-24 so clean images do not decode. The same change is added to R, G
 * and B (luma only); alpha is kept; EXIF orientation is applied to the pixels; metadata
 * (EXIF, XMP, C2PA) is not copied, so watermark first, then write C2PA.
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
    raw = await sharp(imageBytes, { failOn: 'error', limitInputPixels: inspected.maxPixels, pages: 1 })
      .autoOrient()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
  } catch (error) {
    throw toImageError(error, inspected.format)
  }
  const { width, height } = raw.info
  const scale = embeddingScale(width, height)
  // Detection averages the tiles: below four tiles on the short side (512 px) too few remain
  // after an attack (measured: a 375 px image is not found even untouched).
  if (Math.min(width, height) < minTilesPerSide * tileUnits * scale) {
    throw new MintmarkError('WATERMARK_IMAGE_TOO_SMALL', `The image is ${width}×${height}; a watermark needs at least ${minTilesPerSide * tileUnits * scale} px on each side.`, {
      details: `scale ${scale}, tile ${tileUnits * scale} px, ${minTilesPerSide} tiles`,
    })
  }
  const rgba = raw.data
  const n = width * height
  const luma = new Float32Array(n)
  for (let i = 0; i < n; i++) luma[i] = 0.299 * (rgba[4 * i] as number) + 0.587 * (rgba[4 * i + 1] as number) + 0.114 * (rgba[4 * i + 2] as number)
  const mask = textureMask(luma, width, height)

  // Chip value of every cell: pilot cells +1, data cells the codeword bit, times the key's ±1.
  const bits = encodeCodeword(payload, layout)
  const cellValue = new Float32Array(gridCells * gridCells)
  for (let k = 0; k < cellValue.length; k++) {
    const bit = layout.bitOf[k] as number
    cellValue[k] = (layout.chip[k] as number) * (bit < 0 ? 1 : bits[bit] ? 1 : -1)
  }
  const cellOfX = new Int32Array(width)
  for (let x = 0; x < width; x++) cellOfX[x] = Math.floor(Math.floor(x / scale) / cellUnits) % gridCells
  // Uint8ClampedArray rounds and clamps on store.
  const out = new Uint8ClampedArray(rgba.length)
  let squaredError = 0
  for (let y = 0; y < height; y++) {
    const row = (Math.floor(Math.floor(y / scale) / cellUnits) % gridCells) * gridCells
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const delta = strength * (mask[i] as number) * (cellValue[row + (cellOfX[x] as number)] as number)
      const o = 4 * i
      out[o] = (rgba[o] as number) + delta
      out[o + 1] = (rgba[o + 1] as number) + delta
      out[o + 2] = (rgba[o + 2] as number) + delta
      out[o + 3] = rgba[o + 3] as number
      const e0 = (out[o] as number) - (rgba[o] as number)
      const e1 = (out[o + 1] as number) - (rgba[o + 1] as number)
      const e2 = (out[o + 2] as number) - (rgba[o + 2] as number)
      squaredError += e0 * e0 + e1 * e1 + e2 * e2
    }
  }
  const mse = squaredError / (3 * n)
  const psnr = mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse)
  const hadAlpha = inspected.metadata.hasAlpha === true
  let pipeline = sharp(out, { raw: { width, height, channels: 4 } })
  if (!hadAlpha) pipeline = pipeline.removeAlpha()
  try {
    const encoded =
      format === 'jpeg'
        ? pipeline.jpeg({ quality, chromaSubsampling: '4:4:4' })
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

/**
 * Per-pixel strength factor from the luma standard deviation of its 8×8 block: flat areas get
 * less (down to 0.5×), textured areas more (up to 2×), normalised to an RMS of 1.
 */
function textureMask(luma: Float32Array, width: number, height: number): Float32Array {
  const bw = Math.ceil(width / 8)
  const bh = Math.ceil(height / 8)
  const std = new Float32Array(bw * bh)
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let s = 0
      let s2 = 0
      let count = 0
      for (let y = by * 8; y < Math.min(height, by * 8 + 8); y++) {
        for (let x = bx * 8; x < Math.min(width, bx * 8 + 8); x++) {
          const v = luma[y * width + x] as number
          s += v
          s2 += v * v
          count++
        }
      }
      std[by * bw + bx] = Math.sqrt(Math.max(0, s2 / count - (s / count) ** 2))
    }
  }
  const median = Float32Array.from(std).sort()[std.length >> 1] as number
  const factor = new Float32Array(bw * bh)
  for (let b = 0; b < factor.length; b++) factor[b] = Math.min(2, Math.max(0.5, ((std[b] as number) + 1) / (median + 1)))
  const mask = new Float32Array(width * height)
  let sumSquares = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const f = factor[(y >> 3) * bw + (x >> 3)] as number
      mask[y * width + x] = f
      sumSquares += f * f
    }
  }
  const norm = Math.sqrt(sumSquares / mask.length)
  for (let i = 0; i < mask.length; i++) mask[i] = (mask[i] as number) / norm
  return mask
}
