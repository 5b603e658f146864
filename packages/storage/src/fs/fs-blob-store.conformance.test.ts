import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ContentId } from '@mintmark/core'
import { describeBlobStore } from '../conformance/blob-store-suite.js'
import { createFsBlobStore, type FsBlobStore } from './fs-blob-store.js'

/** Flips one bit of a stored blob, in its own file or inside a pack. */
async function corrupt(store: FsBlobStore, cid: ContentId): Promise<void> {
  const file = store.pathOf(cid)
  const own = await fsp.readFile(file).catch(() => undefined)
  if (own) {
    own[0] = (own[0] as number) ^ 0x01
    await fsp.chmod(file, 0o600)
    await fsp.writeFile(file, own)
    return
  }
  const original = Buffer.from(await store.get(cid))
  const packsDir = path.join(store.root, 'packs')
  for (const name of (await fsp.readdir(packsDir)).filter((n) => n.endsWith('.pack'))) {
    const pack = await fsp.readFile(path.join(packsDir, name))
    const at = pack.indexOf(original)
    if (at < 0) continue
    pack[at] = (pack[at] as number) ^ 0x01
    await fsp.writeFile(path.join(packsDir, name), pack)
    return
  }
  throw new Error(`blob ${cid} not found on disk`)
}

for (const [label, packMaxBlobBytes] of [
  ['fs (packs for small blobs)', undefined],
  ['fs (a file per blob)', 0],
] as const) {
  describeBlobStore(label, {
    make: async () => {
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-blob-suite-'))
      const root = path.join(dir, 'store')
      const options = { root, ...(packMaxBlobBytes === undefined ? {} : { packMaxBlobBytes }) }
      const store = createFsBlobStore(options)
      return {
        store,
        dir,
        reopen: () => createFsBlobStore(options),
        corrupt: (cid) => corrupt(store, cid),
        cleanup: async () => {
          store.close()
          await fsp.rm(dir, { recursive: true, force: true })
        },
      }
    },
  })
}
