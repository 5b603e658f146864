import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { codedLength, convolutionalEncode, viterbiDecode } from './convolutional-code.js'
import { cellCount, codedBits, codewordBits, crc24, crcBits, decodeCodeword, encodeCodeword, pilotCells, watermarkLayout } from './watermark-code.js'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
/** Standard normal (Box–Muller). */
const gaussian = (rnd: () => number) => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : 'none')

describe('convolutional code (K = 7, rate 1/3) with Viterbi decoding', () => {
  test('round trip of random messages, and the code is linear with the all-zero message coded as zeros', () => {
    const rnd = rng(1)
    expect(convolutionalEncode(new Uint8Array(88)).every((b) => b === 0)).toBe(true)
    for (let trial = 0; trial < 50; trial++) {
      const message = Uint8Array.from({ length: 88 }, () => (rnd() < 0.5 ? 1 : 0))
      const coded = convolutionalEncode(message)
      expect(coded.length).toBe(codedLength(88))
      const soft = Float64Array.from(coded, (b) => (b ? 1 : -1))
      expect(viterbiDecode(soft, 88)).toEqual(message)
    }
  })

  test('corrects hard errors a repetition code of the same length could not', () => {
    // 282 coded bits carry 88 message bits; flip 10% of them at random (28 flips). Repeating each
    // message bit 3.2× would lose a bit as soon as two of its ~3 copies flip (~97% of the time
    // for some bit); the convolutional code recovers the message nearly always.
    const rnd = rng(2)
    let exact = 0
    const trials = 200
    for (let trial = 0; trial < trials; trial++) {
      const message = Uint8Array.from({ length: 88 }, () => (rnd() < 0.5 ? 1 : 0))
      const soft = Float64Array.from(convolutionalEncode(message), (b) => (b ? 1 : -1))
      for (let i = 0; i < soft.length; i++) if (rnd() < 0.1) soft[i] = -(soft[i] as number)
      if (hex(viterbiDecode(soft, 88)) === hex(message)) exact++
    }
    expect(exact / trials).toBeGreaterThan(0.9)
  })
})

describe('watermark codeword: 64-bit payload + CRC-24, coded, whitened, spread over the cells', () => {
  test('layout: 256 pilot cells; each of the 282 coded bits on 2 or 3 data cells; whitening per key', () => {
    const layout = watermarkLayout('a key')
    expect(Array.from(layout.bitOf).filter((b) => b < 0).length).toBe(pilotCells)
    const cellsPerBit = new Array(codedBits).fill(0)
    for (const b of layout.bitOf) if (b >= 0) cellsPerBit[b]++
    expect(Math.min(...cellsPerBit)).toBe(2)
    expect(Math.max(...cellsPerBit)).toBe(3)
    expect(cellsPerBit.reduce((a, b) => a + b, 0)).toBe(cellCount - pilotCells)
    expect(hex(watermarkLayout('another key').whitening)).not.toBe(hex(layout.whitening))
  })

  test('decodes the payload from noisy soft values, including all-zero and all-one payloads', () => {
    const rnd = rng(3)
    for (let trial = 0; trial < 60; trial++) {
      const layout = watermarkLayout(randomBytes(32))
      const payload = trial % 3 === 0 ? new Uint8Array(8) : trial % 3 === 1 ? new Uint8Array(8).fill(0xff) : new Uint8Array(randomBytes(8))
      const coded = encodeCodeword(payload, layout)
      // Per-coded-bit SNR 1.5 (what ~2.7 cells at a cell SNR of ~0.9 give).
      const soft = Float64Array.from(coded, (b) => (b ? 1.5 : -1.5) + gaussian(rnd))
      const decoded = decodeCodeword(soft, layout)
      expect(hex(decoded.payload), `trial ${trial}`).toBe(hex(payload))
      expect(decoded.coded).toEqual(coded)
    }
  })

  test('on noise the decoded CRC matches at chance rate: 8-bit prefix ≈ 1/256, full CRC-24 never (false-positive arithmetic)', () => {
    // A clean image gives the decoder noise, and every decode yields some codeword. The bound
    // "≤ decodes × 2^-24" assumes its CRC field is independent of its payload; measured here on
    // the first 8 CRC bits, whose chance rate (1/256) is observable in a few thousand decodes.
    const rnd = rng(4)
    const layout = watermarkLayout('false positive key')
    const decodes = 4000
    let prefixMatches = 0
    let fullMatches = 0
    for (let i = 0; i < decodes; i++) {
      const soft = Float64Array.from({ length: codedBits }, () => gaussian(rnd))
      const bits = viterbiDecode(soft, codewordBits)
      const payload = new Uint8Array(8)
      for (let j = 0; j < 64; j++) payload[j >> 3] = (payload[j >> 3] as number) | ((bits[j] as number) << (7 - (j & 7)))
      let crc = 0
      for (let j = 0; j < crcBits; j++) crc = (crc << 1) | (bits[64 + j] as number)
      if (crc >> 16 === crc24(payload) >> 16) prefixMatches++
      if (decodeCodeword(soft, layout).payload !== undefined) fullMatches++
    }
    console.log(`noise decodes: ${decodes}, CRC 8-bit prefix matches: ${prefixMatches} (chance ${(decodes / 256).toFixed(1)}), full CRC-24 matches: ${fullMatches}`)
    // Binomial(4000, 1/256): mean 15.6, sd 3.9.
    expect(prefixMatches).toBeGreaterThanOrEqual(4)
    expect(prefixMatches).toBeLessThanOrEqual(30)
    expect(fullMatches).toBe(0)
  })
})
