import { MintmarkError } from '@mintmark/core'
import type { FingerprintBackend, FingerprintCandidate, FingerprintEntry, FingerprintNear } from './fingerprint-backend.js'
import { fingerprintChunkCount, type FingerprintProbe, hashToWords } from './fingerprint-chunks.js'

export type MemoryFingerprintBackendOptions = {
  /** Entries to allocate room for up front (the arrays grow by doubling past it). Default 1024. */
  initialCapacity?: number | undefined
}

/**
 * An in-memory `FingerprintBackend` over typed arrays, about 100 bytes per entry plus the id
 * strings: 32 bytes of hash (eight 32-bit words), a 4-byte id number and, per chunk, a 4-byte
 * posting. Consecutive entries with the same id (an asset's fingerprints, added together) share
 * one id string, so the garbage collector sees one string per asset, not one per entry.
 *
 * Postings are kept in compressed-row form per chunk (one contiguous array sorted by chunk value,
 * plus 65,537 offsets), so a probe reads one contiguous run instead of chasing a linked list
 * through memory. Entries added since the last rebuild sit in a small linked-list tail; when the
 * tail reaches a quarter of the compacted part, everything is rebuilt by a counting sort
 * (amortised: each entry is moved a bounded number of times).
 *
 * `near` verifies distances in place (no allocation per candidate), which the index prefers.
 */
export function createMemoryFingerprintBackend(options: MemoryFingerprintBackendOptions = {}): FingerprintBackend & { near: FingerprintNear } {
  return new MemoryFingerprintBackend(options.initialCapacity ?? 1024)
}

const chunkValues = 1 << 16
const minTail = 4096

class MemoryFingerprintBackend implements FingerprintBackend {
  private count = 0
  private capacity: number
  private hashes: Uint32Array
  // idOf[n] indexes names; a new name only when the id differs from the previous entry's.
  private idOf: Int32Array
  private readonly names: string[] = []
  // Compacted part: entries [0, sealed). offsets[c][v]..offsets[c][v + 1] index postings[c].
  private sealed = 0
  private offsets: Uint32Array[] = []
  private postings: Int32Array[] = []
  // Tail: entries [sealed, count), one linked list per (chunk, value), newest first.
  private readonly tailHeads = new Int32Array(fingerprintChunkCount * chunkValues).fill(-1)
  private tailNext: Int32Array
  private tailCapacity: number
  private readonly query = new Uint32Array(8)

  constructor(initialCapacity: number) {
    if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 1) {
      throw new MintmarkError('INPUT_INVALID', 'initialCapacity must be a positive integer.', { fields: ['initialCapacity'] })
    }
    this.capacity = initialCapacity
    this.hashes = new Uint32Array(8 * initialCapacity)
    this.idOf = new Int32Array(initialCapacity)
    this.tailCapacity = minTail
    this.tailNext = new Int32Array(fingerprintChunkCount * minTail)
  }

  add(entry: FingerprintEntry): void {
    if (this.count - this.sealed === this.tailCapacity) this.rebuild()
    if (this.count === this.capacity) this.grow()
    const n = this.count
    hashToWords(entry.hash, this.hashes, 8 * n)
    const t = n - this.sealed
    for (let chunk = 0; chunk < fingerprintChunkCount; chunk++) {
      const slot = chunk * chunkValues + (entry.chunks[chunk] as number)
      this.tailNext[chunk * this.tailCapacity + t] = this.tailHeads[slot] as number
      this.tailHeads[slot] = t
    }
    if (this.names[this.names.length - 1] !== entry.id) this.names.push(entry.id)
    this.idOf[n] = this.names.length - 1
    this.count++
  }

  candidates(probes: readonly FingerprintProbe[]): FingerprintCandidate[] {
    const out: FingerprintCandidate[] = []
    const seen = new Set<number>()
    this.forEachPosting(probes, (n) => {
      if (seen.has(n)) return
      seen.add(n)
      const hash = new Uint8Array(32)
      const view = new DataView(hash.buffer)
      for (let i = 0; i < 8; i++) view.setUint32(4 * i, this.hashes[8 * n + i] as number)
      out.push({ id: this.names[this.idOf[n] as number] as string, hash })
    })
    return out
  }

  near(hash: Uint8Array, probes: readonly FingerprintProbe[], maxDistance: number): Array<{ id: string; distance: number }> {
    const q = this.query
    const view = new DataView(hash.buffer, hash.byteOffset, 32)
    for (let i = 0; i < 8; i++) q[i] = view.getUint32(4 * i)
    const q0 = q[0] as number
    const q1 = q[1] as number
    const q2 = q[2] as number
    const q3 = q[3] as number
    const q4 = q[4] as number
    const q5 = q[5] as number
    const q6 = q[6] as number
    const q7 = q[7] as number
    const hashes = this.hashes
    const out: Array<{ id: string; distance: number }> = []
    const sealed = this.sealed
    // The posting loops are written out (no callback) because this is the hot path: a probe of
    // 4,000,000 entries visits ~17,000 of them. A random entry exceeds 31 bits after two or
    // three words, so the early exits do most of the work.
    for (const { chunkNo, values } of probes) {
      const offsets = this.offsets[chunkNo]
      const postings = this.postings[chunkNo]
      const tailBase = chunkNo * this.tailCapacity
      for (const value of values) {
        let p = offsets ? (offsets[value] as number) : 0
        const end = offsets ? (offsets[value + 1] as number) : 0
        let t = this.tailHeads[chunkNo * chunkValues + value] as number
        while (p < end || t >= 0) {
          let n: number
          if (p < end) n = (postings as Int32Array)[p++] as number
          else {
            n = sealed + t
            t = this.tailNext[tailBase + t] as number
          }
          const b = 8 * n
          let d = popcount((hashes[b] as number) ^ q0) + popcount((hashes[b + 1] as number) ^ q1)
          if (d > maxDistance) continue
          d += popcount((hashes[b + 2] as number) ^ q2) + popcount((hashes[b + 3] as number) ^ q3)
          if (d > maxDistance) continue
          d += popcount((hashes[b + 4] as number) ^ q4) + popcount((hashes[b + 5] as number) ^ q5)
          if (d > maxDistance) continue
          d += popcount((hashes[b + 6] as number) ^ q6) + popcount((hashes[b + 7] as number) ^ q7)
          if (d <= maxDistance) out.push({ id: this.names[this.idOf[n] as number] as string, distance: d })
        }
      }
    }
    return out
  }

  size(): number {
    return this.count
  }

  /** Calls `visit` for every entry in every probed list (an entry may come more than once); `near` inlines the same walk. */
  private forEachPosting(probes: readonly FingerprintProbe[], visit: (n: number) => void): void {
    const sealed = this.sealed
    for (const { chunkNo, values } of probes) {
      const offsets = this.offsets[chunkNo]
      const postings = this.postings[chunkNo]
      const tailBase = chunkNo * this.tailCapacity
      for (const value of values) {
        if (offsets && postings) {
          for (let p = offsets[value] as number, end = offsets[value + 1] as number; p < end; p++) visit(postings[p] as number)
        }
        for (let t = this.tailHeads[chunkNo * chunkValues + value] as number; t >= 0; t = this.tailNext[tailBase + t] as number) visit(sealed + t)
      }
    }
  }

  /** Compacts every entry into the contiguous postings (counting sort by chunk value). */
  private rebuild(): void {
    const n = this.count
    for (let chunk = 0; chunk < fingerprintChunkCount; chunk++) {
      const word = chunk >> 1
      const shift = chunk & 1 ? 0 : 16
      const offsets = new Uint32Array(chunkValues + 1)
      for (let e = 0; e < n; e++) {
        const slot = (((this.hashes[8 * e + word] as number) >>> shift) & 0xffff) + 1
        offsets[slot] = (offsets[slot] as number) + 1
      }
      for (let v = 0; v < chunkValues; v++) offsets[v + 1] = (offsets[v + 1] as number) + (offsets[v] as number)
      const fill = offsets.slice(0, chunkValues)
      const postings = new Int32Array(n)
      for (let e = 0; e < n; e++) {
        const v = ((this.hashes[8 * e + word] as number) >>> shift) & 0xffff
        postings[fill[v] as number] = e
        fill[v] = (fill[v] as number) + 1
      }
      this.offsets[chunk] = offsets
      this.postings[chunk] = postings
    }
    this.sealed = n
    this.tailHeads.fill(-1)
    this.tailCapacity = Math.max(minTail, Math.ceil(n / 4))
    this.tailNext = new Int32Array(fingerprintChunkCount * this.tailCapacity)
  }

  private grow(): void {
    const capacity = this.capacity * 2
    const hashes = new Uint32Array(8 * capacity)
    hashes.set(this.hashes)
    this.hashes = hashes
    const idOf = new Int32Array(capacity)
    idOf.set(this.idOf)
    this.idOf = idOf
    this.capacity = capacity
  }
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
}
