import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { pdqHashImage } from '../image/pdq-hash-image.js'
import { hammingDistance } from '../pdq/hamming-distance.js'
import { createFingerprintIndex, type FingerprintIndex } from './create-fingerprint-index.js'
import { createMemoryFingerprintBackend } from './create-memory-fingerprint-backend.js'
import { findSimilarImages } from './find-similar-images.js'
import { imageFingerprints, imageLookupHashes, queryImageFingerprints } from './image-fingerprints.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const read = (rel: string) => new Uint8Array(readFileSync(path.join(testdata, rel)))
const images = ['pdq/bridge-1-original.jpg', 'pdq/c.png', 'pdq/q0004.jpg', 'pdq/q0122.jpg', 'c2pa/earth_apollo17.jpg', 'c2pa/IMG_0003.jpg']

/** Registers images the way an app would: each fingerprint in the index of its kind, under the image's id. */
async function register(files: readonly string[]) {
  const indexes: Record<'pdq' | 'pdq-equalised', FingerprintIndex> = { pdq: createFingerprintIndex(), 'pdq-equalised': createFingerprintIndex() }
  for (const file of files) for (const f of await imageFingerprints(read(file))) await indexes[f.algorithm].add(file, f.hash)
  return indexes
}
const centreCrop = async (bytes: Uint8Array, share: number) => {
  const { width = 0, height = 0 } = await sharp(bytes).metadata()
  const dx = Math.round((width * share) / 2)
  const dy = Math.round((height * share) / 2)
  return new Uint8Array(await sharp(bytes).extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy }).toBuffer())
}

describe('imageFingerprints (registration)', () => {
  test('the image’s own PDQ first, then its 5% and 10% centre crops, then its equalised PDQ', async () => {
    const bytes = read('pdq/bridge-1-original.jpg')
    const fingerprints = await imageFingerprints(bytes)
    expect(fingerprints.map((f) => `${f.algorithm}/${f.variant}`)).toEqual(['pdq/original', 'pdq/crop-5', 'pdq/crop-10', 'pdq-equalised/original'])
    expect(fingerprints[0]).toMatchObject({ hash: (await pdqHashImage(bytes)).hash, quality: (await pdqHashImage(bytes)).quality })
    // A 5% crop moves PDQ far beyond the match radius: that is why the crops are registered.
    expect(hammingDistance(fingerprints[0]?.hash as string, fingerprints[1]?.hash as string)).toBeGreaterThan(31)
    await expect(imageFingerprints(new TextEncoder().encode('nope'))).rejects.toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED' })
  })
})

describe('lookup with the registered kinds', () => {
  test('finds 5% centre crops, and ±10% brightness copies, of registered photos; nothing else', async () => {
    const indexes = await register(images)
    const report: Record<string, string> = {}
    let plainCropHits = 0
    for (const file of images) {
      const bytes = read(file)
      const copies: Record<string, Uint8Array> = {
        'crop 5%': await centreCrop(bytes, 0.05),
        'crop 10%': await centreCrop(bytes, 0.1),
        'brightness +10%': new Uint8Array(await sharp(bytes).modulate({ brightness: 1.1 }).toBuffer()),
        'brightness -10%': new Uint8Array(await sharp(bytes).modulate({ brightness: 0.9 }).toBuffer()),
      }
      for (const [name, copy] of Object.entries(copies)) {
        const { matches } = await findSimilarImages(indexes, copy)
        expect(matches.map((m) => m.id), `${file} / ${name}`).toEqual([file])
        report[`${file} / ${name}`] = `${matches[0]?.distance} (${matches[0]?.variant})`
      }
      // Plain PDQ against the image's own hash alone does not find the crop.
      const own = createFingerprintIndex()
      await own.add(file, (await pdqHashImage(bytes)).hash)
      if ((await findSimilarImages(own, copies['crop 5%'] as Uint8Array)).matches.length > 0) plainCropHits++
    }
    console.log('lookup distances:', JSON.stringify(report, null, 1))
    expect(plainCropHits).toBe(0)
    // Unrelated photos match none of them (CA.jpg would: it is IMG_0003.jpg's photo, re-signed).
    for (const other of ['c2pa/ocsp.jpg', 'c2pa/adobe-20220124-E-clm-CAICAI.jpg', 'pdq/q0291.jpg']) {
      expect((await findSimilarImages(indexes, read(other))).matches, other).toEqual([])
    }
  })

  test('a single PDQ index keeps the plain behaviour; the equalised match is named as such', async () => {
    const indexes = await register(['pdq/bridge-1-original.jpg'])
    const copy = read('pdq/bridge-1-original.jpg')
    const plain = await findSimilarImages(indexes.pdq, copy)
    expect(plain.matches).toEqual([{ id: 'pdq/bridge-1-original.jpg', distance: 0, variant: '0' }])
    const { queries } = await imageLookupHashes(copy)
    const onlyEqualised = await queryImageFingerprints({ pdq: createFingerprintIndex(), 'pdq-equalised': indexes['pdq-equalised'] }, queries)
    expect(onlyEqualised).toEqual([{ id: 'pdq/bridge-1-original.jpg', distance: 0, variant: 'equalised' }])
    const dihedral = await imageLookupHashes(copy, { dihedral: true })
    expect(Object.keys(dihedral.queries['pdq-equalised'])).toHaveLength(8)
  })
})

describe('memory backend', () => {
  test('near() and candidates() agree with brute force while entries are added between queries', async () => {
    let s = 7
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      return s / 2 ** 32
    }
    const randomHash = () => Array.from({ length: 64 }, () => Math.floor(rnd() * 16).toString(16)).join('')
    const flip = (hash: string, bits: number) => {
      const nibbles = [...hash].map((c) => Number.parseInt(c, 16))
      for (let i = 0; i < bits; i++) {
        const bit = Math.floor(rnd() * 256)
        nibbles[bit >> 2] = (nibbles[bit >> 2] as number) ^ (1 << (bit & 3))
      }
      return nibbles.map((n) => n.toString(16)).join('')
    }
    const backend = createMemoryFingerprintBackend({ initialCapacity: 8 })
    const fast = createFingerprintIndex({ backend })
    // The same storage seen through the generic path (candidates, verified by the index).
    const generic = createFingerprintIndex({ backend: { add: (e) => backend.add(e), candidates: (p) => backend.candidates(p), size: () => backend.size() } })
    const stored: Array<[string, string]> = []
    let compared = 0
    for (let round = 0; round < 6; round++) {
      // 3,000 entries per round: the tail is compacted several times along the way.
      for (let i = 0; i < 3000; i++) {
        const entry: [string, string] = [`e${stored.length}`, randomHash()]
        stored.push(entry)
        await fast.add(...entry)
      }
      for (let q = 0; q < 10; q++) {
        const [, near] = stored[Math.floor(rnd() * stored.length)] as [string, string]
        const query = flip(near, Math.floor(rnd() * 36))
        const expected = stored
          .map(([id, hash]) => ({ id, distance: hammingDistance(query, hash) }))
          .filter((m) => m.distance <= 31)
          .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1))
        const strip = (ms: Array<{ id: string; distance: number }>) => ms.map(({ id, distance }) => ({ id, distance }))
        expect(strip(await fast.query(query)), `round ${round} query ${q}`).toEqual(expected)
        expect(strip(await generic.query(query)), `round ${round} query ${q}`).toEqual(expected)
        compared++
      }
    }
    expect(compared).toBe(60)
  })
})
