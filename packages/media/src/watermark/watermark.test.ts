import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { beforeAll, describe, expect, test } from 'vitest'
import { detectWatermark } from './detect-watermark.js'
import { embedWatermark } from './embed-watermark.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const read = (rel: string) => new Uint8Array(readFileSync(path.join(testdata, rel)))
const key = 'mintmark-test-key'
const payload = Uint8Array.from([0x4d, 0x49, 0x4e, 0x54, 0x00, 0x00, 0x30, 0x39])
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined)

/** A photo-like generated image: gradients, blobs and noise (deterministic). */
async function generated(width: number, height: number, seed: number, format: 'png' | 'jpeg' = 'png'): Promise<Uint8Array> {
  let s = seed >>> 0
  const raw = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      const n = ((s >>> 24) - 128) / 8
      const o = (y * width + x) * 3
      raw[o] = Math.max(0, Math.min(255, 128 + 90 * Math.sin(x / (37 + seed)) * Math.cos(y / 53) + n))
      raw[o + 1] = Math.max(0, Math.min(255, (x * 200) / width + 20 + n))
      raw[o + 2] = Math.max(0, Math.min(255, (y * 180) / height + 40 * Math.sin((x + y) / 91) + n))
    }
  }
  const img = sharp(raw, { raw: { width, height, channels: 3 } })
  return new Uint8Array(await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toBuffer())
}

type Transform = (b: Uint8Array, w: number, h: number) => Promise<Uint8Array>
const transforms: Record<string, Transform> = {
  none: async (b) => b,
  'jpeg q50': async (b) => new Uint8Array(await sharp(b).jpeg({ quality: 50 }).toBuffer()),
  'resize 50%': async (b, w) => new Uint8Array(await sharp(b).resize(Math.round(w / 2)).toBuffer()),
  'crop 10% (5% each side, odd offset)': async (b, w, h) =>
    new Uint8Array(await sharp(b).extract({ left: Math.round(w * 0.05) + 3, top: Math.round(h * 0.05) + 1, width: Math.round(w * 0.9), height: Math.round(h * 0.9) }).toBuffer()),
  'crop 10% (top-left corner kept)': async (b, w, h) => new Uint8Array(await sharp(b).extract({ left: 0, top: 0, width: Math.round(w * 0.9), height: Math.round(h * 0.9) }).toBuffer()),
  'png → jpeg q75 → webp q75': async (b) => {
    const png = await sharp(b).png().toBuffer()
    const jpeg = await sharp(png).jpeg({ quality: 75 }).toBuffer()
    return new Uint8Array(await sharp(jpeg).webp({ quality: 75 }).toBuffer())
  },
}

describe('embedWatermark + detectWatermark', () => {
  const sources: Record<string, () => Promise<Uint8Array>> = {
    'bridge-1-original.jpg (1600×1004)': async () => read('pdq/bridge-1-original.jpg'),
    'c.png (1432×812)': async () => read('pdq/c.png'),
    'generated 2048×1536 (scale 2)': () => generated(2048, 1536, 3),
  }
  const report: Array<Record<string, string | number | boolean>> = []
  const marked: Record<string, { bytes: Uint8Array; width: number; height: number; psnr: number }> = {}

  beforeAll(async () => {
    for (const [name, load] of Object.entries(sources)) {
      const r = await embedWatermark(await load(), { payload, key })
      marked[name] = r
    }
  })

  test('PSNR ≥ 40 dB, output in the input format, same size', async () => {
    for (const [name, r] of Object.entries(marked)) {
      expect(r.psnr, name).toBeGreaterThanOrEqual(40)
      const meta = await sharp(r.bytes).metadata()
      expect([meta.width, meta.height]).toEqual([r.width, r.height])
    }
    expect((await sharp(marked['bridge-1-original.jpg (1600×1004)']?.bytes).metadata()).format).toBe('jpeg')
    expect((await sharp(marked['c.png (1432×812)']?.bytes).metadata()).format).toBe('png')
    console.log('PSNR (dB):', JSON.stringify(Object.fromEntries(Object.entries(marked).map(([n, r]) => [n, Math.round(r.psnr * 100) / 100]))))
  })

  for (const [transform, apply] of Object.entries(transforms)) {
    test(`payload recovered exactly after ${transform}`, async () => {
      for (const [name, r] of Object.entries(marked)) {
        const attacked = await apply(r.bytes, r.width, r.height)
        const d = await detectWatermark(attacked, { key })
        report.push({ image: name, transform, found: d.found, bitAccuracy: Math.round(d.bitAccuracy * 1000) / 1000, pilotZ: Math.round(d.pilotZ * 100) / 100, confidence: d.confidence })
        expect(d.found, `${name} / ${transform}`).toBe(true)
        expect(hex(d.payload), `${name} / ${transform}`).toBe(hex(payload))
      }
    })
  }

  test('wrong key: not found', async () => {
    const d = await detectWatermark(marked['c.png (1432×812)']?.bytes as Uint8Array, { key: 'another key' })
    expect(d.found).toBe(false)
    expect(d.payload).toBeUndefined()
    console.table(report)
  })
})

describe('clean images never decode to a payload', () => {
  test('the PDQ and C2PA test images and generated ones, under two keys', async () => {
    const files = [
      'pdq/bridge-1-original.jpg', 'pdq/bridge-2-rotate-90.jpg', 'pdq/c.png', 'pdq/q0003.jpg', 'pdq/q0004.jpg', 'pdq/q0122.jpg', 'pdq/q0291.jpg', 'pdq/small.jpg',
      'c2pa/C.jpg', 'c2pa/CA.jpg', 'c2pa/earth_apollo17.jpg', 'c2pa/IMG_0003.jpg', 'c2pa/ocsp.jpg', 'c2pa/libpng-test.png',
    ]
    const images = files.map(read)
    for (let seed = 1; seed <= 3; seed++) images.push(await generated(640 + 64 * seed, 512, seed, 'jpeg'))
    let decodes = 0
    let maxZ = Number.NEGATIVE_INFINITY
    for (const k of ['k1', key]) {
      for (const bytes of images) {
        const d = await detectWatermark(bytes, { key: k })
        expect(d.found).toBe(false)
        expect(d.payload).toBeUndefined()
        maxZ = Math.max(maxZ, d.pilotZ)
        decodes++
      }
    }
    console.log(`clean detections: ${decodes}, false positives: 0, highest pilot z: ${maxZ.toFixed(2)}`)
  })
})

describe('watermark input checks', () => {
  test('payload must be 8 bytes; key non-empty; small images refused', async () => {
    const png = await generated(600, 520, 9)
    await expect(embedWatermark(png, { payload: new Uint8Array(7), key })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(embedWatermark(png, { payload, key: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(embedWatermark(read('pdq/q0291.jpg'), { payload, key })).rejects.toMatchObject({ code: 'WATERMARK_IMAGE_TOO_SMALL' })
    await expect(detectWatermark(new TextEncoder().encode('nope'), { key })).rejects.toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED' })
    // An RGBA PNG keeps its alpha.
    const rgba = new Uint8Array(await sharp(png).ensureAlpha(0.5).png().toBuffer())
    const out = await embedWatermark(rgba, { payload, key })
    expect((await sharp(out.bytes).metadata()).hasAlpha).toBe(true)
  })
})
