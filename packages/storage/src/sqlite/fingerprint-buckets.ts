import type Database from 'better-sqlite3'
import { MintmarkError } from '@mintmark/core'

/**
 * Fingerprint postings as packed buckets (migration 5, docs/adr/0010 amendment of 2026-11-22).
 *
 * One row per (algorithm, chunk_no, chunk_value): `bucket = algorithm_no · 2^20 + chunk_no · 2^16
 * + chunk_value`, holding every fingerprint of that algorithm whose chunk `chunk_no` has that
 * value, as 36-byte entries: the 32 hash bytes, then the fingerprint id (uint32 little-endian).
 * A lookup reads the 272 probed buckets in one `rowid IN (…)` query and compares hashes in place,
 * instead of fetching ~16,000 candidate rows one by one (measured 1.4–6 µs each through SQLite).
 */
export const bucketEntryBytes = 36

const chunkCount = 16

export function bucketKey(algorithmNo: number, chunkNo: number, value: number): number {
  return algorithmNo * 0x100000 + chunkNo * 0x10000 + value
}

/** The 36-byte bucket entry of a fingerprint. */
export function bucketEntry(id: number, hash: Uint8Array): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new MintmarkError('STORE_CORRUPT', `Fingerprint id ${id} does not fit a bucket entry.`)
  const out = Buffer.allocUnsafe(bucketEntryBytes)
  out.set(hash, 0)
  out.writeUInt32LE(id, 32)
  return out
}

/** Chunk i of a 32-byte hash: bytes 2i..2i+1, big-endian. */
export function chunkOf(hash: Uint8Array, chunkNo: number): number {
  return ((hash[2 * chunkNo] as number) << 8) | (hash[2 * chunkNo + 1] as number)
}

/**
 * Appends entries to buckets. `entries || excluded.entries` concatenates the bytes (SQLite's
 * concatenation keeps BLOB bytes as they are in a UTF-8 database; the CAST gives back a BLOB for
 * the STRICT column): the row is rewritten, not read into JS.
 */
export function bucketAppender(db: Database.Database): (bucket: number, bytes: Buffer) => void {
  const upsert = db.prepare(
    'INSERT INTO fingerprint_buckets (bucket, entries) VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET entries = CAST(entries || excluded.entries AS BLOB)',
  )
  return (bucket, bytes) => {
    upsert.run(bucket, bytes)
  }
}

/** The number of an algorithm name in `fingerprint_algorithms`, created when `create` is set. */
export function algorithmNumberer(db: Database.Database): (name: string, create: boolean) => number | undefined {
  const select = db.prepare('SELECT no FROM fingerprint_algorithms WHERE name = ?').pluck()
  const insert = db.prepare('INSERT INTO fingerprint_algorithms (name) VALUES (?) ON CONFLICT (name) DO NOTHING')
  // A committed number never changes, so it can be cached; a miss is asked again (another process
  // may add the algorithm later). Nothing read inside a transaction is cached: a number given
  // there disappears if the transaction rolls back, and could be given to another name next.
  const cache = new Map<string, number>()
  return (name, create) => {
    let no = cache.get(name)
    if (no !== undefined) return no
    no = select.get(name) as number | undefined
    if (no === undefined && create) {
      insert.run(name)
      no = select.get(name) as number
    }
    if (no !== undefined && !db.inTransaction) cache.set(name, no)
    return no
  }
}

/**
 * Collects bucket entries in memory and writes each touched bucket once (bulk inserts and the
 * migration): 16 upserts per fingerprint become one per bucket per flush.
 */
export function bucketBatch(append: (bucket: number, bytes: Buffer) => void) {
  const pending = new Map<number, Buffer[]>()
  let entries = 0
  return {
    add(algorithmNo: number, id: number, hash: Uint8Array): void {
      const entry = bucketEntry(id, hash)
      for (let c = 0; c < chunkCount; c++) {
        const key = bucketKey(algorithmNo, c, chunkOf(hash, c))
        const list = pending.get(key)
        if (list) list.push(entry)
        else pending.set(key, [entry])
      }
      entries++
    },
    get size(): number {
      return entries
    },
    flush(): void {
      for (const [key, list] of pending) append(key, list.length === 1 ? (list[0] as Buffer) : Buffer.concat(list))
      pending.clear()
      entries = 0
    },
  }
}

/**
 * Migration 5's data step: fills `fingerprint_buckets` from version 4's `fingerprint_chunks` rows,
 * which are already in bucket order (primary key chunk_no, chunk_value, fingerprint_id): read in
 * key-ordered pages of `page` rows joined to their hashes, each (algorithm, chunk, value) run
 * becomes one bucket write (two when a run straddles a page). Memory is bounded by the page; the
 * work is one pass over the chunk rows, not a rewrite of growing buckets per batch.
 */
export function fillBucketsFromChunks(db: Database.Database, page = 20_000): void {
  const numberOf = algorithmNumberer(db)
  const append = bucketAppender(db)
  const next = db.prepare(
    `SELECT c.chunk_no, c.chunk_value, c.fingerprint_id, f.algorithm, f.hash
       FROM fingerprint_chunks c JOIN fingerprints f ON f.id = c.fingerprint_id
      WHERE (c.chunk_no, c.chunk_value, c.fingerprint_id) > (?, ?, ?)
      ORDER BY c.chunk_no, c.chunk_value, c.fingerprint_id LIMIT ?`,
  )
  let after: [number, number, number] = [-1, -1, -1]
  for (;;) {
    const rows = next.all(...after, page) as { chunk_no: number; chunk_value: number; fingerprint_id: number; algorithm: string; hash: Buffer }[]
    if (rows.length === 0) break
    const runs = new Map<number, Buffer[]>()
    for (const r of rows) {
      const key = bucketKey(numberOf(r.algorithm, true) as number, r.chunk_no, r.chunk_value)
      const entry = bucketEntry(r.fingerprint_id, r.hash)
      const list = runs.get(key)
      if (list) list.push(entry)
      else runs.set(key, [entry])
    }
    for (const [key, list] of runs) append(key, Buffer.concat(list))
    const last = rows.at(-1) as (typeof rows)[number]
    after = [last.chunk_no, last.chunk_value, last.fingerprint_id]
  }
}

const popcount = (x: number): number => {
  let v = x - ((x >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
}

/**
 * Scans bucket entries (the probed buckets' blobs, concatenated) for those within `maxDistance`
 * bits of `hash`; calls `hit(id, distance)` once per fingerprint id (an entry sits in 16 buckets
 * and may be reached through several), with the entry's stored hash bytes.
 */
export function scanBuckets(entries: Buffer, hash: Uint8Array, maxDistance: number, hit: (id: number, distance: number, entryHash: Uint8Array) => void): void {
  // Hash words in the same (native) byte order on both sides: XOR + popcount does not care which.
  const q = new Uint32Array(8)
  new Uint8Array(q.buffer).set(hash)
  const q0 = q[0] as number
  const q1 = q[1] as number
  const q2 = q[2] as number
  const q3 = q[3] as number
  const q4 = q[4] as number
  const q5 = q[5] as number
  const q6 = q[6] as number
  const q7 = q[7] as number
  const seen = new Set<number>()
  // A Uint32Array view needs 4-byte alignment; copy the rare unaligned buffer.
  const bytes = entries.byteOffset % 4 === 0 ? entries : Buffer.from(entries)
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
  for (let b = 0; b + 9 <= w.length; b += 9) {
    // A random entry exceeds 31 bits after two or three words: the early exits do most of the work.
    let d = popcount((w[b] as number) ^ q0) + popcount((w[b + 1] as number) ^ q1)
    if (d > maxDistance) continue
    d += popcount((w[b + 2] as number) ^ q2) + popcount((w[b + 3] as number) ^ q3)
    if (d > maxDistance) continue
    d += popcount((w[b + 4] as number) ^ q4) + popcount((w[b + 5] as number) ^ q5)
    if (d > maxDistance) continue
    d += popcount((w[b + 6] as number) ^ q6) + popcount((w[b + 7] as number) ^ q7)
    if (d > maxDistance) continue
    const id = bytes.readUInt32LE(4 * (b + 8))
    if (seen.has(id)) continue
    seen.add(id)
    hit(id, d, bytes.subarray(4 * b, 4 * b + 32))
  }
}

/** Every bucket entry (id and hash) of the concatenated blobs, each id once. */
export function decodeBuckets(entries: Buffer): { id: number; hash: Uint8Array }[] {
  const seen = new Set<number>()
  const out: { id: number; hash: Uint8Array }[] = []
  for (let o = 0; o + bucketEntryBytes <= entries.length; o += bucketEntryBytes) {
    const id = entries.readUInt32LE(o + 32)
    if (seen.has(id)) continue
    seen.add(id)
    out.push({ id, hash: new Uint8Array(entries.subarray(o, o + 32)) })
  }
  return out
}
