import { describe, expect, test } from 'vitest'
import { hammingDistance } from './hamming-distance.js'
import { type PdqDihedralName, pdqDihedral } from './pdq-dihedral.js'
import { pdqHashPixels } from './pdq-hash-pixels.js'

type Grey = { data: Uint8Array; width: number; height: number; channels: 1 }

function noise(width: number, height: number, seed: number): Grey {
  let s = seed
  const data = new Uint8Array(width * height)
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    data[i] = s >>> 24
  }
  return { data, width, height, channels: 1 }
}

/** Soft random blobs: structure at PDQ's scale, so resampling differences stay small. */
function blobs(width: number, height: number, seed: number): Grey {
  const rnd = noise(64, 1, seed).data
  const data = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 128
      for (let b = 0; b < 60; b += 3) {
        const bx = ((rnd[b] as number) / 255) * width
        const by = ((rnd[b + 1] as number) / 255) * height
        const r = (0.04 + ((rnd[b + 2] as number) / 255) * 0.12) * Math.min(width, height)
        v += (b % 2 ? 90 : -90) * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (r * r))
      }
      data[y * width + x] = Math.max(0, Math.min(255, Math.round(v)))
    }
  }
  return { data, width, height, channels: 1 }
}

/** Moves pixels with `map(x, y) → [x', y']` into an image of the given size. */
function remap(img: Grey, width: number, height: number, map: (x: number, y: number) => [number, number]): Grey {
  const data = new Uint8Array(width * height)
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const [nx, ny] = map(x, y)
      data[ny * width + nx] = img.data[y * img.width + x] as number
    }
  }
  return { data, width, height, channels: 1 }
}

// Pixel-space versions of the eight transforms. rotate90 is counter-clockwise: it is the
// transform that turns the reference's bridge-1-original.jpg into bridge-2-rotate-90.jpg.
function transformPixels(img: Grey, name: PdqDihedralName): Grey {
  const { width: w, height: h } = img
  switch (name) {
    case 'original':
      return img
    case 'rotate90':
      return remap(img, h, w, (x, y) => [y, w - 1 - x])
    case 'rotate180':
      return remap(img, w, h, (x, y) => [w - 1 - x, h - 1 - y])
    case 'rotate270':
      return remap(img, h, w, (x, y) => [h - 1 - y, x])
    case 'flipX':
      return remap(img, w, h, (x, y) => [x, h - 1 - y])
    case 'flipY':
      return remap(img, w, h, (x, y) => [w - 1 - x, y])
    case 'flipPlus1':
      return remap(img, h, w, (x, y) => [y, x])
    case 'flipMinus1':
      return remap(img, h, w, (x, y) => [h - 1 - y, w - 1 - x])
  }
}

const names: PdqDihedralName[] = ['original', 'rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1']

describe('pdqDihedral', () => {
  test('at 64×64 (no resampling) each DCT-derived hash equals the hash of the transformed pixels', () => {
    for (const seed of [1, 2, 3]) {
      const img = noise(64, 64, seed)
      const { hashes, quality } = pdqDihedral(img)
      expect(quality).toBe(pdqHashPixels(img).quality)
      for (const name of names) expect(hashes[name], name).toBe(pdqHashPixels(transformPixels(img, name)).hash)
    }
  })

  test('on a resampled, non-square image the variants stay within matching distance of the transformed pixels', () => {
    const img = blobs(300, 200, 7)
    const { hashes, quality } = pdqDihedral(img)
    expect(quality).toBeGreaterThanOrEqual(50)
    for (const name of names) {
      const direct = pdqHashPixels(transformPixels(img, name)).hash
      expect(hammingDistance(hashes[name], direct), name).toBeLessThanOrEqual(31)
    }
  })

  test('the eight variants of a generic image are far apart from each other', () => {
    const { hashes } = pdqDihedral(noise(64, 64, 11))
    for (const a of names) for (const b of names) if (a < b) expect(hammingDistance(hashes[a], hashes[b])).toBeGreaterThan(31)
  })

  test('original equals pdqHashPixels and tiny images give eight zero hashes', () => {
    const img = noise(120, 90, 5)
    expect(pdqDihedral(img).hashes.original).toBe(pdqHashPixels(img).hash)
    const tiny = pdqDihedral(noise(4, 4, 1))
    expect(Object.values(tiny.hashes)).toEqual(Array(8).fill('0'.repeat(64)))
    expect(tiny.quality).toBe(0)
  })
})
