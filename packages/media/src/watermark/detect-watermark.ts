import { decodeImage } from '../image/decode-image.js'
import type { ImageLimits } from '../image/inspect-image.js'
import {
  cellCount,
  cellUnits,
  codewordBits,
  decodeCodeword,
  embeddingScale,
  gridCells,
  pilotCells,
  tileUnits,
  type WatermarkKey,
  type WatermarkLayout,
  watermarkLayout,
} from './watermark-code.js'

export type DetectWatermarkParameters = ImageLimits & {
  key: WatermarkKey
  /**
   * Pixels per watermark unit to try, in order. Default: the embedding scales (1, 2, 4, 8) times
   * the common resize ratios (1, 1/2, 3/4, 2/3, 1/3, 1/4, 3/2, 2), nearest to this image's own first.
   */
  scales?: readonly number[] | undefined
}

export type DetectWatermarkReturnType = {
  found: boolean
  /** The 8-byte payload, when `found` (its CRC-24 matched). */
  payload?: Uint8Array
  /** Share of the 768 data cells whose sign agrees with the decoded codeword (raw accuracy before the repetition code). */
  bitAccuracy: number
  /** 1 − (search-corrected) probability that the pilot correlation is chance; near 0 for clean images. */
  confidence: number
  /** Pilot correlation z-score at the best alignment. */
  pilotZ: number
  /** Pixels per unit and tile offset (in units) where it was read. */
  scale?: number
  offset?: { x: number; y: number }
}

const ratios = [1, 1 / 2, 3 / 4, 2 / 3, 1 / 3, 1 / 4, 3 / 2, 2]
const minPilotZ = 3

/**
 * Looks for a watermark made by `embedWatermark` with the same key. Folds the luminance into
 * one tile per candidate scale, searches the 16 sub-cell phases × 1,024 cyclic cell shifts for
 * the pilot (so any crop offset is found), then reads the 88 codeword bits by soft majority and
 * accepts only a CRC-24 match. A clean image reports `found: false`.
 *
 * @throws MintmarkError `INPUT_INVALID` (bad key), `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`.
 */
export async function detectWatermark(imageBytes: Uint8Array, parameters: DetectWatermarkParameters): Promise<DetectWatermarkReturnType> {
  const layout = watermarkLayout(parameters.key)
  const image = await decodeImage(imageBytes, { ...parameters, autoOrient: true })
  const { width, height, data, channels } = image
  const luma = new Float32Array(width * height)
  if (channels === 1) for (let i = 0; i < luma.length; i++) luma[i] = data[i] as number
  else for (let i = 0; i < luma.length; i++) luma[i] = 0.299 * (data[3 * i] as number) + 0.587 * (data[3 * i + 1] as number) + 0.114 * (data[3 * i + 2] as number)

  const scales = parameters.scales ?? candidateScales(width, height)
  let best: DetectWatermarkReturnType = { found: false, bitAccuracy: 0, confidence: 0, pilotZ: Number.NEGATIVE_INFINITY }
  let searched = 0
  const residuals = new Map<number, Float32Array>()
  for (const scale of scales) {
    // Cells must be at least 2 px and the image must hold at least half a tile.
    if (scale * cellUnits < 2 || Math.max(width, height) < (tileUnits * scale) / 2) continue
    const radius = Math.max(1, Math.round(cellUnits * scale))
    let residual = residuals.get(radius)
    if (!residual) {
      residual = highPass(luma, width, height, radius)
      residuals.set(radius, residual)
    }
    const folded = foldTile(residual, width, height, scale)
    for (const candidate of searchAlignments(folded, layout)) {
      searched += 16 * cellCount
      const read = readCodeword(candidate.cells, candidate.shift, layout)
      const result: DetectWatermarkReturnType = {
        found: read.payload !== undefined && candidate.z >= minPilotZ,
        bitAccuracy: read.agreement,
        confidence: 0,
        pilotZ: candidate.z,
        scale,
        offset: { x: candidate.phase.x + cellUnits * candidate.shift.x, y: candidate.phase.y + cellUnits * candidate.shift.y },
      }
      if (result.found && read.payload) {
        result.payload = read.payload
        result.confidence = confidenceOf(candidate.z, searched)
        return result
      }
      if (candidate.z > best.pilotZ) best = result
    }
  }
  return { ...best, found: false, confidence: Number.isFinite(best.pilotZ) ? confidenceOf(best.pilotZ, Math.max(searched, 1)) : 0 }
}

/**
 * Pixels per unit worth trying for an image of this size: for each common resize ratio r, the
 * original short side was about short / r (up to 15% more after a crop), which fixes the scale
 * the embedder chose; ratio 1 first.
 */
function candidateScales(width: number, height: number): number[] {
  const short = Math.min(width, height)
  const out: number[] = []
  for (const r of ratios) {
    for (const original of [short / r, short / r / 0.85]) {
      const sigma = embeddingScale(original, original)
      const e = Math.round(sigma * r * 1e6) / 1e6
      if (original >= 4 * tileUnits * sigma * 0.85 && !out.includes(e)) out.push(e)
    }
  }
  return out
}

/**
 * Luma minus its local mean over a (2r+1)² box (separable, clamped at the borders): removes the
 * image's own low frequencies, which dominate the noise the tile fold has to average away.
 */
function highPass(luma: Float32Array, width: number, height: number, r: number): Float32Array {
  const tmp = new Float32Array(luma.length)
  const out = new Float32Array(luma.length)
  for (let y = 0; y < height; y++) {
    const o = y * width
    let acc = 0
    for (let x = -r; x <= r; x++) acc += luma[o + Math.min(width - 1, Math.max(0, x))] as number
    for (let x = 0; x < width; x++) {
      tmp[o + x] = acc
      acc += (luma[o + Math.min(width - 1, x + r + 1)] as number) - (luma[o + Math.max(0, x - r)] as number)
    }
  }
  // Vertical pass row by row (a running column sum), which keeps memory access sequential.
  const area = (2 * r + 1) * (2 * r + 1)
  const column = new Float32Array(width)
  for (let y = -r; y <= r; y++) {
    const o = Math.min(height - 1, Math.max(0, y)) * width
    for (let x = 0; x < width; x++) column[x] = (column[x] as number) + (tmp[o + x] as number)
  }
  for (let y = 0; y < height; y++) {
    const o = y * width
    const add = Math.min(height - 1, y + r + 1) * width
    const sub = Math.max(0, y - r) * width
    for (let x = 0; x < width; x++) {
      out[o + x] = (luma[o + x] as number) - (column[x] as number) / area
      column[x] = (column[x] as number) + (tmp[add + x] as number) - (tmp[sub + x] as number)
    }
  }
  return out
}

/** Mean luma per tile position (tileUnits² bins), NaN where no pixel falls. */
function foldTile(luma: Float32Array, width: number, height: number, scale: number): Float64Array {
  const sum = new Float64Array(tileUnits * tileUnits)
  const count = new Float64Array(tileUnits * tileUnits)
  const ux = new Int32Array(width)
  for (let x = 0; x < width; x++) ux[x] = Math.floor(x / scale) % tileUnits
  for (let y = 0; y < height; y++) {
    const row = (Math.floor(y / scale) % tileUnits) * tileUnits
    const offset = y * width
    for (let x = 0; x < width; x++) {
      const bin = row + (ux[x] as number)
      sum[bin] = (sum[bin] as number) + (luma[offset + x] as number)
      count[bin] = (count[bin] as number) + 1
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] = (count[i] as number) > 0 ? (sum[i] as number) / (count[i] as number) : Number.NaN
  return sum
}

type Alignment = { z: number; phase: { x: number; y: number }; shift: { x: number; y: number }; cells: Float64Array }

/**
 * For each sub-cell phase: cell means of the folded tile, high-passed (minus the 3×3 cyclic
 * neighbourhood mean) and standardised; then the pilot correlation at every cyclic cell shift.
 * Returns the best alignment of each phase, best first (the top three are tried).
 */
function searchAlignments(folded: Float64Array, layout: WatermarkLayout): Alignment[] {
  const found: Alignment[] = []
  // Pilot positions as offsets into a 2×2-tiled copy of the cell grid, so that every cyclic
  // shift is a plain gather (no modulo in the inner loop).
  const wide = 2 * gridCells
  const base = new Int32Array(pilotCells)
  const pilotChip = new Float64Array(pilotCells)
  for (let p = 0; p < pilotCells; p++) {
    const k = layout.pilot[p] as number
    base[p] = Math.floor(k / gridCells) * wide + (k % gridCells)
    pilotChip[p] = layout.chip[k] as number
  }
  const tiled = new Float64Array(wide * wide)
  for (let py = 0; py < cellUnits; py++) {
    for (let px = 0; px < cellUnits; px++) {
      const cells = cellMeans(folded, px, py)
      for (let i = 0; i < wide; i++) for (let j = 0; j < wide; j++) tiled[i * wide + j] = cells[(i & 31) * gridCells + (j & 31)] as number
      let bestZ = Number.NEGATIVE_INFINITY
      let bestShift = { x: 0, y: 0 }
      for (let sy = 0; sy < gridCells; sy++) {
        for (let sx = 0; sx < gridCells; sx++) {
          const shift = sy * wide + sx
          let corr = 0
          for (let p = 0; p < pilotCells; p++) corr += (pilotChip[p] as number) * (tiled[(base[p] as number) + shift] as number)
          const z = corr / Math.sqrt(pilotCells)
          if (z > bestZ) {
            bestZ = z
            bestShift = { x: sx, y: sy }
          }
        }
      }
      found.push({ z: bestZ, phase: { x: px, y: py }, shift: bestShift, cells })
    }
  }
  return found.sort((a, b) => b.z - a.z).slice(0, 3)
}

function cellMeans(folded: Float64Array, px: number, py: number): Float64Array {
  const raw = new Float64Array(cellCount)
  for (let i = 0; i < gridCells; i++) {
    for (let j = 0; j < gridCells; j++) {
      let s = 0
      let c = 0
      for (let dy = 0; dy < cellUnits; dy++) {
        const y = (i * cellUnits + py + dy) % tileUnits
        for (let dx = 0; dx < cellUnits; dx++) {
          const v = folded[y * tileUnits + ((j * cellUnits + px + dx) % tileUnits)] as number
          if (!Number.isNaN(v)) {
            s += v
            c++
          }
        }
      }
      raw[i * gridCells + j] = c ? s / c : 0
    }
  }
  const hp = new Float64Array(cellCount)
  let s2 = 0
  for (let i = 0; i < gridCells; i++) {
    for (let j = 0; j < gridCells; j++) {
      let neighbourhood = 0
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) neighbourhood += raw[((i + di) & 31) * gridCells + ((j + dj) & 31)] as number
      const v = (raw[i * gridCells + j] as number) - neighbourhood / 9
      hp[i * gridCells + j] = v
      s2 += v * v
    }
  }
  const std = Math.sqrt(s2 / cellCount) || 1
  for (let k = 0; k < cellCount; k++) hp[k] = (hp[k] as number) / std
  return hp
}

function readCodeword(cells: Float64Array, shift: { x: number; y: number }, layout: WatermarkLayout): { payload: Uint8Array | undefined; agreement: number } {
  const soft = new Float64Array(codewordBits)
  const value = (k: number) => (layout.chip[k] as number) * (cells[((Math.floor(k / gridCells) + shift.y) & 31) * gridCells + (((k % gridCells) + shift.x) & 31)] as number)
  for (let k = 0; k < cellCount; k++) {
    const bit = layout.bitOf[k] as number
    if (bit >= 0) soft[bit] = (soft[bit] as number) + value(k)
  }
  const hard = Uint8Array.from(soft, (v) => (v > 0 ? 1 : 0))
  let agree = 0
  let total = 0
  for (let k = 0; k < cellCount; k++) {
    const bit = layout.bitOf[k] as number
    if (bit < 0) continue
    total++
    if (value(k) > 0 === (hard[bit] === 1)) agree++
  }
  return { payload: decodeCodeword(hard, layout), agreement: agree / total }
}

/** 1 − (number of alignments searched) × P(N(0,1) > z), clamped to [0, 1]. */
function confidenceOf(z: number, searched: number): number {
  return Math.max(0, Math.min(1, 1 - searched * 0.5 * erfc(z / Math.SQRT2)))
}

function erfc(x: number): number {
  // Numerical Recipes erfcc (fractional error < 1.2e-7).
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}
