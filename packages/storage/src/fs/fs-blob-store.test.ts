import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { hashBytes } from '@mintmark/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFsBlobStore } from './fs-blob-store.js'

let root: string
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-blobs-'))
})
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true })
})

describe('fs blob store', () => {
  it('stores by CID from a file and from bytes, dedups, and reads back verified bytes', async () => {
    const store = createFsBlobStore({ root })
    const bytes = randomBytes(3 * 1024 * 1024 + 17) // several chunks
    const src = path.join(root, 'src.bin')
    await fsp.writeFile(src, bytes)
    const a = await store.putFile(src)
    expect(a).toMatchObject({ ...hashBytes(bytes), stored: true })
    const b = await store.putBytes(bytes)
    expect(b).toMatchObject({ cid: a.cid, stored: false })
    expect(Buffer.from(await store.get(a.cid)).equals(bytes)).toBe(true)
    expect(await store.verify(a.cid)).toBe(true)
    expect(await fsp.readdir(path.join(root, 'tmp'))).toEqual([])
    const listed = []
    for await (const cid of store.list()) listed.push(cid)
    expect(listed).toEqual([a.cid])
    store.close()
  })

  it('never serves a blob whose bytes do not hash to its CID (a file of its own)', async () => {
    const store = createFsBlobStore({ root, packMaxBlobBytes: 0 })
    const { cid } = await store.putBytes(new TextEncoder().encode('original bytes'))
    const file = store.pathOf(cid)
    await fsp.chmod(file, 0o600)
    const buf = await fsp.readFile(file)
    buf[0] = (buf[0] as number) ^ 0x01
    await fsp.writeFile(file, buf)
    await expect(store.get(cid)).rejects.toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
    expect(await store.verify(cid)).toBe(false)
  })

  it('never serves a packed blob whose bytes do not hash to its CID', async () => {
    const store = createFsBlobStore({ root })
    const original = new TextEncoder().encode('packed original bytes')
    const { cid } = await store.putBytes(original)
    const [pack] = (await fsp.readdir(path.join(root, 'packs'))).filter((n) => n.endsWith('.pack'))
    const packFile = path.join(root, 'packs', pack as string)
    const buf = await fsp.readFile(packFile)
    const at = buf.indexOf(Buffer.from(original))
    expect(at).toBeGreaterThan(0)
    buf[at] = (buf[at] as number) ^ 0x01
    await fsp.writeFile(packFile, buf)
    await expect(store.get(cid)).rejects.toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
    expect(await store.verify(cid)).toBe(false)
    store.close()
  })

  it('refuses anything but a CID as a name, so no caller string reaches the filesystem', async () => {
    const store = createFsBlobStore({ root })
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'bafkrei%2e%2e', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', '', 'bafkrei\u0000x'])
      await expect(store.get(bad)).rejects.toMatchObject({ code: 'CID_INVALID' })
    await expect(store.get(hashBytes(new Uint8Array([9])).cid)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
    await expect(store.putFile(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
    await expect(store.putFile(root)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' })
    store.close()
  })

  it('deferred puts become visible to another process only after flush(), packed and as files', async () => {
    const store = createFsBlobStore({ root, packMaxBlobBytes: 1024 })
    const small = Array.from({ length: 20 }, (_, i) => new Uint8Array([i, 1, 2]))
    const large = randomBytes(4096)
    const puts = await Promise.all([...small, large].map((b) => store.putBytes(b, { deferSync: true })))
    // A duplicate inside the same group is stored once.
    expect((await store.putBytes(small[0] as Uint8Array, { deferSync: true })).stored).toBe(false)
    const other = createFsBlobStore({ root })
    expect(await other.has((puts[0] as { cid: string }).cid)).toBe(false)
    await store.flush()
    for (const p of puts) {
      expect(await other.verify(p.cid)).toBe(true)
      expect(await other.has(p.cid)).toBe(true)
    }
    const listed = []
    for await (const cid of other.list()) listed.push(cid)
    expect(listed.sort()).toEqual(puts.map((p) => p.cid).sort())
    expect(await fsp.readdir(path.join(root, 'blobs'))).toHaveLength(1) // only the large one has a file
    store.close()
    other.close()
  })

  it('bytes appended to a pack but never flushed (a crash before the group commit) are not served, and writing goes on', async () => {
    const store = createFsBlobStore({ root })
    const lost = await store.putBytes(new Uint8Array([7, 7, 7]), { deferSync: true })
    store.close() // the process dies before flush(): nothing was acknowledged
    const reopened = createFsBlobStore({ root })
    expect(await reopened.has(lost.cid)).toBe(false)
    await expect(reopened.get(lost.cid)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
    const again = await reopened.putBytes(new Uint8Array([7, 7, 7]))
    expect(again).toMatchObject({ cid: lost.cid, stored: true })
    expect(Array.from(await reopened.get(lost.cid))).toEqual([7, 7, 7])
    reopened.close()
  })
})
