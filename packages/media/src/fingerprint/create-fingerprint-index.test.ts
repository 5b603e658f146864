import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { hammingDistance } from '../pdq/hamming-distance.js'
import { pdqHashImage } from '../image/pdq-hash-image.js'
import { createFingerprintIndex } from './create-fingerprint-index.js'
import { createMemoryFingerprintBackend } from './create-memory-fingerprint-backend.js'
import { fingerprintChunks, fingerprintProbes } from './fingerprint-chunks.js'
import { findSimilarImages } from './find-similar-images.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const pdqDir = path.resolve(repoRoot, '..', 'shared', 'testdata', 'pdq')
const read = (name: string) => new Uint8Array(readFileSync(path.join(pdqDir, name)))

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
const randomHash = (rnd: () => number) => Array.from({ length: 64 }, () => Math.floor(rnd() * 16).toString(16)).join('')
function flipBits(hash: string, count: number, rnd: () => number): string {
  const bits = Array.from({ length: 256 }, (_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rnd() * (256 - i))
    ;[bits[i], bits[j]] = [bits[j] as number, bits[i] as number]
  }
  const nibbles = [...hash].map((c) => Number.parseInt(c, 16))
  for (const bit of bits.slice(0, count)) nibbles[bit >> 2] = (nibbles[bit >> 2] as number) ^ (1 << (bit & 3))
  return nibbles.map((n) => n.toString(16)).join('')
}

describe('fingerprint chunks and probes', () => {
  test('16 chunks of 16 bits in text order; 17 probes per chunk for radius ≤ 31', () => {
    const hash = `${'0123456789abcdef'.repeat(4)}`
    expect(fingerprintChunks(hash).slice(0, 4)).toEqual([0x0123, 0x4567, 0x89ab, 0xcdef])
    expect(fingerprintProbes(hash).map((p) => p.values.length)).toEqual(new Array(16).fill(17))
    expect(fingerprintProbes(hash, 15).every((p) => p.values.length === 1)).toBe(true)
    expect(fingerprintProbes(hash, 40)[0]?.values.length).toBe(1 + 16 + 120)
    expect(() => fingerprintChunks('xyz')).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID' }))
    expect(() => fingerprintProbes(hash, 64)).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID' }))
  })
})

describe('createFingerprintIndex', () => {
  test('returns exactly what brute force returns (hashes planted at distances 0..40 among 20,000 random ones)', async () => {
    const rnd = rng(42)
    const index = createFingerprintIndex({ backend: createMemoryFingerprintBackend({ initialCapacity: 16 }) })
    const stored: Array<[string, string]> = []
    for (let i = 0; i < 20_000; i++) stored.push([`r${i}`, randomHash(rnd)])
    const queries: string[] = []
    for (let q = 0; q < 40; q++) {
      const query = randomHash(rnd)
      queries.push(query)
      for (let d = 0; d <= 40; d++) stored.push([`q${q}d${d}`, flipBits(query, d, rnd)])
    }
    for (const [id, hash] of stored) await index.add(id, hash)
    expect(await index.size()).toBe(stored.length)
    let compared = 0
    for (const [q, query] of queries.entries()) {
      const all = stored.map(([id, hash]) => ({ id, distance: hammingDistance(query, hash) }))
      for (const maxDistance of [31, 20, 40]) {
        const expected = all
          .filter((m) => m.distance <= maxDistance)
          .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1))
        const got = (await index.query(query, { maxDistance })).map(({ id, distance }) => ({ id, distance }))
        expect(got, `query ${q} radius ${maxDistance}`).toEqual(expected)
        expect(got.filter((m) => m.id.startsWith(`q${q}d`)).length).toBe(maxDistance + 1)
        compared++
      }
    }
    expect(compared).toBe(120)
  })

  test('one match per id at the smallest distance; limit; upper-case input; bad input is INPUT_INVALID', async () => {
    const index = createFingerprintIndex()
    const rnd = rng(7)
    const h = randomHash(rnd)
    await index.add('a', h)
    await index.add('a', flipBits(h, 3, rnd))
    await index.add('b', flipBits(h, 5, rnd).toUpperCase())
    expect(await index.query(h.toUpperCase())).toEqual([
      { id: 'a', distance: 0, variant: '0' },
      { id: 'b', distance: 5, variant: '0' },
    ])
    expect(await index.query(h, { limit: 1 })).toHaveLength(1)
    await expect(index.add('', h)).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(index.add('c', 'abc')).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(index.query([])).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })

  test('dihedral lookup finds the rotated and mirrored copies of a registered image', async () => {
    const index = createFingerprintIndex()
    await index.add('bridge', (await pdqHashImage(read('bridge-1-original.jpg'))).hash)
    await index.add('other', (await pdqHashImage(read('q0291.jpg'))).hash)
    const report: Record<string, string> = {}
    for (const file of ['bridge-2-rotate-90.jpg', 'bridge-3-rotate-180.jpg', 'bridge-4-rotate-270.jpg', 'bridge-5-flipx.jpg', 'bridge-6-flipy.jpg']) {
      const plain = await findSimilarImages(index, read(file))
      expect(plain.matches, file).toEqual([])
      const { matches } = await findSimilarImages(index, read(file), { dihedral: true })
      expect(matches.map((m) => m.id), file).toEqual(['bridge'])
      report[file] = `${matches[0]?.variant} @ ${matches[0]?.distance}`
    }
    console.log('dihedral lookup:', JSON.stringify(report))
    expect(report['bridge-2-rotate-90.jpg']).toMatch(/^rotate270 /)
  })
})
