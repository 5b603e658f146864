import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { type ContentId, hashBytes } from '@mintmark/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BlobStore, BlobStoreStreams } from '../blob-store.js'

/** One store under test, over fresh, empty storage. */
export type BlobStoreFixture = {
  store: BlobStore
  /** A second store over the same storage: what another process would see. */
  reopen(): BlobStore
  /** Changes the stored bytes of `cid` behind the store's back (same length, one bit flipped). */
  corrupt(cid: ContentId): Promise<void>
  /** A scratch directory for source files, removed by `cleanup`. */
  dir: string
  cleanup(): Promise<void>
}

export type BlobStoreSuiteOptions = {
  make: () => Promise<BlobStoreFixture>
  /** The store also implements BlobStoreStreams (`stream`, `size`, `putStream`): test those too. */
  streams?: boolean
}

const mib = 1024 * 1024

/**
 * The behaviour every BlobStore must have, written once and run against each adapter
 * (fs-blob-store.conformance.test.ts, s3-blob-store.test.ts).
 */
export function describeBlobStore(name: string, options: BlobStoreSuiteOptions): void {
  describe(`${name} blob store (conformance)`, () => {
    let fx: BlobStoreFixture
    const opened: BlobStore[] = []
    beforeEach(async () => {
      fx = await options.make()
    })
    afterEach(async () => {
      for (const s of opened.splice(0)) s.close()
      await fx.cleanup()
    })
    const reopen = () => {
      const s = fx.reopen()
      opened.push(s)
      return s
    }
    const writeSource = async (bytes: Uint8Array, name = `src-${randomBytes(4).toString('hex')}.bin`) => {
      const file = path.join(fx.dir, name)
      await fsp.writeFile(file, bytes)
      return file
    }

    it('stores bytes under their CID, reads them back checked, and stores the same bytes once', async () => {
      const bytes = randomBytes(1000)
      const first = await fx.store.putBytes(bytes)
      expect(first).toEqual({ ...hashBytes(bytes), stored: true })
      expect(Buffer.from(await fx.store.get(first.cid)).equals(bytes)).toBe(true)
      expect(await fx.store.has(first.cid)).toBe(true)
      expect(await fx.store.verify(first.cid)).toBe(true)
      expect(await fx.store.putBytes(bytes)).toEqual({ ...first, stored: false })
      expect(Buffer.from(await reopen().get(first.cid)).equals(bytes)).toBe(true)

      const empty = await fx.store.putBytes(new Uint8Array(0))
      expect(empty).toEqual({ ...hashBytes(new Uint8Array(0)), stored: true })
      expect((await fx.store.get(empty.cid)).length).toBe(0)
    })

    it('streams files from disk: over 1 MiB (a multi-block DAG) and over 5 MiB', async () => {
      for (const size of [3 * mib + 17, 12 * mib + 5]) {
        const bytes = randomBytes(size)
        const put = await fx.store.putFile(await writeSource(bytes))
        expect(put).toEqual({ ...hashBytes(bytes), stored: true })
        // A dag-pb root (bafybei…) rather than a single raw leaf (bafkrei…): the content spans several blocks.
        expect(put.cid.startsWith('bafybei')).toBe(true)
        expect(Buffer.from(await fx.store.get(put.cid)).equals(bytes)).toBe(true)
        expect(await reopen().verify(put.cid)).toBe(true)
      }
    })

    it('putHashed stores bytes the caller hashed, and refuses a size that differs', async () => {
      const bytes = randomBytes(4096)
      const hashed = hashBytes(bytes)
      expect(await fx.store.putHashed(hashed, bytes)).toMatchObject({ cid: hashed.cid, stored: true })
      expect(Buffer.from(await fx.store.get(hashed.cid)).equals(bytes)).toBe(true)
      const other = randomBytes(10)
      await expect(fx.store.putHashed({ ...hashBytes(other), size: 11 }, other)).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    })

    it('answers has/verify false and get BLOB_NOT_FOUND for a CID it does not hold', async () => {
      const missing = hashBytes(randomBytes(64)).cid
      expect(await fx.store.has(missing)).toBe(false)
      expect(await fx.store.verify(missing)).toBe(false)
      await expect(fx.store.get(missing)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
    })

    it('refuses anything but a CID as a name', async () => {
      for (const bad of ['../../etc/passwd', 'blobs/x', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', '']) {
        await expect(fx.store.get(bad)).rejects.toMatchObject({ code: 'CID_INVALID' })
        await expect(fx.store.has(bad)).rejects.toMatchObject({ code: 'CID_INVALID' })
      }
    })

    it('never serves a corrupt blob: get fails CONTENT_HASH_MISMATCH and verify says false', async () => {
      for (const size of [100, 3 * mib]) {
        const bytes = randomBytes(size)
        const { cid } = await fx.store.putFile(await writeSource(bytes))
        await fx.corrupt(cid)
        await expect(fx.store.get(cid)).rejects.toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
        expect(await fx.store.verify(cid)).toBe(false)
        expect(await fx.store.has(cid)).toBe(true) // present, but never served
      }
    })

    it('concurrent puts of the same content all succeed, and the content is stored whole', async () => {
      const bytes = randomBytes(6 * mib + 3)
      const files = await Promise.all([writeSource(bytes), writeSource(bytes)])
      const results = await Promise.all([
        fx.store.putFile(files[0] as string),
        fx.store.putFile(files[1] as string),
        fx.store.putFile(files[0] as string),
        fx.store.putBytes(bytes),
      ])
      const expected = hashBytes(bytes)
      for (const r of results) expect(r).toMatchObject(expected)
      expect(results.filter((r) => r.stored).length).toBeGreaterThanOrEqual(1)
      expect(await reopen().verify(expected.cid)).toBe(true)
      expect(Buffer.from(await fx.store.get(expected.cid)).equals(bytes)).toBe(true)
    })

    it('deferred puts are readable by another instance after flush()', async () => {
      const small = randomBytes(300)
      const large = randomBytes(9 * mib)
      const puts = [await fx.store.putBytes(small, { deferSync: true }), await fx.store.putFile(await writeSource(large), { deferSync: true })]
      await fx.store.flush()
      const other = reopen()
      for (const p of puts) expect(await other.verify(p.cid)).toBe(true)
    })

    it('putFile reports a missing source as FILE_NOT_FOUND and a directory as FILE_UNREADABLE', async () => {
      await expect(fx.store.putFile(path.join(fx.dir, 'no-such-file'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      await expect(fx.store.putFile(fx.dir)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' })
    })

    if (!options.streams) return
    const streaming = () => fx.store as BlobStore & BlobStoreStreams

    it('stream() yields the checked bytes and size() the stored size', async () => {
      const bytes = randomBytes(3 * mib + 1)
      const { cid } = await streaming().putBytes(bytes)
      expect(await streaming().size(cid)).toBe(bytes.length)
      const chunks: Buffer[] = []
      for await (const chunk of await streaming().stream(cid)) chunks.push(chunk as Buffer)
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true)
      const missing = hashBytes(randomBytes(8)).cid
      await expect(streaming().size(missing)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
      await expect(streaming().stream(missing)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
    })

    it('a corrupt blob streams short of its length and then fails CONTENT_HASH_MISMATCH, never ending', async () => {
      const bytes = randomBytes(2 * mib + 9)
      const { cid } = await streaming().putBytes(bytes)
      await fx.corrupt(cid)
      const readable = await streaming().stream(cid)
      let received = 0
      let ended = false
      readable.on('end', () => {
        ended = true
      })
      const failure = await (async () => {
        try {
          for await (const chunk of readable) received += (chunk as Buffer).length
        } catch (error) {
          return error
        }
        return undefined
      })()
      expect(failure).toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
      expect(ended).toBe(false)
      expect(received).toBeLessThan(bytes.length)
    })

    it('putStream stores a stream under the CID stated for it, and nothing when the bytes do not match', async () => {
      for (const size of [5000, 12 * mib + 1]) {
        const bytes = randomBytes(size)
        const { cid } = hashBytes(bytes)
        const pieces = (b: Buffer) => Readable.from([b.subarray(0, 1000), b.subarray(1000)], { objectMode: false })
        expect(await streaming().putStream(pieces(bytes), { cid })).toEqual({ ...hashBytes(bytes), stored: true })
        expect(Buffer.from(await streaming().get(cid)).equals(bytes)).toBe(true)
        expect(await streaming().putStream(pieces(bytes), { cid })).toMatchObject({ cid, stored: false })

        const other = randomBytes(size)
        const claimed = hashBytes(randomBytes(size)).cid
        await expect(streaming().putStream(pieces(other), { cid: claimed })).rejects.toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
        expect(await streaming().has(claimed)).toBe(false)
        expect(await streaming().has(hashBytes(other).cid)).toBe(false)
      }
    })
  })
}
