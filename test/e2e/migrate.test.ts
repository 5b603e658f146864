import { promises as fsp } from 'node:fs'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { createStatementAppender, initHome, openApp, prepareSignedStatement, register } from '@mintmark/app'
import { createLocalSigner, createManifest, generateEd25519KeyPair, hashBytes, signStatement } from '@mintmark/core'
import type { AnchorRow, ChainEventRow, OfferRow } from '@mintmark/storage'
import { createPostgresLogStore } from '@mintmark/storage/postgres'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli } from '../helpers/cli.js'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../helpers/postgres.js'

// `mintmark migrate`: a real home (files, an image with its fingerprint, lineage, a second
// creator's later claim, checkpoints) copied into a throwaway PostgreSQL and its blobs into an
// S3-protocol server, interrupted with kill -9 and resumed; then compared entry by entry.
type S3rverInstance = { run(): Promise<{ port: number }>; close(): Promise<void>; httpServer: Server }
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance
const run = postgresOrSkipNotice('mintmark migrate')

let pgServer: TestPostgres
let s3: S3rverInstance
let s3Client: S3Client
let work: string
let home: string
let env: NodeJS.ProcessEnv
// The app's rows next to the log, as the anchorer, `mintmark offer` and the chain indexer store
// them: two anchors (one final, one pending with its last error), two offers on two chains, and a
// chain index of 2,500 events (more than one copy batch) with its cursor and kept blocks.
const hex32 = (b: number): string => `0x${b.toString(16).padStart(2, '0').repeat(32)}`
let anchors: AnchorRow[] = []
let offers: OfferRow[] = []
const events: ChainEventRow[] = Array.from({ length: 2500 }, (_, i) => ({
  chainId: 31337,
  blockNumber: 100 + Math.floor(i / 5),
  blockHash: hex32(Math.floor(i / 5) & 0xff),
  logIndex: i % 5,
  txHash: hex32(i & 0xff),
  contract: i % 2 ? 'anchor' : 'licence',
  address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  event: i % 2 ? 'Anchored' : 'LicencePurchased',
  argsJson: JSON.stringify({ n: i }),
}))
const blocks = Array.from({ length: 12 }, (_, k) => ({ number: 590 + k, hash: hex32(k + 1) }))

beforeAll(async () => {
  if (!run) return
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-migrate-'))
  home = path.join(work, 'home')
  pgServer = await startTestPostgres()
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3') })
  const endpoint = `http://127.0.0.1:${(await s3.run()).port}`
  s3Client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  await s3Client.send(new CreateBucketCommand({ Bucket: 'migrated' }))
  env = {
    MINTMARK_HOME: home,
    MINTMARK_S3_ENDPOINT: endpoint,
    MINTMARK_S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }

  // The source home: 40 files, a PNG (fingerprinted), a derivative, and a later claim by another creator.
  await initHome({ home })
  const ctx = await openApp({ home })
  try {
    const files: string[] = []
    for (let i = 0; i < 40; i++) {
      const f = path.join(work, `asset-${i}.txt`)
      await fsp.writeFile(f, `asset ${i} ${'x'.repeat(i * 97)}\n`)
      files.push(f)
    }
    const png = path.join(work, 'fox.png')
    await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 90, b: 20 } } }).png().toFile(png)
    const base = await register(ctx, { files: [...files, png], digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } })
    const parent = base.registered.find((r) => r.file === png)?.cid as string
    const child = path.join(work, 'child.txt')
    await fsp.writeFile(child, 'derived from the fox\n')
    await register(ctx, { files: [child], digitalSourceType: 'compositeWithTrainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' }, parents: [{ cid: parent, relation: 'parentOf' }] })
    // Another creator claims the same bytes as asset 0: a later entry pointing at the first.
    const other = generateEd25519KeyPair()
    const bytes = await fsp.readFile(files[0] as string)
    const h = hashBytes(bytes)
    const statement = createManifest({
      asset: { cid: h.cid, sha256: h.sha256, size: h.size, mediaType: 'text/plain' },
      digitalSourceType: 'digitalCreation',
      rights: { owner: other.did, license: { spdx: 'CC0-1.0' }, royalties: [{ payee: other.did, bps: 10_000 }] },
      creator: other.did,
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    })
    const signed = await signStatement(statement, createLocalSigner(other.secretKey))
    const { draft } = await prepareSignedStatement(signed, { now: new Date(), store: ctx.store })
    const appender = createStatementAppender({ store: ctx.store })
    await appender.append(draft)
    await ctx.issueCheckpoint()

    const checkpoint = await ctx.store.latestCheckpoint()
    const root = `0x${Buffer.from(checkpoint?.rootHash as Uint8Array).toString('hex')}`
    const common = { contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3', logId: hex32(7), updatedAt: '2026-03-01T10:00:00.000Z' }
    anchors = [
      { ...common, chainId: 31337, treeSize: checkpoint?.size as number, rootHash: root, status: 'final', txHash: hex32(1), blockNumber: 590, blockHash: hex32(2), attempts: 1, lastError: null },
      { ...common, chainId: 8453, treeSize: checkpoint?.size as number, rootHash: root, status: 'pending', txHash: null, blockNumber: null, blockHash: null, attempts: 3, lastError: { code: 'CHAIN_RPC_UNREACHABLE', message: 'down' } },
    ]
    offers = [
      { offerHash: hex32(0x11), assetCid: parent, chainId: 31337, document: JSON.stringify({ price: '1000', currency: 'ETH' }), createdAt: '2026-03-01T10:00:00.000Z' },
      { offerHash: hex32(0x12), assetCid: base.registered[0]?.cid as string, chainId: 84532, document: JSON.stringify({ price: '5' }), createdAt: '2026-03-02T10:00:00.000Z' },
    ]
    for (const a of anchors) await ctx.store.putAnchor(a)
    for (const o of offers) await ctx.store.putOffer(o)
    await ctx.store.commitChainIndex(31337, { cursor: 601, events, blocks, pruneBelow: 590 })
  } finally {
    await ctx.close()
  }
}, 240_000)

afterAll(async () => {
  s3Client?.destroy()
  await s3?.close()
  await pgServer?.stop()
  if (work) await fsp.rm(work, { recursive: true, force: true })
})

describe.skipIf(!run)('mintmark migrate', () => {
  it('copies the log into PostgreSQL and the blobs into S3, survives kill -9, resumes, and matches entry by entry', async () => {
    const db = await pgServer.createDatabase()
    const args = ['migrate', '--to', db.url, '--blobs-to', 's3:migrated', '--batch', '4']

    // Interrupted: killed as soon as it reports its first committed batch.
    const child = startCli(args, env)
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (d: Buffer) => {
        if (/migrate: [1-9]\d*\//.test(String(d))) resolve()
      })
      child.once('exit', (code) => reject(new Error(`migrate exited (${code}) before its first batch`)))
    })
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))

    const resumed = await runCli([...args, '--json'], { env })
    expect(resumed.code, resumed.stderr).toBe(0)
    const result = JSON.parse(resumed.stdout) as {
      size: number
      resumedAt: number
      appended: number
      checkpoints: { total: number }
      blobs: { verified: number; copied: number; absent: number }
      anchors: { copied: number; total: number }
      offers: { copied: number; total: number }
      chainIndex: { chainId: number; cursor: number; events: number; blocks: number }[]
    }
    expect(result.resumedAt).toBeGreaterThan(0) // the killed run had committed batches
    expect(result.appended).toBeGreaterThan(0) // and was killed before the end
    expect(result.resumedAt + result.appended).toBe(result.size)
    expect(result.size).toBe(43)
    expect(result.checkpoints.total).toBeGreaterThan(0)
    expect(result.blobs).toMatchObject({ verified: 42, absent: 0 })
    expect(result.anchors).toEqual({ copied: 2, total: 2 })
    expect(result.offers).toEqual({ copied: 2, total: 2 })
    expect(result.chainIndex).toEqual([{ chainId: 31337, cursor: 601, events: 2500, blocks: 12 }])

    // Entry by entry, and the derived rows, against the source.
    const source = await openApp({ home })
    const target = await createPostgresLogStore({ connectionString: db.url })
    try {
      expect(await target.size()).toBe(await source.store.size())
      for (let i = 0; i < (await source.store.size()); i++) {
        const a = await source.store.getEntry(i)
        const b = await target.getEntry(i)
        expect(Buffer.from(b?.data as Uint8Array).equals(Buffer.from(a?.data as Uint8Array)), `entry ${i}`).toBe(true)
        expect(Buffer.from(b?.leafHash as Uint8Array).toString('hex')).toBe(Buffer.from(a?.leafHash as Uint8Array).toString('hex'))
        const cid = a?.assetCid as string
        expect(await target.getAsset(cid)).toEqual(await source.store.getAsset(cid))
        expect(await target.parentsOf(cid)).toEqual(await source.store.parentsOf(cid))
        expect((await target.fingerprintsOf(cid)).map((f) => Buffer.from(f.hash).toString('hex'))).toEqual((await source.store.fingerprintsOf(cid)).map((f) => Buffer.from(f.hash).toString('hex')))
      }
      expect(Buffer.from(await target.rootAt(43)).toString('hex')).toBe(Buffer.from(await source.store.rootAt(43)).toString('hex'))
      expect((await target.latestCheckpoint())?.note).toBe((await source.store.latestCheckpoint())?.note)
      const claims = await target.entriesForAsset((await source.store.getEntry(0))?.assetCid as string)
      expect(claims).toHaveLength(2)

      // Anchors, offers and the chain index, read from the target, equal what the source holds.
      expect(await target.listAnchors()).toEqual(await source.store.listAnchors())
      expect(await target.listAnchors()).toHaveLength(2)
      for (const a of anchors) expect(await target.getAnchor(a.chainId, a.treeSize)).toEqual(a)
      expect((await target.anchoredCheckpointCovering(0))?.anchors).toEqual([anchors[0]])
      for (const o of offers) {
        expect(await target.getOffer(o.offerHash)).toEqual(o)
        expect(await target.offersForAsset(o.assetCid)).toEqual(await source.store.offersForAsset(o.assetCid))
        expect(await target.offersOnChain(o.chainId)).toEqual([o])
      }
      expect(await target.getChainCursor(31337)).toBe(601)
      expect(await target.listChainEvents(31337)).toEqual(await source.store.listChainEvents(31337))
      expect(await target.listChainEvents(31337)).toHaveLength(2500)
      expect(await target.listChainBlocks(31337)).toEqual(blocks)
      expect(await target.getChainCursor(8453)).toBeUndefined()
    } finally {
      await target.close()
      await source.close()
    }
    const keys = ((await s3Client.send(new ListObjectsV2Command({ Bucket: 'migrated' }))).Contents ?? []).map((o) => o.Key)
    expect(keys).toHaveLength(42)

    // Run again: nothing to do, same root.
    const again = await runCli([...args, '--json'], { env })
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({
      size: 43,
      resumedAt: 43,
      appended: 0,
      blobs: { copied: 0, verified: 42 },
      anchors: { copied: 0, total: 2 },
      offers: { copied: 0, total: 2 },
      chainIndex: [{ chainId: 31337, cursor: 601, events: 2500, blocks: 12 }],
    })
    await db.drop()
  })

  it('refuses a target holding another log, writing nothing', async () => {
    const db = await pgServer.createDatabase()
    const otherHome = path.join(work, 'other')
    await initHome({ home: otherHome })
    const ctx = await openApp({ home: otherHome })
    const f = path.join(work, 'other.txt')
    await fsp.writeFile(f, 'another log entirely\n')
    await register(ctx, { files: [f], digitalSourceType: 'digitalCreation', license: { spdx: 'MIT' } })
    await ctx.close()
    expect((await runCli(['migrate', '--to', db.url, '--json'], { env: { ...env, MINTMARK_HOME: otherHome } })).code).toBe(0)
    const refused = await runCli(['migrate', '--to', db.url, '--json'], { env })
    expect(refused.code).not.toBe(0)
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'MIGRATE_TARGET_DIVERGED' })
    const target = await createPostgresLogStore({ connectionString: db.url })
    expect(await target.size()).toBe(1)
    await target.close()
    await db.drop()
  })
})
