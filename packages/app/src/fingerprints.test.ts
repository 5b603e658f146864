import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { leafHash } from '@mintmark/core'
import { fingerprintChunks, hammingDistance } from '@mintmark/media'
import { createSqliteStore, fingerprintChunkValues, toAsyncStore } from '@mintmark/storage'
import { hexToBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storeFingerprintIndex } from './fingerprints.js'

let dir: string
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-fpidx-'))
})
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true })
})

// Deterministic random hashes: clusters of near neighbours around random centres, so that
// distances near the threshold (and around it) actually occur.
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s
  }
}
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')
function flip(hash: Uint8Array, bits: number, next: () => number): Uint8Array {
  const out = hash.slice()
  const seen = new Set<number>()
  while (seen.size < bits) {
    const b = next() % 256
    if (seen.has(b)) continue
    seen.add(b)
    out[b >> 3] = (out[b >> 3] as number) ^ (1 << (b & 7))
  }
  return out
}

describe('the SQLite fingerprint backend', () => {
  it('chunks agree with @mintmark/media', () => {
    const next = rng(3)
    for (let i = 0; i < 20; i++) {
      const h = Uint8Array.from({ length: 32 }, () => next() & 0xff)
      expect(fingerprintChunkValues(h)).toEqual(fingerprintChunks(toHex(h)))
    }
  })

  it('finds exactly what brute force finds within 20, 31 and 40 bits over 3,000 hashes', async () => {
    const store = createSqliteStore({ path: path.join(dir, 'idx.sqlite') })
    const next = rng(42)
    const centres = Array.from({ length: 60 }, () => Uint8Array.from({ length: 32 }, () => next() & 0xff))
    const stored: { cid: string; hex: string }[] = []
    const drafts = []
    for (let i = 0; i < 3000; i++) {
      const centre = centres[i % centres.length] as Uint8Array
      const hash = i % 3 === 0 ? Uint8Array.from({ length: 32 }, () => next() & 0xff) : flip(centre, next() % 48, next)
      const cid = `bafkreifp${String(i).padStart(6, '0')}`
      const data = new TextEncoder().encode(cid)
      stored.push({ cid, hex: toHex(hash) })
      drafts.push({
        statementHash: hexToBytes(toHex(leafHash(data))),
        kind: 'test',
        assetCid: cid,
        creator: 'did:key:c',
        createdAt: '2026-01-01T00:00:00Z',
        asset: { cid, sha256: 'ab'.repeat(32), size: 1, mediaType: 'image/png' },
        fingerprints: [{ algorithm: 'pdq', hash, quality: 100 }],
        build: () => ({ data, leafHash: leafHash(data) }),
      })
    }
    store.appendEntries(drafts)
    const async = toAsyncStore(store)
    const index = storeFingerprintIndex(async)
    // A store without the fast path (PostgreSQL) goes through candidates instead of near.
    const viaCandidates = storeFingerprintIndex({
      addFingerprint: async.addFingerprint,
      fingerprintCandidates: async.fingerprintCandidates,
      fingerprintCount: async.fingerprintCount,
    })
    expect(await index.size()).toBe(3000)
    let compared = 0
    for (let q = 0; q < 40; q++) {
      const query = toHex(flip(centres[q % centres.length] as Uint8Array, next() % 24, next))
      for (const radius of [20, 31, 40]) {
        const expected = stored
          .map((s) => ({ id: s.cid, distance: hammingDistance(s.hex, query) }))
          .filter((m) => m.distance <= radius)
          .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1))
        const got = (await index.query(query, { maxDistance: radius })).map(({ id, distance }) => ({ id, distance }))
        expect(got).toEqual(expected)
        expect((await viaCandidates.query(query, { maxDistance: radius })).map(({ id, distance }) => ({ id, distance }))).toEqual(expected)
        compared += expected.length
      }
    }
    expect(compared).toBeGreaterThan(500)
    store.close()
  })
})
