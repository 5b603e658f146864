import { MintmarkError } from '@mintmark/core'

/**
 * Raw pixels as PDQ takes them: row-major, interleaved, 8 bits per sample. `channels` is 1 (grey),
 * 2 (grey + alpha), 3 (RGB) or 4 (RGBA); alpha is ignored, as in the reference (which converts
 * to RGB without compositing).
 */
export type PdqPixels = {
  data: Uint8Array | Uint8ClampedArray
  width: number
  height: number
  channels: 1 | 2 | 3 | 4
}

/** The 16×16 DCT block (row-major, 256 values) and the quality metric of one image. */
export type PdqDct = { dct: Float64Array; quality: number }

// Luma weights of the reference (ITU-R BT.601, "the Y in YUV").
const lumaR = 0.299
const lumaG = 0.587
const lumaB = 0.114

/** Below this many rows or columns the reference gives up: all-zero hash, quality 0. */
export const pdqMinHashableDimension = 5

// X,Y,X,Y passes of 1-D box filters approximate a 2-D tent filter (Jarosz 2001).
const jaroszPasses = 2

/**
 * The 16×64 DCT-II basis of the reference: rows 1..16 (the DC row 0 is skipped) of the 64-point
 * DCT, scaled by sqrt(2/64). Only the lowest 16×16 frequencies feed the hash.
 */
const dctMatrix: Float64Array = (() => {
  const m = new Float64Array(16 * 64)
  const scale = Math.sqrt(2 / 64)
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) m[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1))
  }
  return m
})()

/**
 * Runs the PDQ pipeline up to the DCT: luma, Jarosz tent-filter downsample to 64×64, the
 * gradient quality metric, and the 16×16 DCT. Returns `undefined` for images smaller than 5 px on
 * a side (the reference's minimum).
 */
export function computePdqDct(pixels: PdqPixels): PdqDct | undefined {
  assertPixels(pixels)
  const { width: numCols, height: numRows } = pixels
  if (numRows < pdqMinHashableDimension || numCols < pdqMinHashableDimension) return undefined

  const luma = toLuma(pixels)
  let block64: Float64Array
  if (numRows === 64 && numCols === 64) {
    block64 = luma // already the right size: the reference skips the blur too
  } else {
    const scratch = new Float64Array(luma.length)
    const windowAlongRows = jaroszWindowSize(numCols, 64)
    const windowAlongCols = jaroszWindowSize(numRows, 64)
    for (let pass = 0; pass < jaroszPasses; pass++) {
      boxAlongRows(luma, scratch, numRows, numCols, windowAlongRows)
      boxAlongCols(scratch, luma, numRows, numCols, windowAlongCols)
    }
    block64 = decimate(luma, numRows, numCols)
  }
  return { dct: dct64To16(block64), quality: qualityMetric(block64) }
}

function assertPixels(pixels: PdqPixels): void {
  const { data, width, height, channels } = pixels
  const problems: string[] = []
  if (!Number.isSafeInteger(width) || width < 1) problems.push('width')
  if (!Number.isSafeInteger(height) || height < 1) problems.push('height')
  if (!(channels === 1 || channels === 2 || channels === 3 || channels === 4)) problems.push('channels')
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) problems.push('data')
  if (problems.length === 0 && data.length < width * height * channels) problems.push('data')
  if (problems.length > 0) {
    throw new MintmarkError('INPUT_INVALID', 'PDQ needs 8-bit interleaved pixels with positive integer dimensions.', {
      fields: problems,
      details: `width=${String(width)} height=${String(height)} channels=${String(channels)} bytes=${String(data?.length)}`,
    })
  }
}

function toLuma({ data, width, height, channels }: PdqPixels): Float64Array {
  const n = width * height
  const out = new Float64Array(n)
  if (channels <= 2) {
    for (let p = 0, s = 0; p < n; p++, s += channels) out[p] = data[s] as number
  } else {
    for (let p = 0, s = 0; p < n; p++, s += channels) {
      out[p] = lumaR * (data[s] as number) + lumaG * (data[s + 1] as number) + lumaB * (data[s + 2] as number)
    }
  }
  return out
}

/**
 * Window size of one box pass: half of old/new, rounded up, because two passes make one tent
 * of the full block width (e.g. 1024 px → 64 px: two passes of 8).
 */
function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension))
}

// The reference's box filter is centred with `half = floor((w + 2) / 2)`: output k averages the
// inputs [k + half - w, k + half - 1], clipped to the vector, divided by the number of inputs
// actually inside (so edges are averaged over a shorter window, not zero-padded).
function boxAlongRows(input: Float64Array, output: Float64Array, numRows: number, numCols: number, w: number): void {
  const half = Math.floor((w + 2) / 2)
  for (let r = 0; r < numRows; r++) {
    const base = r * numCols
    let sum = 0
    for (let i = 0; i < half - 1 && i < numCols; i++) sum += input[base + i] as number
    for (let k = 0; k < numCols; k++) {
      const hi = k + half - 1
      const lo = k + half - w
      if (hi < numCols) sum += input[base + hi] as number
      if (lo - 1 >= 0) sum -= input[base + lo - 1] as number
      const count = Math.min(hi, numCols - 1) - Math.max(lo, 0) + 1
      output[base + k] = sum / count
    }
  }
}

// Same filter down the columns, run over whole rows at once so memory is read sequentially.
function boxAlongCols(input: Float64Array, output: Float64Array, numRows: number, numCols: number, w: number): void {
  const half = Math.floor((w + 2) / 2)
  const sums = new Float64Array(numCols)
  for (let i = 0; i < half - 1 && i < numRows; i++) {
    const base = i * numCols
    for (let c = 0; c < numCols; c++) sums[c] = (sums[c] as number) + (input[base + c] as number)
  }
  for (let k = 0; k < numRows; k++) {
    const hi = k + half - 1
    const lo = k + half - w
    if (hi < numRows) {
      const base = hi * numCols
      for (let c = 0; c < numCols; c++) sums[c] = (sums[c] as number) + (input[base + c] as number)
    }
    if (lo - 1 >= 0) {
      const base = (lo - 1) * numCols
      for (let c = 0; c < numCols; c++) sums[c] = (sums[c] as number) - (input[base + c] as number)
    }
    const count = Math.min(hi, numRows - 1) - Math.max(lo, 0) + 1
    const outBase = k * numCols
    for (let c = 0; c < numCols; c++) output[outBase + c] = (sums[c] as number) / count
  }
}

/** Samples the blurred image at the centres (not corners) of a 64×64 grid. */
function decimate(input: Float64Array, numRows: number, numCols: number): Float64Array {
  const out = new Float64Array(64 * 64)
  for (let i = 0; i < 64; i++) {
    const ini = Math.floor(((i + 0.5) * numRows) / 64)
    for (let j = 0; j < 64; j++) {
      const inj = Math.floor(((j + 0.5) * numCols) / 64)
      out[i * 64 + j] = input[ini * numCols + inj] as number
    }
  }
  return out
}

/**
 * The reference's heuristic quality: the sum of quantised (to whole percent of full scale)
 * vertical and horizontal neighbour differences of the 64×64 image, divided by 90, capped at 100.
 */
function qualityMetric(a: Float64Array): number {
  let gradientSum = 0
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      gradientSum += Math.abs(Math.trunc((((a[i * 64 + j] as number) - (a[(i + 1) * 64 + j] as number)) * 100) / 255))
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      gradientSum += Math.abs(Math.trunc((((a[i * 64 + j] as number) - (a[i * 64 + j + 1] as number)) * 100) / 255))
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90))
}

/** B = D·A·Dᵀ with D the 16×64 basis: the 16×16 low-frequency block without the DC terms. */
function dct64To16(a: Float64Array): Float64Array {
  const t = new Float64Array(16 * 64)
  for (let i = 0; i < 16; i++) {
    for (let k = 0; k < 64; k++) {
      const d = dctMatrix[i * 64 + k] as number
      const rowA = k * 64
      const rowT = i * 64
      for (let j = 0; j < 64; j++) t[rowT + j] = (t[rowT + j] as number) + d * (a[rowA + j] as number)
    }
  }
  const b = new Float64Array(16 * 16)
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let sum = 0
      for (let k = 0; k < 64; k++) sum += (t[i * 64 + k] as number) * (dctMatrix[j * 64 + k] as number)
      b[i * 16 + j] = sum
    }
  }
  return b
}
