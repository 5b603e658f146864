import type { PdqPixels } from './compute-pdq-dct.js'

/**
 * The pixels' BT.601 luma, histogram-equalised (each level replaced by its mid-rank, scaled to
 * 0–255), as a grey image. PDQ is already blind to a linear change of luma (the DC term is left
 * out and bits are set against the median), but not to a non-linear tone change or clipping: a
 * ±10% brightness change moved plain PDQ by a median of 20–22 bits (13–15% of copies beyond
 * 31). Equalisation maps any monotonic tone curve to the same ranks: the PDQ of the equalised
 * luma moved 14–16 bits on the same copies. It is an extra fingerprint, not PDQ: it is only
 * compared with other equalised hashes.
 */
export function equalisedLuma(pixels: PdqPixels): PdqPixels {
  const { data, width, height, channels } = pixels
  const n = width * height
  const luma = new Uint8Array(n)
  const histogram = new Float64Array(256)
  for (let i = 0, o = 0; i < n; i++, o += channels) {
    const v = channels >= 3 ? Math.round(0.299 * (data[o] as number) + 0.587 * (data[o + 1] as number) + 0.114 * (data[o + 2] as number)) : (data[o] as number)
    luma[i] = v
    histogram[v] = (histogram[v] as number) + 1
  }
  const level = new Uint8Array(256)
  let below = 0
  for (let v = 0; v < 256; v++) {
    const count = histogram[v] as number
    level[v] = Math.round((255 * (below + count / 2)) / n)
    below += count
  }
  for (let i = 0; i < n; i++) luma[i] = level[luma[i] as number] as number
  return { data: luma, width, height, channels: 1 }
}
