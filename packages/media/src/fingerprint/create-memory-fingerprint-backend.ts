import { MintmarkError } from '@mintmark/core'
import type { FingerprintBackend, FingerprintCandidate, FingerprintEntry } from './fingerprint-backend.js'
import { fingerprintChunkCount, type FingerprintProbe } from './fingerprint-chunks.js'

export type MemoryFingerprintBackendOptions = {
  /** Entries to allocate room for up front (the arrays grow by doubling past it). Default 1024. */
  initialCapacity?: number | undefined
}

/**
 * An in-memory `FingerprintBackend` over typed arrays: 32 bytes of hash plus 16 × 4 bytes of
 * posting links per entry, plus the id strings (about 100 bytes per entry, ~130 MB at 1,000,000
 * with short ids). Postings are one singly linked list per `(chunk_no, chunk_value)`: a head
 * table of 16 × 65,536 slots and one `next` array per chunk.
 */
export function createMemoryFingerprintBackend(options: MemoryFingerprintBackendOptions = {}): FingerprintBackend {
  return new MemoryFingerprintBackend(options.initialCapacity ?? 1024)
}

const chunkValues = 1 << 16

class MemoryFingerprintBackend implements FingerprintBackend {
  private count = 0
  private capacity: number
  private hashes: Uint8Array
  private next: Int32Array // [chunk * capacity + entry] → previous entry with the same chunk value, or -1
  private readonly heads = new Int32Array(fingerprintChunkCount * chunkValues).fill(-1)
  private readonly ids: string[] = []
  private stamp: Uint32Array
  private generation = 0

  constructor(initialCapacity: number) {
    if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 1) {
      throw new MintmarkError('INPUT_INVALID', 'initialCapacity must be a positive integer.', { fields: ['initialCapacity'] })
    }
    this.capacity = initialCapacity
    this.hashes = new Uint8Array(32 * initialCapacity)
    this.next = new Int32Array(fingerprintChunkCount * initialCapacity)
    this.stamp = new Uint32Array(initialCapacity)
  }

  add(entry: FingerprintEntry): void {
    if (this.count === this.capacity) this.grow()
    const n = this.count
    const hex = entry.hash
    for (let i = 0; i < 32; i++) this.hashes[32 * n + i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
    for (let chunk = 0; chunk < fingerprintChunkCount; chunk++) {
      const slot = chunk * chunkValues + (entry.chunks[chunk] as number)
      this.next[chunk * this.capacity + n] = this.heads[slot] as number
      this.heads[slot] = n
    }
    this.ids.push(entry.id)
    this.count++
  }

  candidates(probes: readonly FingerprintProbe[]): FingerprintCandidate[] {
    // Each entry is returned once per query (generation stamps instead of a Set).
    this.generation = (this.generation + 1) >>> 0
    if (this.generation === 0) {
      this.stamp.fill(0)
      this.generation = 1
    }
    const out: FingerprintCandidate[] = []
    for (const { chunkNo, values } of probes) {
      const base = chunkNo * this.capacity
      for (const value of values) {
        for (let n = this.heads[chunkNo * chunkValues + value] as number; n >= 0; n = this.next[base + n] as number) {
          if (this.stamp[n] === this.generation) continue
          this.stamp[n] = this.generation
          out.push({ id: this.ids[n] as string, hash: this.hashes.subarray(32 * n, 32 * n + 32) })
        }
      }
    }
    return out
  }

  size(): number {
    return this.count
  }

  private grow(): void {
    const capacity = this.capacity * 2
    const hashes = new Uint8Array(32 * capacity)
    hashes.set(this.hashes)
    const next = new Int32Array(fingerprintChunkCount * capacity)
    for (let chunk = 0; chunk < fingerprintChunkCount; chunk++) {
      next.set(this.next.subarray(chunk * this.capacity, chunk * this.capacity + this.count), chunk * capacity)
    }
    const stamp = new Uint32Array(capacity)
    stamp.set(this.stamp)
    this.hashes = hashes
    this.next = next
    this.stamp = stamp
    this.capacity = capacity
  }
}
