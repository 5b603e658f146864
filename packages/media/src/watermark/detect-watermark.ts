import { decodeImage } from '../image/decode-image.js'
import type { ImageLimits } from '../image/inspect-image.js'
import {
  cellCount,
  cellUnits,
  codedBits,
  dataCells,
  decodeCodeword,
  embeddingScale,
  gridCells,
  pilotCells,
  tileUnits,
  type WatermarkKey,
  type WatermarkLayout,
  watermarkLayout,
} from './watermark-code.js'
import { cyclicCorrelation, type PatternSpectrum, patternSpectrum } from './cyclic-correlation.js'
import { cellBoxes, cellValues, clippedResidual, foldTile, lumaPlane, type Plane, residualClip, standardize } from './watermark-signal.js'

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
  /** Share of the 768 data cells whose sign agrees with the decoded codeword (raw accuracy before error correction). */
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
/** Alignments decoded per candidate scale (the false-positive bound counts them). */
export const alignmentsPerScale = 3

/**
 * Looks for a watermark made by `embedWatermark` with the same key. For each candidate scale it
 * works on the luma box-averaged to 1–2 pixels per unit, high-passes and clips it, folds it into
 * one tile, searches the 16 sub-cell phases × 1,024 cyclic cell shifts for the pilot (so any
 * crop offset is found), then decodes the convolutional code by soft Viterbi and accepts only a
 * CRC-24 match with a pilot z ≥ 3. A clean image reports `found: false`.
 *
 * @throws MintmarkError `INPUT_INVALID` (bad key), `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`.
 */
export async function detectWatermark(imageBytes: Uint8Array, parameters: DetectWatermarkParameters): Promise<DetectWatermarkReturnType> {
  const layout = watermarkLayout(parameters.key)
  const image = await decodeImage(imageBytes, { ...parameters, autoOrient: true })
  const { width, height, data, channels } = image

  const scales = parameters.scales ?? candidateScales(width, height)
  let best: DetectWatermarkReturnType = { found: false, bitAccuracy: 0, confidence: 0, pilotZ: Number.NEGATIVE_INFINITY }
  let searched = 0
  const planes = new Map<number, Plane>()
  const residuals = new Map<string, Float32Array>()
  for (const scale of scales) {
    // Cells must be at least 2 px and the image must hold at least half a tile.
    if (scale * cellUnits < 2 || Math.max(width, height) < (tileUnits * scale) / 2) continue
    // Work at 1/factor of the resolution, so that a unit is 1–2 working pixels: the mark is
    // constant over a unit, so averaging a unit's pixels keeps it and saves the work.
    const factor = Math.max(1, Math.floor(scale))
    let plane = planes.get(factor)
    if (!plane) {
      plane = lumaPlane(data, width, height, channels, factor)
      planes.set(factor, plane)
    }
    const unit = scale / factor
    const radius = Math.max(1, Math.round(cellUnits * unit))
    const residualKey = `${factor}/${radius}`
    let residual = residuals.get(residualKey)
    if (!residual) {
      residual = clippedResidual(plane, radius, residualClip)
      residuals.set(residualKey, residual)
    }
    const folded = foldTile(residual, plane.width, plane.height, unit)
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
 * the embedder chose; ratio 1 first. At most 16 scales (8 ratios × 2 originals).
 * @internal
 */
export function candidateScales(width: number, height: number): number[] {
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

type Alignment = { z: number; phase: { x: number; y: number }; shift: { x: number; y: number }; cells: Float64Array }

const pilotSpectra = new WeakMap<WatermarkLayout, PatternSpectrum>()

/** The pilot as a 32 × 32 grid (its chip on pilot cells, 0 elsewhere), as a spectrum. */
function pilotSpectrum(layout: WatermarkLayout): PatternSpectrum {
  let spectrum = pilotSpectra.get(layout)
  if (!spectrum) {
    const pattern = new Float64Array(cellCount)
    for (const k of layout.pilot) pattern[k] = layout.chip[k] as number
    spectrum = patternSpectrum(pattern, gridCells)
    pilotSpectra.set(layout, spectrum)
  }
  return spectrum
}

/**
 * For each sub-cell phase: the standardised cell values of the folded tile, then the pilot
 * correlation at every cyclic cell shift (one FFT correlation). Returns the best alignment of
 * each phase, best first (the top `alignmentsPerScale` are decoded).
 */
function searchAlignments(folded: Float64Array, layout: WatermarkLayout): Alignment[] {
  const found: Alignment[] = []
  const spectrum = pilotSpectrum(layout)
  const boxes = cellBoxes(folded)
  for (let py = 0; py < cellUnits; py++) {
    for (let px = 0; px < cellUnits; px++) {
      const cells = standardize(cellValues(boxes, px, py))
      const correlation = cyclicCorrelation(spectrum, cells)
      let best = 0
      for (let s = 1; s < cellCount; s++) if ((correlation[s] as number) > (correlation[best] as number)) best = s
      found.push({
        z: (correlation[best] as number) / Math.sqrt(pilotCells),
        phase: { x: px, y: py },
        shift: { x: best % gridCells, y: Math.floor(best / gridCells) },
        cells,
      })
    }
  }
  return found.sort((a, b) => b.z - a.z).slice(0, alignmentsPerScale)
}

/** Soft value per coded bit (the sum over its 2–3 cells, chips removed), then Viterbi + CRC. */
function readCodeword(cells: Float64Array, shift: { x: number; y: number }, layout: WatermarkLayout): { payload: Uint8Array | undefined; agreement: number } {
  const soft = new Float64Array(codedBits)
  const value = new Float64Array(cellCount)
  for (let k = 0; k < cellCount; k++) {
    value[k] = (layout.chip[k] as number) * (cells[((Math.floor(k / gridCells) + shift.y) & 31) * gridCells + (((k % gridCells) + shift.x) & 31)] as number)
    const bit = layout.bitOf[k] as number
    if (bit >= 0) soft[bit] = (soft[bit] as number) + (value[k] as number)
  }
  const decoded = decodeCodeword(soft, layout)
  let agree = 0
  for (let k = 0; k < cellCount; k++) {
    const bit = layout.bitOf[k] as number
    if (bit >= 0 && (value[k] as number) > 0 === (decoded.coded[bit] === 1)) agree++
  }
  return { payload: decoded.payload, agreement: agree / dataCells }
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
