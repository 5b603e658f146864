import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MemoryBlockstore } from 'blockstore-core'
import fc from 'fast-check'
import { importBytes, type ImporterOptions } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { describe, expect, it } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import { type CidProfile, cidProfiles } from './cid-profiles.js'
import { createContentHasher } from './create-content-hasher.js'
import { hashBytes } from './hash-bytes.js'

/** n bytes where byte i = i % 251 (251 is prime, so chunks of any power-of-two size differ). */
function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = i % 251
  return out
}

/** The reference: ipfs-unixfs-importer configured like the profile. */
async function referenceCid(bytes: Uint8Array, profile: CidProfile): Promise<string> {
  const options: ImporterOptions = {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: profile.chunkSize }),
    layout: balanced({ maxChildrenPerNode: profile.maxLinks }),
  }
  const result = await importBytes(bytes, new MemoryBlockstore(), options)
  return result.cid.toString()
}

/** Feeds `bytes` to a fresh hasher, cut at the given offsets. */
function hashSplit(bytes: Uint8Array, profile: CidProfile, cuts: number[]) {
  const hasher = createContentHasher({ profile })
  let start = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    hasher.update(bytes.subarray(start, cut))
    start = cut
  }
  hasher.update(bytes.subarray(start))
  return hasher.finish()
}

describe('createContentHasher: published vectors', () => {
  // Empty file: the raw CID of zero bytes (kubo `ipfs add --cid-version 1` of an empty file;
  // sha256 e3b0c442… is the FIPS 180-2 empty-string digest).
  it.each(Object.keys(cidProfiles) as (keyof typeof cidProfiles)[])('empty file (%s)', (name) => {
    const result = hashBytes(new Uint8Array(0), { profile: name })
    expect(result).toEqual({
      cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      size: 0,
    })
  })

  // "hello world" (11 bytes, no newline): kubo test/cli/add_test.go `shortStringCidV1` and the
  // IPIP-0499 `unixfs-v1-2025` fixture table ("Small file: hello world string, raw leaf").
  it.each(Object.keys(cidProfiles) as (keyof typeof cidProfiles)[])('"hello world" (%s)', (name) => {
    const result = hashBytes(new TextEncoder().encode('hello world'), { profile: name })
    expect(result.cid).toBe('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    expect(result.sha256).toBe('b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9')
    expect(result.size).toBe(11)
  })

  it('defaults to unixfs-v1-2025 (1 MiB chunks: 1 MiB is one raw leaf, 1 MiB + 1 is not)', () => {
    const oneChunk = pattern(1_048_576)
    expect(hashBytes(oneChunk).cid).toBe(hashBytes(oneChunk, { profile: 'unixfs-v1-2025' }).cid)
    expect(hashBytes(oneChunk).cid.startsWith('bafkrei')).toBe(true)
    expect(hashBytes(pattern(1_048_577)).cid.startsWith('bafybei')).toBe(true)
    // …while kubo-v1 already splits 1 MiB into four 256 KiB leaves.
    expect(hashBytes(oneChunk, { profile: 'kubo-v1' }).cid.startsWith('bafybei')).toBe(true)
  })
})

describe('createContentHasher: differential against ipfs-unixfs-importer', () => {
  const sizesFor = ({ chunkSize: c, maxLinks: l }: CidProfile) => [0, 1, c - 1, c, c + 1, 2 * c, 5 * c + 123, l * c, l * c + 1]

  it('kubo-v1: 0, 1, chunk±1, chunk, many chunks, 174 chunks, 174 chunks + 1 byte (2 levels)', async () => {
    const profile = cidProfiles['kubo-v1']
    const sizes = sizesFor(profile)
    const all = pattern(Math.max(...sizes))
    for (const n of sizes) {
      const bytes = all.subarray(0, n)
      const ours = hashBytes(bytes, { profile })
      expect({ n, cid: ours.cid }).toEqual({ n, cid: await referenceCid(bytes, profile) })
      expect(ours.size).toBe(n)
    }
  })

  it('unixfs-v1-2025: 0, 1, chunk±1, chunk, many chunks', async () => {
    const profile = cidProfiles['unixfs-v1-2025']
    const { chunkSize: c } = profile
    const sizes = [0, 1, c - 1, c, c + 1, 2 * c, 5 * c + 123]
    const all = pattern(Math.max(...sizes))
    for (const n of sizes) {
      const bytes = all.subarray(0, n)
      expect({ n, cid: hashBytes(bytes, { profile }).cid }).toEqual({ n, cid: await referenceCid(bytes, profile) })
    }
    // Cross-check the importer's own IPIP-0499 preset gives the same answer as our configuration of it.
    const bytes = all.subarray(0, 2 * c + 5)
    const preset = await importBytes(bytes, new MemoryBlockstore(), { profile: 'unixfs-v1-2025' })
    expect(hashBytes(bytes).cid).toBe(preset.cid.toString())
  })

  // 1024 links × 1 MiB is 1 GiB: too big here. A 1 KiB-chunk profile with the same 1024 width
  // reaches 1024 links and a second level at 1 MiB (the 1 GiB published vectors run in
  // packages/storage and vectors/cid.test.ts with native SHA-256).
  it('width 1024 with 1 KiB chunks: exactly 1024 links, 1024 links + 1 byte, 3 levels', async () => {
    const profile: CidProfile = { name: 'test-1k', chunkSize: 1024, maxLinks: 1024 }
    const sizes = [1024 * 1023, 1024 * 1024, 1024 * 1024 + 1, 1024 * 1024 * 2 + 5]
    const all = pattern(Math.max(...sizes))
    for (const n of sizes) {
      const bytes = all.subarray(0, n)
      expect({ n, cid: hashBytes(bytes, { profile }).cid }).toEqual({ n, cid: await referenceCid(bytes, profile) })
    }
  })

  it('deep trees: 7-byte chunks, 3 links, every size from 0 to 7·3⁴ + 8 (up to 5 levels)', async () => {
    const profile: CidProfile = { name: 'test-deep', chunkSize: 7, maxLinks: 3 }
    const all = pattern(7 * 81 + 8)
    for (let n = 0; n <= all.length; n++) {
      const bytes = all.subarray(0, n)
      const ours = hashBytes(bytes, { profile }).cid
      if (ours !== (await referenceCid(bytes, profile))) expect.fail(`size ${n}: ${ours}`)
    }
  })

  it('fast-check: random small profiles, sizes and split points (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 96 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 0, max: 12_000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (chunkSize, maxLinks, n, rawCuts) => {
          const profile: CidProfile = { name: 'prop', chunkSize, maxLinks }
          const bytes = pattern(n)
          const ours = hashSplit(bytes, profile, rawCuts.map((c) => (n === 0 ? 0 : c % (n + 1))))
          expect(ours.cid).toBe(await referenceCid(bytes, profile))
          expect(ours.size).toBe(n)
          expect(ours.sha256).toBe(bytesToHex(sha256(bytes)))
        },
      ),
      { numRuns: 200, seed: 0x6d696e74 },
    )
  })

  it('fast-check: the built-in profiles with random sizes up to 3 chunks and random splits (30 runs)', async () => {
    const big = pattern(3 * 1_048_576 + 1)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(cidProfiles['kubo-v1'], cidProfiles['unixfs-v1-2025']),
        fc.integer({ min: 0, max: big.length }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (profile, n, rawCuts) => {
          const bytes = big.subarray(0, n)
          const ours = hashSplit(bytes, profile, rawCuts.map((c) => (n === 0 ? 0 : c % (n + 1))))
          expect(ours.cid).toBe(await referenceCid(bytes, profile))
        },
      ),
      { numRuns: 30, seed: 0x636964 },
    )
  })
})

describe('createContentHasher: streaming', () => {
  it('gives the same result byte by byte, in chunk-sized pieces and in one piece', () => {
    const profile: CidProfile = { name: 'small', chunkSize: 64, maxLinks: 4 }
    const bytes = pattern(64 * 17 + 3)
    const once = hashBytes(bytes, { profile })
    const byByte = createContentHasher({ profile })
    for (let i = 0; i < bytes.length; i++) byByte.update(bytes.subarray(i, i + 1))
    expect(byByte.size).toBe(bytes.length)
    expect(byByte.finish()).toEqual(once)
    expect(hashSplit(bytes, profile, [64, 128, 129, 1000])).toEqual(once)
  })

  it('does not keep references to the caller buffer (the caller may overwrite it)', () => {
    const profile = cidProfiles['kubo-v1']
    const bytes = pattern(262_144 * 2 + 1000)
    const hasher = createContentHasher({ profile })
    const scratch = new Uint8Array(100_000)
    for (let off = 0; off < bytes.length; off += scratch.length) {
      const piece = bytes.subarray(off, off + scratch.length)
      scratch.set(piece)
      hasher.update(scratch.subarray(0, piece.length))
      scratch.fill(0xff)
    }
    expect(hasher.finish()).toEqual(hashBytes(bytes, { profile }))
  })

  it('uses the injected SHA-256 provider for chunks, nodes and the whole file', () => {
    let oneShot = 0
    let incremental = 0
    const counting = {
      digest: (b: Uint8Array) => {
        oneShot++
        return sha256(b)
      },
      create: () => {
        incremental++
        return sha256.create()
      },
    }
    const profile: CidProfile = { name: 'small', chunkSize: 10, maxLinks: 2 }
    const bytes = pattern(45) // 5 leaves → 3 + 2 + 1 interior nodes
    expect(hashBytes(bytes, { profile, sha256: counting })).toEqual(hashBytes(bytes, { profile }))
    expect({ oneShot, incremental }).toEqual({ oneShot: 5 + 3 + 2 + 1, incremental: 1 })
  })

  it('refuses updates after finish and a second finish (USAGE_INVALID)', () => {
    const hasher = createContentHasher()
    hasher.update(new Uint8Array([1]))
    hasher.finish()
    expect(() => hasher.update(new Uint8Array([2]))).toThrow(expect.objectContaining({ code: 'USAGE_INVALID' }))
    expect(() => hasher.finish()).toThrow(MintmarkError)
  })

  it('refuses non-bytes input and bad profiles (INPUT_INVALID)', () => {
    const hasher = createContentHasher()
    expect(() => hasher.update('text' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
    for (const profile of [
      'kubo-v0',
      { name: 'x', chunkSize: 0, maxLinks: 10 },
      { name: 'x', chunkSize: 1.5, maxLinks: 10 },
      { name: 'x', chunkSize: 8 * 1_048_576, maxLinks: 10 },
      { name: 'x', chunkSize: 1024, maxLinks: 1 },
      { name: 'x', chunkSize: 1024, maxLinks: Number.NaN },
    ]) {
      expect(() => createContentHasher({ profile: profile as CidProfile })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
    }
  })
})

describe('createContentHasher: caller buffers reused between updates', () => {
  it('gives the same CID when a Node Buffer is refilled with exactly one chunk per update', () => {
    // Regression: a held-back first chunk must be copied; Buffer#slice shares memory.
    const size = 3 * 1_048_576 + 17
    const bytes = new Uint8Array(size).map((_, i) => (i * 31 + (i >> 11)) % 251)
    const expected = hashBytes(bytes).cid
    const buf = Buffer.alloc(1_048_576)
    const h = createContentHasher()
    for (let o = 0; o < size; o += buf.length) {
      const n = Math.min(buf.length, size - o)
      buf.set(bytes.subarray(o, o + n))
      h.update(buf.subarray(0, n))
    }
    expect(h.finish().cid).toBe(expected)
  })
})
