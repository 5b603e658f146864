import { promises as fsp, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { leafHash } from '@mintmark/core'
import { createFsBlobStore, createSqliteStore, type EntryDraft } from '@mintmark/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fingerprintImage } from './fingerprints.js'
import { reindexFingerprints } from './reindex-fingerprints.js'

// The backfill over a real SQLite store and a real blob store (the CLI path is in
// test/e2e/fingerprints-reindex.test.ts): a missing blob is reported with its code and the rest
// of the scan goes on; progress counts every asset.
const testdata = path.resolve(import.meta.dirname, '../../../..', 'shared', 'testdata')
let dir: string
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-reindex-unit-'))
})
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true })
})

function draft(i: number, cid: string, mediaType: string): EntryDraft {
  const data = new TextEncoder().encode(`entry ${i}`)
  return {
    statementHash: new Uint8Array(32).fill(i + 1),
    kind: 'test',
    assetCid: cid,
    creator: 'did:key:c',
    createdAt: '2026-01-01T00:00:00Z',
    asset: { cid, sha256: 'ab'.repeat(32), size: 1, mediaType },
    build: () => ({ data, leafHash: leafHash(data) }),
  }
}

describe('reindexFingerprints', () => {
  it('adds what register would have stored, reports a missing blob, and adds nothing the second time', async () => {
    const store = createSqliteStore({ path: path.join(dir, 'index.sqlite') })
    const blobs = createFsBlobStore({ root: path.join(dir, 'blobs') })
    const image = new Uint8Array(readFileSync(path.join(testdata, 'pdq', 'bridge-1-original.jpg')))
    const stored = await blobs.putBytes(image)
    // A CID whose blob this store does not hold: the bytes went into another store only.
    const other = createFsBlobStore({ root: path.join(dir, 'other') })
    const missing = await other.putBytes(new Uint8Array(readFileSync(path.join(testdata, 'c2pa', 'C.jpg'))))
    const text = await blobs.putBytes(new TextEncoder().encode('plain text'))
    store.appendEntries([draft(0, stored.cid, 'image/jpeg'), draft(1, missing.cid, 'image/jpeg'), draft(2, text.cid, 'text/plain')])

    const progress: number[] = []
    const first = await reindexFingerprints({ store, blobs }, { onProgress: (p) => progress.push(p.scanned) })
    const expected = await fingerprintImage(image, 'image/jpeg')
    expect(first).toEqual({
      scanned: 3,
      updated: 1,
      complete: 0,
      skippedNotImages: 1,
      fingerprintsAdded: expected.length,
      failed: [{ cid: missing.cid, code: 'BLOB_NOT_FOUND', message: expect.any(String) }],
    })
    expect(progress).toEqual([1, 2, 3])
    expect(store.fingerprintsOf(stored.cid).map(({ algorithm, hash, quality }) => ({ algorithm, hash, quality }))).toEqual(expected)

    const second = await reindexFingerprints({ store, blobs })
    expect(second).toMatchObject({ scanned: 3, updated: 0, fingerprintsAdded: 0, failed: [{ cid: missing.cid, code: 'BLOB_NOT_FOUND' }] })
    blobs.close()
    other.close()
    store.close()
  })
})
