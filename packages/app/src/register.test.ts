import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { initHome } from './home.js'
import { openApp } from './open-app.js'
import { register } from './register.js'

let work: string
beforeEach(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-register-'))
})
afterEach(async () => {
  await fsp.rm(work, { recursive: true, force: true })
})

describe('register', () => {
  it('acknowledges records in groups while the rest are still being read, and packs small blobs', async () => {
    const files: string[] = []
    for (let i = 0; i < 400; i++) {
      const f = path.join(work, `f${i}.bin`)
      await fsp.writeFile(f, randomBytes(16 * 1024))
      files.push(f)
    }
    const home = path.join(work, 'home')
    await initHome({ home })
    const ctx = await openApp({ home })
    try {
      const events: string[] = []
      const r = await register(ctx, {
        files,
        digitalSourceType: 'trainedAlgorithmicMedia',
        license: { spdx: 'CC-BY-4.0' },
        onProgress: (e) => events.push(e.type),
      })
      expect(r.registered).toHaveLength(400)
      // The first acknowledgement comes before the last file is read: commits overlap ingest.
      expect(events.indexOf('register:asset:committed')).toBeLessThan(events.lastIndexOf('register:bytes:hashed'))
      // More than one group commit happened.
      const firstAckAt = events.indexOf('register:asset:committed')
      expect(events.slice(firstAckAt).some((t) => t === 'register:bytes:hashed')).toBe(true)
      // Small blobs live in packs, not in a file each; every one reads back verified.
      expect(await fsp.readdir(path.join(home, 'blobs')).catch(() => [])).toEqual([])
      for (const a of r.registered.slice(0, 20)) expect((await ctx.blobs.get(a.cid)).length).toBe(16 * 1024)
      // Re-running skips everything.
      const again = await register(ctx, { files, digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } })
      expect(again.registered).toHaveLength(0)
      expect(again.skipped).toHaveLength(400)
    } finally {
      await ctx.close()
    }
  })
})
