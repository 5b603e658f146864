import { describe, expect, test } from 'vitest'
import { pixelAdder, rowAdder } from './add-to-pixels.js'

/** A seeded generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return s / 2 ** 32
  }
}

/** Samples crowding the ends of the range, where clamping happens. */
const testPixels = (rnd: () => number, length: number) =>
  Uint8Array.from({ length }, () => (rnd() < 0.3 ? (rnd() < 0.5 ? Math.floor(rnd() * 6) : 250 + Math.floor(rnd() * 6)) : Math.floor(rnd() * 256)))

/** The reference: a clamped add, sample by sample, of `deltaAt(p)` to pixel p of `count` from `startPixel`; returns the sum of squared changes. */
function referenceAdd(pixels: Uint8Array, channels: number, startPixel: number, count: number, deltaAt: (p: number) => number): number {
  let squared = 0
  const colour = channels >= 3 ? 3 : 1
  for (let p = 0; p < count; p++) {
    for (let c = 0; c < colour; c++) {
      const i = (startPixel + p) * channels + c
      const v = pixels[i] as number
      const n = Math.max(0, Math.min(255, v + deltaAt(p)))
      pixels[i] = n
      squared += (n - v) ** 2
    }
  }
  return squared
}

describe('pixelAdder', () => {
  test('matches a per-sample clamped add, word-aligned or not, any channel count, near 0 and 255, large deltas', () => {
    const rnd = seeded(11)
    let runs = 0
    let wordRuns = 0
    for (let trial = 0; trial < 400; trial++) {
      const channels = 1 + (trial % 4)
      // Half the runs aligned like the embedder's (start and length multiples of 4 pixels).
      const aligned = trial % 2 === 0
      const count = aligned ? 4 * (1 + Math.floor(rnd() * 6)) : 1 + Math.floor(rnd() * 24)
      const startPixel = aligned ? 4 * Math.floor(rnd() * 2) : Math.floor(rnd() * 6)
      const pixels = testPixels(rnd, (startPixel + count + 2) * channels)
      const delta = trial % 50 === 0 ? Math.round((rnd() - 0.5) * 500) : Math.round((rnd() - 0.5) * 24)
      const expected = Uint8Array.from(pixels)
      const expectedSquared = referenceAdd(expected, channels, startPixel, count, () => delta)
      const start = startPixel * channels
      if (channels === 3 && start % 4 === 0 && (count * 3) % 4 === 0) wordRuns++
      expect(pixelAdder(pixels, channels)(start, count, delta), `trial ${trial}`).toBe(expectedSquared)
      expect(pixels, `trial ${trial}`).toEqual(expected)
      runs++
    }
    expect(runs).toBe(400)
    // The 32-bit path was exercised too.
    expect(wordRuns).toBeGreaterThan(40)
  })
})

describe('rowAdder', () => {
  test('matches a per-sample clamped add of each run’s delta: aligned rows or not, short last run, zero and out-of-range deltas', () => {
    const rnd = seeded(23)
    let wordRows = 0
    for (let trial = 0; trial < 300; trial++) {
      const channels = 1 + (trial % 4)
      // Half the rows laid out like the embedder's (whole words, runs of 4·scale pixels).
      const aligned = trial % 2 === 0
      const runPixels = aligned ? 4 * (1 + Math.floor(rnd() * 3)) : 1 + Math.floor(rnd() * 9)
      const rowPixels = aligned ? 4 * (1 + Math.floor(rnd() * 12)) : 1 + Math.floor(rnd() * 40)
      const startPixel = aligned ? 4 * Math.floor(rnd() * 2) : Math.floor(rnd() * 5)
      const runs = Math.ceil(rowPixels / runPixels)
      const deltas = Int16Array.from({ length: runs }, (_, k) => (k % 7 === 3 ? 0 : trial % 25 === 0 && k === 0 ? 200 : Math.round((rnd() - 0.5) * 24)))
      const pixels = testPixels(rnd, (startPixel + rowPixels + 1) * channels)
      const expected = Uint8Array.from(pixels)
      const expectedSquared = referenceAdd(expected, channels, startPixel, rowPixels, (p) => deltas[Math.floor(p / runPixels)] as number)
      if (channels === 3 && aligned) wordRows++
      expect(rowAdder(pixels, channels)(startPixel * channels, rowPixels, runPixels, deltas), `trial ${trial}`).toBe(expectedSquared)
      expect(pixels, `trial ${trial}`).toEqual(expected)
    }
    // The 32-bit path was exercised too.
    expect(wordRows).toBeGreaterThan(30)
  })
})
