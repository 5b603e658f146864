import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { beforeAll, describe, expect, test } from 'vitest'
import { detectWatermark } from './detect-watermark.js'
import { embedWatermark } from './embed-watermark.js'

// The watermark key sweep shared by the watermark-key-sweep*.test.ts files (one file per group
// of transforms, so that vitest runs them in parallel). Keys are SHA-256(seed ‖ i); set
// WATERMARK_SWEEP_SEED to sweep other keys. Images: 768 × 576 crops of the two real photos,
// alternating (fewer tiles than the full photos, so a harder case for the decoder, and cheap
// enough to sweep). Test support only: not exported from the package.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const keyCount = 64
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : 'none')

export type SweepTransform = (b: Uint8Array, w: number, h: number) => Promise<Uint8Array>

/** Embeds under 64 keys (payloads all-zero, all-one, random in turn) and expects every payload back after each transform. */
export function describeKeySweep(defaultSeed: string, transforms: Record<string, SweepTransform>): void {
  const seed = process.env.WATERMARK_SWEEP_SEED ?? defaultSeed
  const derive = (label: string, i: number) => new Uint8Array(createHash('sha256').update(`${seed}\0${label}\0${i}`).digest())
  const payloadFor = (i: number) => (i % 3 === 0 ? new Uint8Array(8) : i % 3 === 1 ? new Uint8Array(8).fill(0xff) : derive('payload', i).subarray(0, 8))
  describe(`watermark key sweep (${Object.keys(transforms).join(', ')}): ${keyCount} random keys, seed ${JSON.stringify(seed)}`, () => {
    const crops: Uint8Array[] = []
    beforeAll(async () => {
      for (const [file, left, top] of [['bridge-1-original.jpg', 400, 200], ['c.png', 300, 120]] as const) {
        const source = readFileSync(path.join(testdata, 'pdq', file))
        crops.push(new Uint8Array(await sharp(source).extract({ left, top, width: 768, height: 576 }).jpeg({ quality: 92 }).toBuffer()))
      }
    })

    test('every key and payload (all-zero, all-one, random) is recovered exactly', async () => {
      const misses: string[] = []
      const lowest: Record<string, { accuracy: number; pilotZ: number }> = {}
      let minPsnr = Number.POSITIVE_INFINITY
      for (let i = 0; i < keyCount; i++) {
        const key = derive('key', i)
        const payload = payloadFor(i)
        const marked = await embedWatermark(crops[i % crops.length] as Uint8Array, { payload, key })
        minPsnr = Math.min(minPsnr, marked.psnr)
        for (const [name, apply] of Object.entries(transforms)) {
          const d = await detectWatermark(await apply(marked.bytes, marked.width, marked.height), { key })
          if (!(d.found && hex(d.payload) === hex(payload))) {
            misses.push(`${name}: image ${i % crops.length} key ${hex(key)} payload ${hex(payload)}: found ${d.found}, z ${d.pilotZ.toFixed(2)}, accuracy ${d.bitAccuracy.toFixed(3)}`)
          }
          const low = (lowest[name] ??= { accuracy: 1, pilotZ: Number.POSITIVE_INFINITY })
          low.accuracy = Math.min(low.accuracy, Math.round(d.bitAccuracy * 1000) / 1000)
          low.pilotZ = Math.min(low.pilotZ, Math.round(d.pilotZ * 100) / 100)
        }
      }
      console.log(`${keyCount} keys, misses ${misses.length}, lowest PSNR ${minPsnr.toFixed(2)} dB; lowest raw cell accuracy and pilot z:`, JSON.stringify(lowest))
      expect(misses).toEqual([])
      expect(minPsnr).toBeGreaterThanOrEqual(40)
    })
  })
}
