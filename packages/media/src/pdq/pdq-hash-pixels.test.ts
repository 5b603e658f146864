import { MintmarkError } from '@mintmark/core'
import { describe, expect, test } from 'vitest'
import { hammingDistance } from './hamming-distance.js'
import { pdqHashPixels } from './pdq-hash-pixels.js'

// Small deterministic PRNG so the synthetic images are the same on every run.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * An RGB "photo": random soft blobs over a gradient, with structure at PDQ's 64×64 scale.
 * `blobCount` 30 gives quality ≈ 90; 6 large blobs give a smooth, low-quality (≈ 20) image.
 */
function syntheticImage(seed: number, width: number, height: number, blobCount = 30) {
  const rnd = mulberry32(seed)
  const large = blobCount < 10
  const blobs = Array.from({ length: blobCount }, () => ({
    x: rnd() * width,
    y: rnd() * height,
    r: (large ? 0.1 + rnd() * 0.3 : 0.03 + rnd() * 0.12) * Math.min(width, height),
    c: [rnd() * 255, rnd() * 255, rnd() * 255],
  }))
  const gx = rnd() * 2 - 1
  const gy = rnd() * 2 - 1
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let v = 128 + 60 * (gx * (x / width - 0.5) + gy * (y / height - 0.5))
        for (const b of blobs) {
          const d2 = ((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r)
          v += ((b.c[ch] as number) - 128) * Math.exp(-d2)
        }
        data[(y * width + x) * 3 + ch] = Math.max(0, Math.min(255, Math.round(v)))
      }
    }
  }
  return { data, width, height, channels: 3 as const }
}

const bitCount = (hex: string) => [...hex].reduce((n, c) => n + Number.parseInt(c, 16).toString(2).replaceAll('0', '').length, 0)

describe('pdqHashPixels', () => {
  test('returns 64 lowercase hex digits with half the bits set (median threshold)', () => {
    const { hash, quality } = pdqHashPixels(syntheticImage(1, 300, 200))
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(bitCount(hash)).toBe(128)
    expect(quality).toBeGreaterThanOrEqual(0)
    expect(quality).toBeLessThanOrEqual(100)
  })

  test('is deterministic', () => {
    const image = syntheticImage(2, 257, 131)
    expect(pdqHashPixels(image)).toEqual(pdqHashPixels({ ...image, data: image.data.slice() }))
  })

  test('small pixel noise moves the hash of a good-quality image a little; unrelated images are far apart', () => {
    const image = syntheticImage(3, 320, 240)
    const rnd = mulberry32(99)
    const noisy = image.data.map((v) => Math.max(0, Math.min(255, v + Math.round((rnd() - 0.5) * 8))))
    const { hash: base, quality } = pdqHashPixels(image)
    expect(quality).toBeGreaterThanOrEqual(50)
    expect(hammingDistance(base, pdqHashPixels({ ...image, data: noisy }).hash)).toBeLessThanOrEqual(16)
    for (let seed = 10; seed < 20; seed++) {
      expect(hammingDistance(base, pdqHashPixels(syntheticImage(seed, 320, 240)).hash)).toBeGreaterThan(31)
    }
  })

  test('grey input hashes like the same grey given as RGB, and alpha is ignored', () => {
    const rgb = syntheticImage(4, 200, 150)
    const n = rgb.width * rgb.height
    const grey = new Uint8Array(n)
    const greyRgb = new Uint8Array(n * 3)
    const greyAlpha = new Uint8Array(n * 2)
    const rgba = new Uint8Array(n * 4)
    for (let p = 0; p < n; p++) {
      const v = rgb.data[p * 3] as number
      grey[p] = v
      greyRgb.set([v, v, v], p * 3)
      greyAlpha.set([v, p % 256], p * 2)
      rgba.set([rgb.data[p * 3] as number, rgb.data[p * 3 + 1] as number, rgb.data[p * 3 + 2] as number, (p * 7) % 256], p * 4)
    }
    const dims = { width: rgb.width, height: rgb.height }
    const fromGrey = pdqHashPixels({ ...dims, data: grey, channels: 1 }).hash
    expect(pdqHashPixels({ ...dims, data: greyRgb, channels: 3 }).hash).toBe(fromGrey)
    expect(pdqHashPixels({ ...dims, data: greyAlpha, channels: 2 }).hash).toBe(fromGrey)
    expect(pdqHashPixels({ ...dims, data: rgba, channels: 4 }).hash).toBe(pdqHashPixels(rgb).hash)
  })

  test('quality flags images whose hash is unstable: smooth images score low', () => {
    const smooth = syntheticImage(3, 320, 240, 6)
    const textured = syntheticImage(3, 320, 240)
    expect(pdqHashPixels(smooth).quality).toBeLessThan(50)
    expect(pdqHashPixels(textured).quality).toBeGreaterThan(pdqHashPixels(smooth).quality)
  })

  test('a flat image has quality 0; a busy one has quality 100', () => {
    const flat = { data: new Uint8Array(100 * 80 * 3).fill(77), width: 100, height: 80, channels: 3 as const }
    expect(pdqHashPixels(flat).quality).toBe(0)
    const rnd = mulberry32(5)
    const checker = new Uint8Array(64 * 64)
    for (let i = 0; i < checker.length; i++) checker[i] = rnd() < 0.5 ? 0 : 255
    expect(pdqHashPixels({ data: checker, width: 64, height: 64, channels: 1 }).quality).toBe(100)
  })

  test('images under 5 px on a side give the all-zero hash with quality 0, as the reference does', () => {
    for (const [width, height] of [
      [4, 100],
      [100, 4],
      [1, 1],
    ] as const) {
      expect(pdqHashPixels({ data: new Uint8Array(width * height * 3).fill(200), width, height, channels: 3 })).toEqual({
        hash: '0'.repeat(64),
        quality: 0,
      })
    }
    expect(pdqHashPixels(syntheticImage(6, 5, 5)).hash).not.toBe('0'.repeat(64))
  })

  test('refuses malformed pixel buffers with INPUT_INVALID', () => {
    const cases = [
      { data: new Uint8Array(10), width: 10, height: 10, channels: 3 },
      { data: new Uint8Array(300), width: 0, height: 10, channels: 3 },
      { data: new Uint8Array(300), width: 10.5, height: 10, channels: 3 },
      { data: new Uint8Array(500), width: 10, height: 10, channels: 5 },
      { data: [1, 2, 3], width: 1, height: 1, channels: 3 },
    ]
    for (const c of cases) {
      const run = () => pdqHashPixels(c as never)
      expect(run).toThrow(MintmarkError)
      try {
        run()
      } catch (e) {
        expect((e as MintmarkError).code).toBe('INPUT_INVALID')
      }
    }
  })
})
