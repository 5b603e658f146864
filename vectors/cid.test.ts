import { createCipheriv, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type CidProfile, type ContentHasher, cidProfiles, createContentHasher, nobleSha256 } from '../packages/core/src/hash/index.js'
import { nodeSha256 } from '../packages/storage/src/fs/node-sha256.js'

type Input = { type: 'utf8'; text: string } | { type: 'pattern'; size: number } | { type: 'kubo-deterministic'; seed: string; size: number }
type Vector = { profile: string; input: Input; cid: string; sha256: string; source: string }
const doc = JSON.parse(readFileSync(new URL('./cid.json', import.meta.url), 'utf8')) as {
  profiles: Record<string, { chunkSize: number; maxLinks: number }>
  vectors: Vector[]
}

const piece = 4 * 1_048_576
const period = Uint8Array.from({ length: piece + 251 }, (_, i) => i % 251)
const sizeOf = (input: Input) => (input.type === 'utf8' ? new TextEncoder().encode(input.text).length : input.size)

/** The input described by `input`, `size` bytes long, in pieces of at most 4 MiB (see cid.json `inputs`). */
function* stream(input: Input, size: number): Generator<Uint8Array> {
  if (input.type === 'utf8') {
    yield new TextEncoder().encode(input.text)
  } else if (input.type === 'pattern') {
    for (let off = 0; off < size; off += piece) yield period.subarray(off % 251, (off % 251) + Math.min(piece, size - off))
  } else {
    const cipher = createCipheriv('chacha20', createHash('sha256').update(input.seed, 'utf8').digest(), Buffer.alloc(16))
    const zeros = Buffer.alloc(piece)
    for (let off = 0; off < size; off += piece) yield cipher.update(zeros.subarray(0, Math.min(piece, size - off)))
  }
}

function profileOf(name: string): CidProfile {
  const entry = doc.profiles[name]
  if (!entry) throw new Error(`vector profile ${name} not described`)
  return { name, ...entry }
}

/**
 * Replays every vector of one input family, streaming the longest input once and feeding each
 * vector's hasher its own prefix (the 1 GiB kubo vectors share one 1025 MiB stream).
 */
function replay(vectors: Vector[], sha256 = nodeSha256) {
  const first = vectors[0]!
  const longest = Math.max(...vectors.map((v) => sizeOf(v.input)))
  const hashers: [Vector, ContentHasher, number][] = vectors.map((v) => [v, createContentHasher({ profile: profileOf(v.profile), sha256 }), sizeOf(v.input)])
  let off = 0
  for (const bytes of stream(first.input, longest)) {
    for (const [, hasher, size] of hashers) if (size > off) hasher.update(bytes.subarray(0, Math.min(bytes.length, size - off)))
    off += bytes.length
  }
  return hashers.map(([v, hasher, size]) => ({ vector: v, size, result: hasher.finish() }))
}

const families = new Map<string, Vector[]>()
for (const v of doc.vectors) {
  const key = v.input.type === 'kubo-deterministic' ? `kubo-deterministic:${v.input.seed}` : v.input.type === 'utf8' ? `utf8:${v.input.text}` : 'pattern'
  families.set(key, [...(families.get(key) ?? []), v])
}

describe('vectors/cid.json', () => {
  it('describes the built-in profiles as the code defines them', () => {
    for (const [name, profile] of Object.entries(cidProfiles)) expect(profileOf(name)).toEqual(profile)
    expect(doc.vectors.length).toBeGreaterThanOrEqual(30)
  })

  it.each([...families.keys()])('replays %s with node:crypto', (key) => {
    for (const { vector, size, result } of replay(families.get(key)!)) {
      expect({ profile: vector.profile, ...result }).toEqual({ profile: vector.profile, cid: vector.cid, sha256: vector.sha256, size })
    }
  })

  it('replays every vector up to 8 MiB with the pure-JS provider too', () => {
    const small = doc.vectors.filter((v) => sizeOf(v.input) <= 8 * 1_048_576)
    expect(small.length).toBeGreaterThanOrEqual(20)
    for (const v of small) {
      const { result } = replay([v], nobleSha256)[0]!
      expect({ source: v.source, cid: result.cid, sha256: result.sha256 }).toEqual({ source: v.source, cid: v.cid, sha256: v.sha256 })
    }
  })
})
