import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { MintmarkError, canonicalize, createManifest } from '@mintmark/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { initHome } from './home.js'
import { openApp } from './open-app.js'
import { buildManifestInput, manifestFactory, prepareAsset } from './prepare-asset.js'
import { register } from './register.js'
import type { RegisterProgressEvent } from './register.js'

let work: string
beforeEach(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-register-'))
})
afterEach(async () => {
  await fsp.rm(work, { recursive: true, force: true })
})

describe('register', () => {
  it('acknowledges records in groups while the rest are still being read, and packs small blobs', async () => {
    // Enough files, in groups of 64, that ingest outlasts the first commits however fast the
    // preparing worker is (with 400 files and the default group of 512 it could read them all first).
    const n = 1200
    const files: string[] = []
    for (let i = 0; i < n; i++) {
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
        batchSize: 64,
        onProgress: (e) => events.push(e.type),
      })
      expect(r.registered).toHaveLength(n)
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
      expect(again.skipped).toHaveLength(n)
    } finally {
      await ctx.close()
    }
  })
})

async function makeFiles(n: number, bytes = 8 * 1024): Promise<string[]> {
  const files: string[] = []
  for (let i = 0; i < n; i++) {
    const f = path.join(work, `w${i}.bin`)
    await fsp.writeFile(f, randomBytes(bytes))
    files.push(f)
  }
  return files
}

const template = { digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } } as const

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  return e instanceof MintmarkError ? e.code : `not a MintmarkError: ${String(e)}`
}

describe('register on the preparing worker thread', () => {
  it('stores exactly the entries the main-thread path would make, and skips them on a re-run', async () => {
    const files = await makeFiles(150)
    const home = path.join(work, 'home')
    await initHome({ home })
    const ctx = await openApp({ home })
    try {
      const acked: string[] = []
      const r = await register(ctx, {
        ...template,
        files,
        workers: 1,
        onProgress: (e) => {
          if (e.type === 'register:asset:committed') acked.push(e.asset.cid)
        },
      })
      expect(r.registered).toHaveLength(150)
      expect(acked).toEqual(r.registered.map((a) => a.cid))
      // In file order, one entry each, byte for byte what prepareAsset (main thread) signs.
      expect(r.registered.map((a) => a.file)).toEqual(files)
      const signer = await ctx.getSigner()
      for (const a of r.registered.slice(0, 30)) {
        const entry = await ctx.store.getEntry(a.logIndex)
        const same = await prepareAsset({ file: a.file, createdAt: entry?.createdAt as string, template, signer })
        expect(same?.asset.cid).toBe(a.cid)
        expect(Buffer.from(entry?.data as Uint8Array).equals(Buffer.from(same?.firstClaim.data as Uint8Array))).toBe(true)
        expect((await ctx.blobs.get(a.cid)).length).toBe(8 * 1024)
      }
      const again = await register(ctx, { ...template, files, workers: 1 })
      expect(again.registered).toHaveLength(0)
      expect(again.skipped.map((x) => x.file)).toEqual(files)
    } finally {
      await ctx.close()
    }
  })

  it('hands files too large to hold back to this thread, which streams them (order kept)', async () => {
    const files = await makeFiles(70)
    const big = path.join(work, 'big.bin')
    await fsp.writeFile(big, randomBytes(9 * 1024 * 1024))
    files.splice(10, 0, big)
    const home = path.join(work, 'home')
    await initHome({ home })
    const ctx = await openApp({ home })
    try {
      const r = await register(ctx, { ...template, files, workers: 1 })
      expect(r.registered.map((a) => a.file)).toEqual(files)
      const a = r.registered[10]
      expect(a?.size).toBe(9 * 1024 * 1024)
      expect(await ctx.blobs.verify(a?.cid as string)).toBe(true)
    } finally {
      await ctx.close()
    }
  })

  it('a file failing inside the worker is a typed error; only committed records are acknowledged', async () => {
    const files = await makeFiles(120)
    const bad = path.join(work, 'not-an-image.png')
    await fsp.writeFile(bad, randomBytes(4096))
    files.splice(100, 0, bad)
    const home = path.join(work, 'home')
    await initHome({ home })
    const ctx = await openApp({ home })
    try {
      const acked: string[] = []
      const onProgress = (e: RegisterProgressEvent) => {
        if (e.type === 'register:asset:committed') acked.push(e.asset.cid)
      }
      expect(await codeOf(register(ctx, { ...template, files, workers: 1, onProgress }))).toBe('IMAGE_INVALID')
      // Everything acknowledged is in the log, and nothing else is: no record after the bad file.
      const size = await ctx.store.size()
      expect(size).toBe(acked.length)
      expect(size).toBeLessThanOrEqual(100)
      for (let i = 0; i < size; i++) expect((await ctx.store.getEntry(i))?.assetCid).toBe(acked[i])
      // A file that disappears is FILE_NOT_FOUND, as on the main thread.
      const gone = await makeFiles(70)
      await fsp.rm(gone[65] as string)
      const r = register(ctx, { ...template, files: gone, workers: 1 })
      expect(await codeOf(r)).toBe('FILE_NOT_FOUND')
    } finally {
      await ctx.close()
    }
  })

  it('a worker thread that dies is REGISTER_WORKER_FAILED and acknowledges nothing', async () => {
    const files = await makeFiles(80)
    const home = path.join(work, 'home')
    await initHome({ home })
    const ctx = await openApp({ home })
    try {
      const acked: string[] = []
      const run = register(ctx, {
        ...template,
        files,
        workers: 1,
        // Too little memory to even load the preparing code: the thread dies at start-up.
        workerResourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1, codeRangeSizeMb: 1 },
        onProgress: (e) => {
          if (e.type === 'register:asset:committed') acked.push(e.asset.cid)
        },
      })
      expect(await codeOf(run)).toBe('REGISTER_WORKER_FAILED')
      expect(acked).toEqual([])
      expect(await ctx.store.size()).toBe(0)
      // The same files then register normally (nothing half-written in the way).
      expect((await register(ctx, { ...template, files, workers: 1 })).registered).toHaveLength(80)
    } finally {
      await ctx.close()
    }
  })

  it('an aborted run acknowledges only records that committed, and a re-run completes it', async () => {
    const files = await makeFiles(600)
    const home = path.join(work, 'home')
    await initHome({ home })
    const ctx = await openApp({ home })
    try {
      const acked: string[] = []
      const abort = new AbortController()
      const run = register(ctx, {
        ...template,
        files,
        workers: 1,
        batchSize: 64,
        signal: abort.signal,
        onProgress: (e) => {
          if (e.type === 'register:asset:committed') {
            acked.push(e.asset.cid)
            abort.abort()
          }
        },
      })
      await expect(run).rejects.toThrow()
      const size = await ctx.store.size()
      expect(acked.length).toBeGreaterThan(0)
      expect(acked.length).toBeLessThan(600)
      expect(size).toBe(acked.length)
      for (let i = 0; i < size; i++) expect((await ctx.store.getEntry(i))?.assetCid).toBe(acked[i])
      const rest = await register(ctx, { ...template, files, workers: 1 })
      expect(rest.registered.length + rest.skipped.length).toBe(600)
      expect(rest.skipped).toHaveLength(acked.length)
      expect(await ctx.store.size()).toBe(600)
    } finally {
      await ctx.close()
    }
  })
})

describe('manifestFactory', () => {
  const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
  const full = {
    digitalSourceType: 'trainedAlgorithmicMedia',
    license: { spdx: 'CC-BY-4.0' },
    generation: { model: { name: 'sdxl', version: '1.0' }, seed: 7 },
    parents: [{ cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', relation: 'parentOf' }],
    description: 'a test',
  } as const
  const asset = {
    cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    size: 0,
    mediaType: 'image/png',
    dimensions: { width: 2, height: 3 },
    title: 'x.png',
  }

  it('validates the shared part once and gives what createManifest gives for each asset, with its canonical text', () => {
    const withRights = { ...full, royalties: [{ payee: did, bps: 10000 }], datasets: [{ id: 'laion-5b', name: 'LAION' }], title: 'T \u00e9 "q"' }
    for (const t of [template, full, withRights]) {
      const make = manifestFactory(t as never, did)
      const { dimensions: _, ...undimensioned } = asset
      for (const a of [asset, { ...undimensioned, title: 'ß\u2028.png' }]) {
        const input = buildManifestInput(t as never, did, a, '2026-11-22T05:00:00.000Z')
        const made = make(input)
        expect(made.manifest).toEqual(createManifest(input))
        expect(made.jcs).toBe(canonicalize(createManifest(input)))
      }
    }
    expect(() => manifestFactory({ ...template, royalties: [{ payee: did, bps: 5000 }] } as never, did)).toThrow(MintmarkError)
  })

  it('still rejects a bad per-asset field, with the same code and field path', () => {
    const make = manifestFactory(template as never, did)
    for (const bad of [{ ...asset, title: '\ud800' }, { ...asset, mediaType: 'Image/PNG' }, { ...asset, size: -1 }]) {
      const input = buildManifestInput(template as never, did, bad, '2026-11-22T05:00:00.000Z')
      const a = (() => { try { make(input) } catch (e) { return e } })() as MintmarkError
      const b = (() => { try { createManifest(input) } catch (e) { return e } })() as MintmarkError
      expect(a).toBeInstanceOf(MintmarkError)
      expect([a.code, a.fields]).toEqual([b.code, b.fields])
    }
    const input = buildManifestInput(template as never, did, asset, 'yesterday')
    expect(() => make(input)).toThrow(/v1 schema/)
  })
})
