import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { leafHash } from '@mintmark/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fillBucketsFromChunks } from './fingerprint-buckets.js'
import { sqliteMigrations } from './migrations.js'
import { createSqliteStore, type EntryDraft, type FingerprintChunkProbe, fingerprintChunkValues } from './sqlite-store.js'

let dir: string
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-fp-'))
})
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true })
})

const cidOf = (i: number) => `bafkreitest${String(i).padStart(6, '0')}`
const hashOf = (seed: number) => Uint8Array.from({ length: 32 }, (_, k) => (Math.imul(seed + 1, 2654435761) >>> (k % 24)) & 0xff)

function draft(i: number, extra: Partial<EntryDraft> = {}): EntryDraft {
  const data = new TextEncoder().encode(`entry ${i}`)
  return {
    statementHash: new Uint8Array(32).fill(i + 1),
    kind: 'test',
    assetCid: cidOf(i),
    creator: 'did:key:c',
    createdAt: '2026-01-01T00:00:00Z',
    asset: { cid: cidOf(i), sha256: 'ab'.repeat(32), size: 1, mediaType: 'image/png' },
    build: () => ({ data, leafHash: leafHash(data) }),
    ...extra,
  }
}

describe('fingerprints and C2PA evidence (migration 3)', () => {
  it('chunks are the 16 big-endian 16-bit words of the hash (hex digits 4i..4i+3)', () => {
    const hash = hashOf(7)
    const hex = Buffer.from(hash).toString('hex')
    expect(fingerprintChunkValues(hash)).toEqual(Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(4 * i, 4 * i + 4), 16)))
    expect(() => fingerprintChunkValues(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
  })

  it('writes fingerprints and evidence with the entry, and finds them by chunk', () => {
    const s = createSqliteStore({ path: path.join(dir, 'a.sqlite') })
    const hash = hashOf(1)
    s.appendEntries([
      draft(0, {
        fingerprints: [{ algorithm: 'pdq', hash, quality: 90 }],
        c2pa: { valid: true, validationStatus: [], claimGenerator: 'gen/1', digitalSourceType: 'x', document: '{"a":1}' },
      }),
      draft(1),
    ])
    expect(s.fingerprintCount()).toBe(1)
    expect(s.fingerprintsOf(cidOf(0))).toEqual([{ id: 1, assetCid: cidOf(0), algorithm: 'pdq', hash, quality: 90 }])
    expect(s.getC2paEvidence(cidOf(0))).toEqual({
      assetCid: cidOf(0), valid: true, validationStatus: [], claimGenerator: 'gen/1', digitalSourceType: 'x', document: '{"a":1}', entryIndex: 0,
    })
    expect(s.getC2paEvidence(cidOf(1))).toBeUndefined()
    const chunks = fingerprintChunkValues(hash)
    expect(s.fingerprintCandidates([{ chunkNo: 3, values: [chunks[3] as number, 1, 2] }])).toEqual([{ id: 1, assetCid: cidOf(0), hash }])
    expect(s.fingerprintCandidates([{ chunkNo: 4, values: [chunks[3] === chunks[4] ? 0x10000 : (chunks[3] as number)] }])).toEqual([])
    expect(s.fingerprintCandidates([{ chunkNo: 3, values: [chunks[3] as number] }], 'other')).toEqual([])
    // The same fingerprint again (a later claim, or add) is kept once.
    expect(s.addFingerprint(cidOf(0), { algorithm: 'pdq', hash, quality: 90 })).toBe(false)
    expect(s.addFingerprint(cidOf(1), { algorithm: 'pdq', hash: hashOf(2), quality: 5 })).toBe(true)
    expect(s.fingerprintCount()).toBe(2)
    // A fingerprint of an asset that is not registered is refused (foreign key).
    expect(() => s.addFingerprint('bafkreinope', { algorithm: 'pdq', hash, quality: 1 })).toThrow(expect.objectContaining({ code: 'STORE_IO' }))
    s.close()
  })

  it('rolls the fingerprint back with its entry, and enforces expectIndex', () => {
    const s = createSqliteStore({ path: path.join(dir, 'b.sqlite') })
    const bad: EntryDraft = { ...draft(1), build: () => { throw new Error('boom') } }
    expect(() => s.appendEntries([draft(0, { fingerprints: [{ algorithm: 'pdq', hash: hashOf(1), quality: 50 }] }), bad])).toThrow()
    expect(s.fingerprintCount()).toBe(0)
    expect(() => s.appendEntries([draft(0, { expectIndex: 1, fingerprints: [{ algorithm: 'pdq', hash: hashOf(1), quality: 50 }] })])).toThrow(
      expect.objectContaining({ code: 'LOG_APPEND_CONFLICT' }),
    )
    expect(s.size()).toBe(0)
    expect(s.fingerprintCount()).toBe(0)
    expect(s.appendEntries([draft(0, { expectIndex: 0 })])[0]).toMatchObject({ index: 0, created: true })
    expect(s.entryByStatementHash(new Uint8Array(32).fill(1))?.index).toBe(0)
    expect(s.entryByStatementHash(new Uint8Array(32).fill(9))).toBeUndefined()
    s.close()
  })
})

/** Media's probes for radius 31: each chunk and its 16 one-bit neighbours. */
function probesOf(hash: Uint8Array): FingerprintChunkProbe[] {
  return fingerprintChunkValues(hash).map((v, chunkNo) => ({ chunkNo, values: [v, ...Array.from({ length: 16 }, (_, b) => v ^ (1 << b))] }))
}
function flipBits(hash: Uint8Array, bits: readonly number[]): Uint8Array {
  const out = hash.slice()
  for (const b of bits) out[b >> 3] = (out[b >> 3] as number) ^ (1 << (b & 7))
  return out
}
const distance = (a: Uint8Array, b: Uint8Array) => a.reduce((d, x, i) => d + [...((x ^ (b[i] as number)) >>> 0).toString(2)].filter((c) => c === '1').length, 0)

describe('fingerprint buckets (migration 5)', () => {
  it('finds fingerprints within the distance, per algorithm, with exact distances (bytes 0x00 and 0xff kept)', () => {
    const s = createSqliteStore({ path: path.join(dir, 'near.sqlite') })
    // Hashes with NUL and non-UTF-8 bytes: the bucket concatenation must keep them as they are.
    const base = Uint8Array.from({ length: 32 }, (_, k) => [0x00, 0xff, 0xc3, 0x28][k % 4] as number)
    const near = flipBits(base, [1, 40, 77, 100, 130, 170, 200, 250]) // 8 bits away
    const edge = flipBits(base, Array.from({ length: 31 }, (_, k) => k * 8 + 3)) // 31 bits, one per chunk-ish
    const far = flipBits(base, Array.from({ length: 32 }, (_, k) => k * 8 + 5)) // 32 bits
    s.appendEntries([
      draft(0, { fingerprints: [{ algorithm: 'pdq', hash: near, quality: 90 }, { algorithm: 'pdq-equalised', hash: base, quality: 90 }] }),
      draft(1, { fingerprints: [{ algorithm: 'pdq', hash: edge, quality: 90 }] }),
      draft(2, { fingerprints: [{ algorithm: 'pdq', hash: far, quality: 90 }] }),
    ])
    const got = s.fingerprintNear(base, probesOf(base), 31).sort((a, b) => a.distance - b.distance)
    expect(got).toEqual([
      { id: 1, assetCid: cidOf(0), distance: 8 },
      { id: 3, assetCid: cidOf(1), distance: 31 },
    ])
    expect(distance(far, base)).toBe(32)
    expect(s.fingerprintNear(base, probesOf(base), 31, 'pdq-equalised')).toEqual([{ id: 2, assetCid: cidOf(0), distance: 0 }])
    expect(s.fingerprintNear(base, probesOf(base), 31, 'unknown')).toEqual([])
    // The candidate form returns the stored bytes unchanged.
    const candidates = s.fingerprintCandidates(probesOf(base))
    // far differs by 2 bits in every chunk, so no radius-1 probe reaches it; edge by 1 in its last chunk.
    expect(candidates.map((c) => c.id).sort()).toEqual([1, 3])
    expect(candidates.find((c) => c.id === 1)?.hash).toEqual(near)
    s.close()
  })

  it('keeps algorithms apart after a rolled-back first fingerprint', () => {
    const s = createSqliteStore({ path: path.join(dir, 'rollback.sqlite') })
    const bad: EntryDraft = { ...draft(1), build: () => { throw new Error('boom') } }
    // The first 'pdq' fingerprint ever gets its algorithm a number, then the group rolls back.
    expect(() => s.appendEntries([draft(0, { fingerprints: [{ algorithm: 'pdq', hash: hashOf(1), quality: 50 }] }), bad])).toThrow()
    const hash = hashOf(2)
    s.appendEntries([draft(0, { fingerprints: [{ algorithm: 'pdq-equalised', hash, quality: 50 }] })])
    s.appendEntries([draft(2, { fingerprints: [{ algorithm: 'pdq', hash, quality: 50 }] })])
    expect(s.fingerprintNear(hash, probesOf(hash), 31, 'pdq-equalised')).toEqual([{ id: 1, assetCid: cidOf(0), distance: 0 }])
    expect(s.fingerprintNear(hash, probesOf(hash), 31, 'pdq')).toEqual([{ id: 2, assetCid: cidOf(2), distance: 0 }])
    s.close()
  })

  it('bulk adds are idempotent and found like single adds', () => {
    const s = createSqliteStore({ path: path.join(dir, 'bulk.sqlite') })
    s.appendEntries([draft(0), draft(1), draft(2)])
    const rows = [0, 1, 2].map((i) => ({ assetCid: cidOf(i), fingerprint: { algorithm: 'pdq', hash: hashOf(10 + i), quality: 80 } }))
    expect(s.addFingerprints(rows)).toBe(3)
    expect(s.addFingerprints(rows)).toBe(0)
    expect(s.fingerprintCount()).toBe(3)
    for (let i = 0; i < 3; i++) {
      const q = flipBits(hashOf(10 + i), [3, 99])
      expect(s.fingerprintNear(q, probesOf(q), 31).filter((r) => r.assetCid === cidOf(i))).toEqual([{ id: i + 1, assetCid: cidOf(i), distance: 2 }])
    }
    // A bad row rolls the whole batch back.
    expect(() => s.addFingerprints([{ assetCid: cidOf(0), fingerprint: { algorithm: 'pdq', hash: hashOf(50), quality: 5 } }, { assetCid: cidOf(0), fingerprint: { algorithm: 'pdq', hash: new Uint8Array(3), quality: 5 } }])).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    )
    expect(s.fingerprintCount()).toBe(3)
    s.close()
  })

  it('ignores bucket entries whose fingerprint row was deleted, even when the id is reused', () => {
    const file = path.join(dir, 'stale.sqlite')
    const s = createSqliteStore({ path: file })
    s.appendEntries([draft(0), draft(1)])
    const old = hashOf(5)
    expect(s.addFingerprint(cidOf(0), { algorithm: 'pdq', hash: old, quality: 60 })).toBe(true)
    const raw = new Database(file)
    raw.prepare('DELETE FROM fingerprints WHERE id = 1').run()
    raw.close()
    expect(s.fingerprintNear(old, probesOf(old), 31)).toEqual([])
    expect(s.fingerprintCandidates(probesOf(old))).toEqual([])
    // The next row takes id 1 again, with another hash and asset: the stale entry must not name it.
    const fresh = hashOf(6)
    expect(s.addFingerprint(cidOf(1), { algorithm: 'pdq', hash: fresh, quality: 60 })).toBe(true)
    expect(s.fingerprintsOf(cidOf(1))[0]?.id).toBe(1)
    expect(s.fingerprintNear(old, probesOf(old), 31).filter((r) => r.distance === 0)).toEqual([])
    expect(s.fingerprintNear(fresh, probesOf(fresh), 31)).toEqual([{ id: 1, assetCid: cidOf(1), distance: 0 }])
    s.close()
  })

  it('sees what another connection commits, at the next lookup (WAL)', () => {
    const file = path.join(dir, 'wal.sqlite')
    const reader = createSqliteStore({ path: file })
    const writer = createSqliteStore({ path: file })
    const hash = hashOf(77)
    expect(reader.fingerprintNear(hash, probesOf(hash), 31)).toEqual([])
    writer.appendEntries([draft(0, { fingerprints: [{ algorithm: 'pdq', hash, quality: 70 }] })])
    expect(reader.fingerprintNear(hash, probesOf(hash), 31)).toEqual([{ id: 1, assetCid: cidOf(0), distance: 0 }])
    writer.addFingerprint(cidOf(0), { algorithm: 'pdq', hash: flipBits(hash, [0]), quality: 70 })
    expect(reader.fingerprintNear(hash, probesOf(hash), 31).map((r) => r.distance).sort()).toEqual([0, 1])
    reader.close()
    writer.close()
  })

  function version4(file: string): { db: Database.Database; hashes: Uint8Array[] } {
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    for (const m of sqliteMigrations.filter((m) => m.version <= 4)) db.exec(m.sql)
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', '4')").run()
    const hashes = Array.from({ length: 40 }, (_, i) => hashOf(1000 + i))
    hashes.forEach((hash, i) => {
      db.prepare("INSERT INTO entries (idx, leaf_hash, data, statement_hash, kind, asset_cid, creator, created_at) VALUES (?, x'00', x'00', ?, 'test', ?, 'c', 't')").run(i, Buffer.from([i]), cidOf(i))
      db.prepare("INSERT INTO assets (cid, sha256, size, media_type, first_entry) VALUES (?, 'ab', 1, 'image/png', ?)").run(cidOf(i), i)
      // As the version-4 code wrote them: the fingerprint row and its 16 chunk rows.
      for (const algorithm of ['pdq', 'pdq-equalised']) {
        const h = algorithm === 'pdq' ? hash : flipBits(hash, [i])
        const id = db.prepare('INSERT INTO fingerprints (asset_cid, algorithm, hash, quality) VALUES (?, ?, ?, 50) RETURNING id').pluck().get(cidOf(i), algorithm, h) as number
        fingerprintChunkValues(h).forEach((v, c) => db.prepare('INSERT INTO fingerprint_chunks (chunk_no, chunk_value, fingerprint_id) VALUES (?, ?, ?)').run(c, v, id))
      }
    })
    return { db, hashes }
  }

  it('migrates a version-4 store: existing fingerprints are found, the chunk rows are gone', () => {
    const file = path.join(dir, 'v4.sqlite')
    const { db, hashes } = version4(file)
    db.close()
    const s = createSqliteStore({ path: file })
    expect(s.getMeta('schema_version')).toBe(String(sqliteMigrations.at(-1)?.version))
    expect(s.fingerprintCount('pdq')).toBe(40)
    hashes.forEach((hash, i) => {
      const q = flipBits(hash, [7, 8, 9])
      expect(s.fingerprintNear(q, probesOf(q), 31).filter((r) => r.assetCid === cidOf(i))).toEqual([{ id: 2 * i + 1, assetCid: cidOf(i), distance: 3 }])
      expect(s.fingerprintNear(hash, probesOf(hash), 31, 'pdq-equalised').filter((r) => r.assetCid === cidOf(i))).toEqual([{ id: 2 * i + 2, assetCid: cidOf(i), distance: 1 }])
    })
    s.close()
    const after = new Database(file, { readonly: true })
    expect(after.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'fingerprint_chunks'").pluck().get()).toBe(0)
    // 16 bucket entries of 36 bytes per fingerprint.
    expect(after.prepare('SELECT SUM(length(entries)) FROM fingerprint_buckets').pluck().get()).toBe(80 * 16 * 36)
    after.close()
  })

  it('fills the same buckets whatever the page size (runs straddling pages are appended)', () => {
    const contents = (page: number) => {
      const { db } = version4(path.join(dir, `v4-page-${page}.sqlite`))
      db.exec((sqliteMigrations.find((m) => m.version === 5) as { sql: string }).sql)
      fillBucketsFromChunks(db, page)
      const rows = db.prepare('SELECT bucket, hex(entries) AS e FROM fingerprint_buckets ORDER BY bucket').all()
      db.close()
      return rows
    }
    const whole = contents(100_000)
    expect(whole.length).toBeGreaterThan(1000)
    expect(contents(7)).toEqual(whole)
  })
})
