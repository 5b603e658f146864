import { cellCount, cellUnits, gridCells, tileUnits } from './watermark-code.js'

/**
 * Signal processing shared by the embedder and the detector, so that the embedder can compute
 * exactly what the detector will read from the host image. @internal
 */

/**
 * Residuals are clipped to ±this many luma levels before folding: the mark is a few levels, while
 * edges and texture reach tens of levels and would dominate the tile average (measured on
 * bridge-1-original: cell SNR 1.2 unclipped, 1.6 at ±6).
 */
export const residualClip = 6

/** A luma plane, row-major. */
export type Plane = { data: Float32Array; width: number; height: number }

/**
 * BT.601 luma of interleaved 8-bit pixels, box-averaged over `factor` × `factor` blocks (the
 * last row/column of blocks may be partial). One pass over the pixels, no per-pixel allocation.
 */
export function lumaPlane(pixels: Uint8Array, width: number, height: number, channels: number, factor: number): Plane {
  const w = Math.ceil(width / factor)
  const h = Math.ceil(height / factor)
  const out = new Float32Array(w * h)
  // Grey: weight 1 on the only channel (reading it three times keeps one code path).
  const [wr, wg, wb, green, blue] = channels >= 3 ? [0.299, 0.587, 0.114, 1, 2] : [1, 0, 0, 0, 0]
  if (factor === 1 && channels === 3) {
    // Literal offsets: V8 compiles these loops markedly faster than with a variable stride.
    for (let j = 0, i = 0; j < out.length; j++, i += 3) out[j] = 0.299 * (pixels[i] as number) + 0.587 * (pixels[i + 1] as number) + 0.114 * (pixels[i + 2] as number)
    return { data: out, width: w, height: h }
  }
  if (factor === 1) {
    for (let j = 0, i = 0; j < out.length; j++, i += channels) {
      out[j] = wr * (pixels[i] as number) + wg * (pixels[i + green] as number) + wb * (pixels[i + blue] as number)
    }
    return { data: out, width: w, height: h }
  }
  if (factor === 2 && width % 2 === 0 && height % 2 === 0) return lumaHalf(pixels, width, height, channels, out)
  // Integer channel sums per block, weighted once per block: the weights are linear, so this is
  // the mean luma, with 3 multiplies per block instead of per pixel.
  const sumR = new Float64Array(w)
  const sumG = new Float64Array(w)
  const sumB = new Float64Array(w)
  const stride = width * channels
  const fullBlocks = Math.floor(width / factor)
  for (let by = 0; by < h; by++) {
    sumR.fill(0)
    sumG.fill(0)
    sumB.fill(0)
    const rows = Math.min(factor, height - by * factor)
    for (let dy = 0; dy < rows; dy++) {
      let i = (by * factor + dy) * stride
      for (let bx = 0; bx < fullBlocks; bx++) {
        let r = 0
        let g = 0
        let b = 0
        for (let k = 0; k < factor; k++, i += channels) {
          r += pixels[i] as number
          g += pixels[i + green] as number
          b += pixels[i + blue] as number
        }
        sumR[bx] = (sumR[bx] as number) + r
        sumG[bx] = (sumG[bx] as number) + g
        sumB[bx] = (sumB[bx] as number) + b
      }
      // A last, partial block.
      for (let x = fullBlocks * factor; x < width; x++, i += channels) {
        sumR[fullBlocks] = (sumR[fullBlocks] as number) + (pixels[i] as number)
        sumG[fullBlocks] = (sumG[fullBlocks] as number) + (pixels[i + green] as number)
        sumB[fullBlocks] = (sumB[fullBlocks] as number) + (pixels[i + blue] as number)
      }
    }
    for (let bx = 0; bx < w; bx++) {
      const cols = Math.min(factor, width - bx * factor)
      out[by * w + bx] = (wr * (sumR[bx] as number) + wg * (sumG[bx] as number) + wb * (sumB[bx] as number)) / (rows * cols)
    }
  }
  return { data: out, width: w, height: h }
}

/** `lumaPlane` at factor 2 for even sizes (the common 4 MP case): two rows at a time, no temporaries. */
function lumaHalf(pixels: Uint8Array, width: number, height: number, channels: number, out: Float32Array): Plane {
  const w = width / 2
  const h = height / 2
  const stride = width * channels
  if (channels === 3 && width % 4 === 0 && (pixels.byteOffset & 3) === 0 && littleEndian) return lumaHalfWords(pixels, width, height, out)
  if (channels === 3) {
    // Literal offsets (as above); the weights include the 1/4 of the 2 × 2 mean.
    for (let by = 0, o = 0; by < h; by++) {
      for (let bx = 0, i = 2 * by * stride, j = i + stride; bx < w; bx++, i += 6, j += 6, o++) {
        const r = (pixels[i] as number) + (pixels[i + 3] as number) + (pixels[j] as number) + (pixels[j + 3] as number)
        const g = (pixels[i + 1] as number) + (pixels[i + 4] as number) + (pixels[j + 1] as number) + (pixels[j + 4] as number)
        const b = (pixels[i + 2] as number) + (pixels[i + 5] as number) + (pixels[j + 2] as number) + (pixels[j + 5] as number)
        out[o] = 0.07475 * r + 0.14675 * g + 0.0285 * b
      }
    }
    return { data: out, width: w, height: h }
  }
  const [green, blue, wr, wg, wb] = channels >= 3 ? [1, 2, 0.299 / 4, 0.587 / 4, 0.114 / 4] : [0, 0, 1 / 4, 0, 0]
  for (let by = 0; by < h; by++) {
    let i = 2 * by * stride
    let j = i + stride
    const row = by * w
    for (let bx = 0; bx < w; bx++, i += 2 * channels, j += 2 * channels) {
      const r = (pixels[i] as number) + (pixels[i + channels] as number) + (pixels[j] as number) + (pixels[j + channels] as number)
      const g = (pixels[i + green] as number) + (pixels[i + channels + green] as number) + (pixels[j + green] as number) + (pixels[j + channels + green] as number)
      const b = (pixels[i + blue] as number) + (pixels[i + channels + blue] as number) + (pixels[j + blue] as number) + (pixels[j + channels + blue] as number)
      out[row + bx] = wr * r + wg * g + wb * b
    }
  }
  return { data: out, width: w, height: h }
}

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/**
 * `lumaHalf` for RGB rows of whole 32-bit words: 4 pixels (12 bytes) are 3 words, read once each
 * instead of 12 byte loads. The two rows' words are added as 16-bit lanes (even bytes, odd bytes):
 * each lane is one sample summed over both rows, and two lanes make a channel's 2 × 2 sum. The
 * same integer sums as `lumaHalf`, so the same result.
 */
function lumaHalfWords(pixels: Uint8Array, width: number, height: number, out: Float32Array): Plane {
  const w = width / 2
  const h = height / 2
  const words = new Int32Array(pixels.buffer, pixels.byteOffset, pixels.length >> 2)
  const rowWords = (width * 3) >> 2
  const even = 0x00ff00ff
  for (let by = 0, o = 0; by < h; by++) {
    for (let i = 2 * by * rowWords, j = i + rowWords, end = o + w; o < end; i += 3, j += 3, o += 2) {
      const a0 = words[i] as number
      const a1 = words[i + 1] as number
      const a2 = words[i + 2] as number
      const b0 = words[j] as number
      const b1 = words[j + 1] as number
      const b2 = words[j + 2] as number
      // Little-endian words: a0 = R0 G0 B0 R1, a1 = G1 B1 R2 G2, a2 = B2 R3 G3 B3 (low byte first).
      const e0 = (a0 & even) + (b0 & even) // R0 | B0
      const d0 = ((a0 >>> 8) & even) + ((b0 >>> 8) & even) // G0 | R1
      const e1 = (a1 & even) + (b1 & even) // G1 | R2
      const d1 = ((a1 >>> 8) & even) + ((b1 >>> 8) & even) // B1 | G2
      const e2 = (a2 & even) + (b2 & even) // B2 | G3
      const d2 = ((a2 >>> 8) & even) + ((b2 >>> 8) & even) // R3 | B3
      out[o] = 0.07475 * ((e0 & 0xffff) + (d0 >>> 16)) + 0.14675 * ((d0 & 0xffff) + (e1 & 0xffff)) + 0.0285 * ((e0 >>> 16) + (d1 & 0xffff))
      out[o + 1] = 0.07475 * ((e1 >>> 16) + (d2 & 0xffff)) + 0.14675 * ((d1 >>> 16) + (e2 >>> 16)) + 0.0285 * ((e2 & 0xffff) + (d2 >>> 16))
    }
  }
  return { data: out, width: w, height: h }
}

/**
 * Luma minus its mean over a (2r+1)² box (separable running sums, clamped at the borders),
 * clipped to ±`clip`: removes the image's own low frequencies and caps its edges, which are the
 * noise the tile fold has to average away.
 */
export function clippedResidual(plane: Plane, r: number, clip: number): Float32Array {
  const { data: luma, width, height } = plane
  const tmp = new Float32Array(luma.length)
  const out = new Float32Array(luma.length)
  const at = (o: number, x: number) => luma[o + Math.min(width - 1, Math.max(0, x))] as number
  for (let y = 0; y < height; y++) {
    const o = y * width
    let acc = 0
    for (let x = -r; x <= r; x++) acc += at(o, x)
    // Borders clamp; the interior (most of the row) indexes directly.
    const interiorEnd = Math.max(0, width - r - 1)
    let x = 0
    for (; x < Math.min(r, interiorEnd); x++) {
      tmp[o + x] = acc
      acc += (luma[o + x + r + 1] as number) - at(o, x - r)
    }
    for (; x < interiorEnd; x++) {
      tmp[o + x] = acc
      acc += (luma[o + x + r + 1] as number) - (luma[o + x - r] as number)
    }
    for (; x < width; x++) {
      tmp[o + x] = acc
      acc += at(o, x + r + 1) - at(o, x - r)
    }
  }
  // Vertical pass row by row (a running column sum), which keeps memory access sequential.
  const inverseArea = 1 / ((2 * r + 1) * (2 * r + 1))
  const column = new Float64Array(width)
  for (let y = -r; y <= r; y++) {
    const o = Math.min(height - 1, Math.max(0, y)) * width
    for (let x = 0; x < width; x++) column[x] = (column[x] as number) + (tmp[o + x] as number)
  }
  for (let y = 0; y < height; y++) {
    const o = y * width
    const add = Math.min(height - 1, y + r + 1) * width
    const sub = Math.max(0, y - r) * width
    for (let x = 0; x < width; x++) {
      // Math.min/max compile to branch-free instructions; a ternary mispredicts on texture.
      out[o + x] = Math.max(-clip, Math.min(clip, (luma[o + x] as number) - (column[x] as number) * inverseArea))
      column[x] = (column[x] as number) + (tmp[add + x] as number) - (tmp[sub + x] as number)
    }
  }
  return out
}

/**
 * Mean residual per tile position (tileUnits² bins) at `scale` pixels per unit, NaN where no
 * pixel falls. Bin counts are separable (rows per unit row × columns per unit column), so the
 * inner loop is one add.
 */
export function foldTile(residual: Float32Array, width: number, height: number, scale: number): Float64Array {
  const sum = new Float64Array(tileUnits * tileUnits)
  const ux = new Int32Array(width)
  const colCount = new Float64Array(tileUnits)
  const rowCount = new Float64Array(tileUnits)
  for (let x = 0; x < width; x++) {
    const u = Math.floor(x / scale) % tileUnits
    ux[x] = u
    colCount[u] = (colCount[u] as number) + 1
  }
  for (let y = 0; y < height; y++) {
    const uy = Math.floor(y / scale) % tileUnits
    rowCount[uy] = (rowCount[uy] as number) + 1
    const row = uy * tileUnits
    const offset = y * width
    for (let x = 0; x < width; x++) {
      const bin = row + (ux[x] as number)
      sum[bin] = (sum[bin] as number) + (residual[offset + x] as number)
    }
  }
  for (let uy = 0; uy < tileUnits; uy++) {
    for (let u = 0; u < tileUnits; u++) {
      const count = (rowCount[uy] as number) * (colCount[u] as number)
      const bin = uy * tileUnits + u
      sum[bin] = count > 0 ? (sum[bin] as number) / count : Number.NaN
    }
  }
  return sum
}

/**
 * `foldTile` at one pixel per unit, plus, per tile position, the share of residual samples
 * strictly inside ±clip (where a small added pattern passes the clip linearly). One pass, a tile
 * width at a time (so the bin is the column within it); bin counts are separable, as in `foldTile`.
 */
export function foldTileWithLinearShare(residual: Float32Array, width: number, height: number, clip: number): { folded: Float64Array; linearShare: Float64Array } {
  const sum = new Float64Array(tileUnits * tileUnits)
  const inside = new Float64Array(tileUnits * tileUnits)
  for (let y = 0; y < height; y++) {
    const row = (y % tileUnits) * tileUnits
    for (let x0 = 0; x0 < width; x0 += tileUnits) {
      for (let i = y * width + x0, end = i + Math.min(tileUnits, width - x0), bin = row; i < end; i++, bin++) {
        const v = residual[i] as number
        sum[bin] = (sum[bin] as number) + v
        inside[bin] = (inside[bin] as number) + (Math.abs(v) < clip ? 1 : 0)
      }
    }
  }
  const rowCount = unitCounts(height)
  const colCount = unitCounts(width)
  for (let uy = 0; uy < tileUnits; uy++) {
    for (let u = 0; u < tileUnits; u++) {
      const n = (rowCount[uy] as number) * (colCount[u] as number)
      const bin = uy * tileUnits + u
      sum[bin] = n > 0 ? (sum[bin] as number) / n : Number.NaN
      inside[bin] = n > 0 ? (inside[bin] as number) / n : Number.NaN
    }
  }
  return { folded: sum, linearShare: inside }
}

/** How many of `length` samples (one per unit) fall at each unit position of the tile. */
function unitCounts(length: number): Float64Array {
  const count = new Float64Array(tileUnits)
  for (let t = 0; t < length; t++) count[t % tileUnits] = (count[t % tileUnits] as number) + 1
  return count
}

/**
 * Cell values of a folded tile at sub-cell phase (px, py): the mean of each cell's 4 × 4 units,
 * minus the mean of its cyclic 3 × 3 cell neighbourhood (a second high-pass, at cell level).
 * In luma levels, not standardised. For several phases, compute `cellBoxes` once.
 */
export function cellValues(folded: Float64Array | CellBoxes, px: number, py: number): Float64Array {
  return cellHighPass(cellMeans(folded, px, py))
}

/** Sum and count of the valid (non-NaN) bins of every cyclic 4 × 4-unit box of a folded tile, by top-left unit. */
export type CellBoxes = { sum: Float64Array; count: Float64Array }

export function cellBoxes(folded: Float64Array): CellBoxes {
  const n = tileUnits * tileUnits
  const rowSum = new Float64Array(n)
  const rowCount = new Float64Array(n)
  for (let y = 0; y < tileUnits; y++) {
    for (let x = 0; x < tileUnits; x++) {
      let s = 0
      let c = 0
      for (let dx = 0; dx < cellUnits; dx++) {
        const v = folded[y * tileUnits + ((x + dx) % tileUnits)] as number
        if (!Number.isNaN(v)) {
          s += v
          c++
        }
      }
      rowSum[y * tileUnits + x] = s
      rowCount[y * tileUnits + x] = c
    }
  }
  const sum = new Float64Array(n)
  const count = new Float64Array(n)
  for (let y = 0; y < tileUnits; y++) {
    for (let x = 0; x < tileUnits; x++) {
      let s = 0
      let c = 0
      for (let dy = 0; dy < cellUnits; dy++) {
        const k = ((y + dy) % tileUnits) * tileUnits + x
        s += rowSum[k] as number
        c += rowCount[k] as number
      }
      sum[y * tileUnits + x] = s
      count[y * tileUnits + x] = c
    }
  }
  return { sum, count }
}

/** Mean of each cell's 4 × 4 units of a folded tile at sub-cell phase (px, py), NaN bins skipped. */
export function cellMeans(folded: Float64Array | CellBoxes, px: number, py: number): Float64Array {
  const boxes = folded instanceof Float64Array ? cellBoxes(folded) : folded
  const raw = new Float64Array(cellCount)
  for (let i = 0; i < gridCells; i++) {
    for (let j = 0; j < gridCells; j++) {
      const k = (i * cellUnits + py) * tileUnits + j * cellUnits + px
      const c = boxes.count[k] as number
      raw[i * gridCells + j] = c ? (boxes.sum[k] as number) / c : 0
    }
  }
  return raw
}

/** Each cell minus the mean of its cyclic 3 × 3 neighbourhood. */
export function cellHighPass(raw: Float64Array): Float64Array {
  const out = new Float64Array(cellCount)
  for (let i = 0; i < gridCells; i++) {
    for (let j = 0; j < gridCells; j++) {
      let neighbourhood = 0
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) neighbourhood += raw[((i + di) & 31) * gridCells + ((j + dj) & 31)] as number
      out[i * gridCells + j] = (raw[i * gridCells + j] as number) - neighbourhood / 9
    }
  }
  return out
}

/** Divides by the root mean square (so correlations become z-scores). */
export function standardize(cells: Float64Array): Float64Array {
  let s2 = 0
  for (const v of cells) s2 += v * v
  const rms = Math.sqrt(s2 / cells.length) || 1
  return cells.map((v) => v / rms)
}
