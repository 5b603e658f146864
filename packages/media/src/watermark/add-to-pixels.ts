/**
 * Returns `add(start, count, delta)`, which adds an integer `delta` to the colour samples (R, G, B,
 * or the grey sample; not alpha) of `count` consecutive pixels starting at byte `start` of
 * `pixels` (interleaved, 8 bits per sample), clamping to 0–255, and returns the sum of squared
 * changes actually made (for the PSNR). @internal
 *
 * For RGB runs aligned to 32 bits (the embedder's runs are 4·scale pixels, so any RGB image whose
 * width is a multiple of 4), four samples are updated per 32-bit word (saturating byte-wise
 * addition), which halves the cost of the embedder's only full-resolution pass. Otherwise, one
 * sample at a time. The views are made once, not per run.
 */
export function pixelAdder(pixels: Uint8Array, channels: number): (start: number, count: number, delta: number) => number {
  const words = channels === 3 && (pixels.byteOffset & 3) === 0 ? new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >> 2) : undefined
  const clamped = new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.length)
  const colour = channels >= 3 ? 3 : 1
  return (start, count, delta) => {
    if (delta === 0) return 0
    const bytes = count * channels
    if (words && (start & 3) === 0 && (bytes & 3) === 0 && delta >= -127 && delta <= 127) return addToWords(words, start >> 2, (start + bytes) >> 2, delta)
    let squared = 0
    for (let i = start, end = start + bytes; i < end; i += channels) {
      for (let c = 0; c < colour; c++) {
        const v = clamped[i + c] as number
        clamped[i + c] = v + delta
        const change = (clamped[i + c] as number) - v
        squared += change * change
      }
    }
    return squared
  }
}

/**
 * Returns `addRow(start, rowPixels, runPixels, deltas)`, which adds `deltas[k]` to run k of
 * `runPixels` pixels (the last may be shorter) of the `rowPixels` pixels from byte `start`, as
 * `pixelAdder`'s function would run by run, and returns the sum of squared changes. @internal
 *
 * The embedder's rows have hundreds of runs of a few words each: one call per row, with the
 * alignment checked once, saves a call and the checks per run.
 */
export function rowAdder(pixels: Uint8Array, channels: number): (start: number, rowPixels: number, runPixels: number, deltas: ArrayLike<number>) => number {
  const words = channels === 3 && (pixels.byteOffset & 3) === 0 ? new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >> 2) : undefined
  const add = pixelAdder(pixels, channels)
  return (start, rowPixels, runPixels, deltas) => {
    let squared = 0
    const runs = Math.ceil(rowPixels / runPixels)
    if (words && (start & 3) === 0 && ((rowPixels * channels) & 3) === 0 && ((runPixels * channels) & 3) === 0) {
      const runWords = (runPixels * channels) >> 2
      const end = (start + rowPixels * channels) >> 2
      for (let k = 0, from = start >> 2; k < runs; k++, from += runWords) {
        const delta = deltas[k] as number
        if (delta === 0) continue
        if (delta >= -127 && delta <= 127) squared += addToWords(words, from, Math.min(end, from + runWords), delta)
        else squared += add(from << 2, Math.min(runPixels, rowPixels - k * runPixels), delta)
      }
      return squared
    }
    for (let k = 0; k < runs; k++) squared += add(start + k * runPixels * channels, Math.min(runPixels, rowPixels - k * runPixels), deltas[k] as number)
    return squared
  }
}

/**
 * Saturating byte-wise add of `delta` (|delta| ≤ 127) to every byte of words [from, to). For d > 0: the low 7 bits of each
 * byte plus d cannot carry into the next byte; bit 7 is restored by XOR, and a byte whose bit 7
 * was set in both overflowed (set to 255). A subtraction is the same on the complement.
 */
function addToWords(words: Uint32Array, from: number, to: number, delta: number): number {
  const spread = Math.imul(delta < 0 ? -delta : delta, 0x01010101)
  // Every byte changes by `delta` unless it clamps; those words are corrected one by one.
  let squared = delta * delta * 4 * (to - from)
  if (delta > 0) {
    for (let w = from; w < to; w++) {
      const x = words[w] as number
      const high = x & 0x80808080
      const sum = (x & 0x7f7f7f7f) + spread
      const over = high & sum
      words[w] = (sum ^ high) | Math.imul(over >>> 7, 0xff)
      if (over !== 0) squared += wordError(x, delta) - delta * delta * 4
    }
  } else {
    for (let w = from; w < to; w++) {
      const original = words[w] as number
      const x = ~original
      const high = x & 0x80808080
      const sum = (x & 0x7f7f7f7f) + spread
      const over = high & sum
      words[w] = ~((sum ^ high) | Math.imul(over >>> 7, 0xff))
      if (over !== 0) squared += wordError(original, delta) - delta * delta * 4
    }
  }
  return squared
}

/** Squared change of the four bytes of `word` when `delta` is added with clamping. */
function wordError(word: number, delta: number): number {
  let squared = 0
  for (let k = 0; k < 32; k += 8) {
    const v = (word >>> k) & 0xff
    const change = Math.max(0, Math.min(255, v + delta)) - v
    squared += change * change
  }
  return squared
}
