import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { leafHash } from '@mintmark/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSqliteStore, type EntryDraft, fingerprintChunkValues } from './sqlite-store.js'

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
