import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  type CidProfileName,
  createContentHasher,
  createLocalSigner,
  createManifest,
  generateEd25519KeyPair,
  hashBytes,
  signStatement,
  verifyBundle,
} from '@mintmark/core'
import { nodeSha256 } from '@mintmark/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashInMemory } from './hash-in-memory.js'
import { initHome } from './home.js'
import { nodeEd25519Verify } from './node-signer.js'
import { type AppContext, openApp } from './open-app.js'
import { register } from './register.js'
import { createStatementAppender, prepareSignedStatement } from './signed-statements.js'
import { createVerifyMemo } from './verify-memo.js'
import { verifyBytes, verifyFile } from './verify.js'

// The memoised verification must give what an unmemoised one gives, also after the log grew.
let work: string
let ctx: AppContext
const template = { digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } } as const

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-verify-memo-'))
  await initHome({ home: path.join(work, 'home') })
  ctx = await openApp({ home: path.join(work, 'home') })
})
afterAll(async () => {
  await ctx?.close()
  await fsp.rm(work, { recursive: true, force: true })
})

async function registerBytes(bytes: Uint8Array, name: string) {
  const file = path.join(work, name)
  await fsp.writeFile(file, bytes)
  const r = await register(ctx, { ...template, files: [file] })
  return { file, cid: r.registered[0]?.cid as string }
}

/** A claim on the same content by another creator, appended as the server appends signed statements. */
async function claimByAnother(bytes: Uint8Array) {
  const key = generateEd25519KeyPair()
  const h = hashBytes(bytes)
  const statement = createManifest({
    asset: { cid: h.cid, sha256: h.sha256, size: h.size, mediaType: 'application/octet-stream' },
    digitalSourceType: 'trainedAlgorithmicMedia',
    rights: { owner: key.did, license: { spdx: 'MIT' }, royalties: [{ payee: key.did, bps: 10_000 }] },
    creator: key.did,
    createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  } as never)
  const signed = await signStatement(statement, createLocalSigner(key.secretKey))
  await createStatementAppender({ store: { appendEntries: ctx.appendEntries } }).append((await prepareSignedStatement(signed, { now: new Date(), store: ctx.store })).draft)
  return key.did
}

describe('verifyBytes with the memo', () => {
  it('a later claim on the same content shows in the next report; the first claim is the one verified', async () => {
    const bytes = new Uint8Array(randomBytes(5000))
    const { cid } = await registerBytes(bytes, 'a.bin')
    const first = await verifyBytes(ctx, bytes, 'a.bin')
    expect(first.verdict).toBe('verified')
    expect(first.claims).toHaveLength(1)
    const did = await claimByAnother(bytes)
    const second = await verifyBytes(ctx, bytes, 'a.bin')
    expect(second.verdict).toBe('verified')
    expect(second.claims?.map((c) => c.creator)).toEqual([first.claims?.[0]?.creator, did])
    expect(second.asset?.cid).toBe(cid)
  })

  it('an entry registered after the last checkpoint is proven against the next one', async () => {
    const a = new Uint8Array(randomBytes(3000))
    await registerBytes(a, 'b1.bin')
    const ra = await verifyBytes(ctx, a, 'b1.bin')
    const b = new Uint8Array(randomBytes(3000))
    await registerBytes(b, 'b2.bin')
    const rb = await verifyBytes(ctx, b, 'b2.bin')
    expect(rb.verdict).toBe('verified')
    expect(rb.log?.treeSize).toBe(await ctx.store.size())
    expect(rb.log?.treeSize).toBeGreaterThan(ra.log?.treeSize as number)
    // a, again: still proven against the first checkpoint that covers it, and still verified
    const again = await verifyBytes(ctx, a, 'b1.bin')
    expect(again).toEqual(ra)
  })

  it('gives the report verifyFile gives, for a 1 MiB upload and for one over a chunk', async () => {
    for (const size of [1024 * 1024, 1024 * 1024 + 7]) {
      const bytes = new Uint8Array(randomBytes(size))
      const { file } = await registerBytes(bytes, `c${size}.bin`)
      const fromBytes = await verifyBytes(ctx, bytes, `c${size}.bin`)
      expect(fromBytes.verdict).toBe('verified')
      expect(fromBytes).toEqual(await verifyFile(ctx, file))
    }
  })
})

describe('createVerifyMemo', () => {
  it('verifyBundle: every input is part of the key (a changed input is never a cached pass)', async () => {
    const bytes = new Uint8Array(randomBytes(2000))
    const { cid } = await registerBytes(bytes, 'd.bin')
    await registerBytes(new Uint8Array(randomBytes(2000)), 'd2.bin') // a sibling: the proof has hashes
    await ctx.issueCheckpoint()
    const memo = createVerifyMemo()
    const stored = (await ctx.store.entriesForAsset(cid))[0] as { index: number; data: Uint8Array }
    const { entry, digest } = memo.entry(stored.data)
    const bundle = await ctx.bundleForEntry(stored.index, entry)
    expect(bundle.inclusion.hashes.length).toBeGreaterThan(0)
    const h = hashBytes(bytes)
    const base = { bundle, content: { cid: h.cid, sha256: h.sha256 }, trustedLogKeys: [ctx.logKey], ed25519Verify: nodeEd25519Verify }
    expect(memo.verifyBundle(base, digest).verdict).toBe('verified')

    const later = await ctx.store.latestCheckpoint()
    const other = generateEd25519KeyPair()
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1)
    const variants = [
      { ...base, bundle: { ...bundle, inclusion: { ...bundle.inclusion, hashes: [flip(bundle.inclusion.hashes[0] as string), ...bundle.inclusion.hashes.slice(1)] } } },
      { ...base, bundle: { ...bundle, inclusion: { ...bundle.inclusion, treeSize: bundle.inclusion.treeSize + 1 } } },
      { ...base, bundle: { ...bundle, checkpoint: later?.note as string } },
      { ...base, content: { cid: h.cid, sha256: flip(h.sha256) } },
      { ...base, trustedLogKeys: [`${other.did}`] },
      { ...base, anchorChecks: [{ code: 'CHAIN_ANCHOR', status: 'fail', detail: 'test' }] as never },
    ]
    for (const v of variants) {
      const memoised = memo.verifyBundle(v, digest)
      expect(memoised.verdict).not.toBe('verified')
      expect(memoised).toEqual(verifyBundle(v))
    }
    expect(memo.stats().reports).toBe(1 + variants.length)
    // the unchanged inputs: a hit, the same (frozen) report
    const hit = memo.verifyBundle(base, digest)
    expect(hit.verdict).toBe('verified')
    expect(Object.isFrozen(hit.checks)).toBe(true)
    expect(memo.stats().reports).toBe(1 + variants.length)
  })

  it('entry: decoded once per distinct bytes, frozen; bounded', async () => {
    const memo = createVerifyMemo({ maxEntries: 2 })
    const rows = await ctx.store.getEntries(0, 3)
    const a = memo.entry(rows[0]?.data as Uint8Array)
    expect(memo.entry(rows[0]?.data as Uint8Array).entry).toBe(a.entry)
    expect(Object.isFrozen(a.entry.statement)).toBe(true)
    for (const r of rows) memo.entry(r.data)
    expect(memo.stats().entries).toBe(2)
  })
})

describe('hashInMemory', () => {
  it('equals the streaming content hasher on every size class, both profiles', () => {
    for (const profile of ['unixfs-v1-2025', 'kubo-v1'] as CidProfileName[])
      for (const size of [0, 1, 1000, 262_144, 262_145, 1_048_576, 1_048_577]) {
        const bytes = new Uint8Array(randomBytes(size))
        const hasher = createContentHasher({ profile, sha256: nodeSha256 })
        hasher.update(bytes)
        expect(hashInMemory(bytes, profile), `${profile} ${size}`).toEqual(hasher.finish())
      }
  })
})
