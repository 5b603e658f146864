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
  })

  it('never serves a blob whose bytes do not hash to its CID', async () => {
    const store = createFsBlobStore({ root })
    const { cid } = await store.putBytes(new TextEncoder().encode('original bytes'))
    const file = store.pathOf(cid)
    await fsp.chmod(file, 0o600)
    const buf = await fsp.readFile(file)
    buf[0] = (buf[0] as number) ^ 0x01
    await fsp.writeFile(file, buf)
    await expect(store.get(cid)).rejects.toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
    expect(await store.verify(cid)).toBe(false)
  })

  it('refuses anything but a CID as a name, so no caller string reaches the filesystem', async () => {
    const store = createFsBlobStore({ root })
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'bafkrei%2e%2e', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', '', 'bafkrei\u0000x'])
      await expect(store.get(bad)).rejects.toMatchObject({ code: 'CID_INVALID' })
    await expect(store.get(hashBytes(new Uint8Array([9])).cid)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' })
    await expect(store.putFile(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
    await expect(store.putFile(root)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' })
  })

  it('with deferred directory syncs, flushDirs makes the renames durable once per directory', async () => {
    const store = createFsBlobStore({ root })
    const puts = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putBytes(new Uint8Array([i, 1, 2]), { deferDirSync: true })))
    await store.flushDirs()
    for (const p of puts) expect(await store.verify(p.cid)).toBe(true)
  })
})
