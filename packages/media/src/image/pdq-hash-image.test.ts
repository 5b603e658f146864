import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { beforeAll, describe, expect, test } from 'vitest'
import { hammingDistance } from '../pdq/hamming-distance.js'
import { pdqDihedralImage, pdqHashImage } from './pdq-hash-image.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const pdqDir = path.resolve(repoRoot, '../shared/testdata/pdq')
const read = (name: string) => new Uint8Array(readFileSync(path.join(pdqDir, name)))

// expected.json: { source, tolerance, hashes: { [file]: hex } }, the hashes published in
// facebook/ThreatExchange pdq/python/pdqhashing/tests/pdq_test.py.
const expected = JSON.parse(readFileSync(path.join(pdqDir, 'expected.json'), 'utf8')) as {
  tolerance: number
  hashes: Record<string, string>
}
const files = Object.keys(expected.hashes)

const ours: Record<string, { hash: string; quality: number }> = {}
beforeAll(async () => {
  for (const file of files) {
    const { hash, quality } = await pdqHashImage(read(file))
    ours[file] = { hash, quality }
  }
})

describe('pdqHashImage against the reference hashes', () => {
  test(`every reference image is within the reference tolerance (${expected.tolerance} bits)`, () => {
    expect(expected.tolerance).toBe(16)
    expect(files.length).toBe(13)
    const report = files.map((file) => ({
      file,
      distance: hammingDistance(ours[file]?.hash as string, expected.hashes[file] as string),
      quality: ours[file]?.quality,
    }))
    console.table(report)
    for (const { file, distance } of report) expect(distance, file).toBeLessThanOrEqual(expected.tolerance)
  })

  test('quality: 100 for the bridge photos (as the reference tool prints), near 0 for the flat ones', () => {
    for (const file of files.filter((f) => f.startsWith('bridge-'))) expect(ours[file]?.quality, file).toBe(100)
    // small.jpg is a plain gradient and q0003/q0004 are nearly blank: the metric must say so.
    for (const file of ['small.jpg', 'q0003.jpg', 'q0004.jpg']) expect(ours[file]?.quality, file).toBeLessThan(10)
    for (const file of ['c.png', 'q0122.jpg', 'q0291.jpg']) expect(ours[file]?.quality, file).toBeGreaterThanOrEqual(50)
  })

  test('different images are far apart (> 31 bits)', () => {
    const distinct = files.filter((f) => !f.startsWith('bridge-') || f === 'bridge-1-original.jpg')
    for (const a of distinct) {
      for (const b of distinct) {
        if (a < b) expect(hammingDistance(ours[a]?.hash as string, ours[b]?.hash as string), `${a} vs ${b}`).toBeGreaterThan(31)
      }
    }
  })

  test('the dihedral variants of the original match the rotated and flipped files', async () => {
    const { hashes, quality } = await pdqDihedralImage(read('bridge-1-original.jpg'))
    expect(quality).toBe(100)
    expect(hashes.original).toBe(ours['bridge-1-original.jpg']?.hash)
    const pairs = {
      rotate90: 'bridge-2-rotate-90.jpg',
      rotate180: 'bridge-3-rotate-180.jpg',
      rotate270: 'bridge-4-rotate-270.jpg',
      flipX: 'bridge-5-flipx.jpg',
      flipY: 'bridge-6-flipy.jpg',
    } as const
    const report = Object.entries(pairs).map(([variant, file]) => ({
      variant,
      file,
      toReference: hammingDistance(hashes[variant as keyof typeof pairs], expected.hashes[file] as string),
      toOurs: hammingDistance(hashes[variant as keyof typeof pairs], ours[file]?.hash as string),
      nearestOtherFile: Math.min(
        ...Object.values(pairs)
          .filter((other) => other !== file)
          .map((other) => hammingDistance(hashes[variant as keyof typeof pairs], expected.hashes[other] as string)),
      ),
    }))
    console.table(report)
    for (const row of report) {
      expect(row.toReference, row.variant).toBeLessThanOrEqual(31)
      expect(row.toOurs, row.variant).toBeLessThanOrEqual(31)
      expect(row.nearestOtherFile, row.variant).toBeGreaterThan(31)
    }
  })

  test('re-encoded copies stay close to the reference hash', async () => {
    const bridge = read('bridge-1-original.jpg')
    const copies: Record<string, Uint8Array> = {
      'jpeg q50': await sharp(bridge).jpeg({ quality: 50 }).toBuffer(),
      'resize 50% + jpeg q70': await sharp(bridge).resize({ width: 800 }).jpeg({ quality: 70 }).toBuffer(),
      webp: await sharp(bridge).webp({ quality: 75 }).toBuffer(),
      'cmyk jpeg': await sharp(bridge).toColourspace('cmyk').jpeg().toBuffer(),
      'brightness +10%': await sharp(bridge).modulate({ brightness: 1.1 }).jpeg().toBuffer(),
    }
    const report: Record<string, number> = {}
    for (const [name, bytes] of Object.entries(copies)) {
      report[name] = hammingDistance((await pdqHashImage(new Uint8Array(bytes))).hash, expected.hashes['bridge-1-original.jpg'] as string)
    }
    console.log('bridge copies, distance to the reference hash:', JSON.stringify(report))
    for (const [name, distance] of Object.entries(report)) expect(distance, name).toBeLessThanOrEqual(expected.tolerance)
  })

  test('decode limits apply: an over-cap image is refused before hashing', async () => {
    await expect(pdqHashImage(read('bridge-1-original.jpg'), { maxPixels: 1_000_000 })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' })
    await expect(pdqHashImage(new TextEncoder().encode('not an image'))).rejects.toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED' })
  })
})
