import { MintmarkError } from '@mintmark/core'
import type { PdqHash } from '../pdq/dct-to-hash.js'
import type { PdqDihedralName } from '../pdq/pdq-dihedral.js'
import type { FingerprintBackend } from './fingerprint-backend.js'
import { assertPdqHash, fingerprintChunks, fingerprintMatchDistance, fingerprintProbes } from './fingerprint-chunks.js'
import { createMemoryFingerprintBackend } from './create-memory-fingerprint-backend.js'

export type FingerprintIndexOptions = {
  /** Where postings live. Default: `createMemoryFingerprintBackend()`. */
  backend?: FingerprintBackend | undefined
}

/** What to look up: one hash, several, or the dihedral variants of an image (`pdqDihedral*().hashes`). */
export type FingerprintQuery = PdqHash | readonly PdqHash[] | Partial<Record<PdqDihedralName, PdqHash>>

export type FingerprintQueryOptions = {
  /** Largest Hamming distance that matches (0–63). Default 31, the PDQ reference threshold. */
  maxDistance?: number | undefined
  /** At most this many matches, nearest first. Default: all. */
  limit?: number | undefined
}

export type FingerprintMatch = {
  id: string
  /** Bits that differ from the nearest query hash. */
  distance: number
  /** Which query hash matched: the dihedral name, or the position in a list as a string. */
  variant: string
}

export type FingerprintIndex = {
  /** Stores `hash` under `id` (ids may repeat: one asset can have several hashes). */
  add(id: string, hash: PdqHash): Promise<void>
  /**
   * Every stored hash within `maxDistance` of any query hash, exactly (multi-index hashing: no
   * false negatives, candidates verified by full distance), one match per id at its smallest
   * distance, sorted by distance then id.
   */
  query(query: FingerprintQuery, options?: FingerprintQueryOptions): Promise<FingerprintMatch[]>
  size(): Promise<number>
}

const popcount8 = Uint8Array.from({ length: 256 }, (_, n) => {
  let c = 0
  for (let v = n; v; v >>= 1) c += v & 1
  return c
})

/**
 * A near-duplicate index over 256-bit PDQ hashes by multi-index hashing (Norouzi et al.): 16
 * substrings of 16 bits; a query probes each substring and its one-bit neighbours (17 × 16 = 272
 * postings lists) which, by pigeonhole, reaches every hash within 31 bits, then keeps candidates
 * whose full distance is within `maxDistance`.
 *
 * @example
 * ```ts
 * import { createFingerprintIndex, pdqHashImage } from '@mintmark/media'
 * const index = createFingerprintIndex()
 * await index.add('asset-1', (await pdqHashImage(bytes)).hash)
 * const matches = await index.query((await pdqHashImage(copy)).hash) // [{ id: 'asset-1', distance: 6, variant: '0' }]
 * ```
 * @throws MintmarkError `INPUT_INVALID` (from add/query) for a malformed hash, id or option.
 */
export function createFingerprintIndex(options: FingerprintIndexOptions = {}): FingerprintIndex {
  const backend = options.backend ?? createMemoryFingerprintBackend()
  return {
    async add(id, hash) {
      if (typeof id !== 'string' || id.length === 0) {
        throw new MintmarkError('INPUT_INVALID', 'A fingerprint id must be a non-empty string.', { fields: ['id'] })
      }
      const normalized = typeof hash === 'string' ? hash.toLowerCase() : hash
      await backend.add({ id, hash: normalized, chunks: fingerprintChunks(normalized) })
    },
    async query(query, queryOptions = {}) {
      const maxDistance = queryOptions.maxDistance ?? fingerprintMatchDistance
      const limit = queryOptions.limit ?? Number.POSITIVE_INFINITY
      if (!(limit > 0)) throw new MintmarkError('INPUT_INVALID', 'limit must be positive.', { fields: ['limit'] })
      const best = new Map<string, FingerprintMatch>()
      for (const [variant, hash] of queryHashes(query)) {
        const probes = fingerprintProbes(hash, maxDistance)
        const target = hexToBytes(hash)
        const keep = (id: string, distance: number) => {
          const previous = best.get(id)
          if (previous === undefined || distance < previous.distance) best.set(id, { id, distance, variant })
        }
        if (backend.near) {
          for (const { id, distance } of await backend.near(target, probes, maxDistance)) keep(id, distance)
          continue
        }
        for (const candidate of await backend.candidates(probes)) {
          let distance = 0
          for (let i = 0; i < 32; i++) distance += popcount8[(candidate.hash[i] as number) ^ (target[i] as number)] as number
          if (distance <= maxDistance) keep(candidate.id, distance)
        }
      }
      const sorted = [...best.values()].sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      return Number.isFinite(limit) ? sorted.slice(0, limit) : sorted
    },
    async size() {
      return backend.size()
    },
  }
}

function queryHashes(query: FingerprintQuery): Array<[string, PdqHash]> {
  const pairs: Array<[string, PdqHash]> =
    typeof query === 'string'
      ? [['0', query]]
      : Array.isArray(query)
        ? (query as readonly PdqHash[]).map((h, i) => [String(i), h])
        : (Object.entries(query).filter(([, h]) => h !== undefined) as Array<[string, PdqHash]>)
  if (pairs.length === 0) throw new MintmarkError('INPUT_INVALID', 'A fingerprint query needs at least one hash.', { fields: ['query'] })
  for (const [, hash] of pairs) assertPdqHash(hash, 'query')
  return pairs.map(([v, h]) => [v, h.toLowerCase()])
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
