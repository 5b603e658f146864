import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { anchorCheckpoint, getDevAccounts } from '@mintmark/chain'
import { consistencyProofPlan, type ProvenanceBundle } from '@mintmark/core'
import { createTestClient, createWalletClient, defineChain, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anchor, chainStatus } from './anchor.js'
import { checkAnchors } from './anchor-checks.js'
import { initHome } from './home.js'
import { type AppContext, openApp } from './open-app.js'
import { register } from './register.js'

// The app over a real anvil dev chain (started by the app in <home>/chain/dev), no mocks.
let work: string
let home: string
let ctx: AppContext
let rpcUrl: string

async function registerTexts(names: string[]) {
  const files = []
  for (const name of names) {
    const file = path.join(work, `${name}.txt`)
    await fsp.writeFile(file, `asset ${name}\n`)
    files.push(file)
  }
  return register(ctx, { files, digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } })
}

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-app-chain-'))
  home = path.join(work, '.mintmark')
  await initHome({ home })
  ctx = await openApp({ home, env: {} })
  await registerTexts(['a', 'b', 'c'])
})
afterAll(async () => {
  await ctx?.close()
  await fsp.rm(work, { recursive: true, force: true })
})

describe('anchoring from the app', () => {
  it('creates the log and anchors the checkpoint on the dev chain; the row is final', async () => {
    const result = await anchor(ctx)
    expect(result.checkpoint.size).toBe(3)
    const [dev] = result.chains
    expect(dev).toMatchObject({ chain: 'dev', chainId: 31337, status: 'final', previousSize: 0, createdLog: true, consistencyProofLength: 0 })
    expect(await ctx.store.getAnchor(31337, 3)).toMatchObject({ status: 'final', txHash: dev?.txHash, blockNumber: dev?.blockNumber, lastError: null })
    rpcUrl = (await ctx.chains.rpcUrls([31337]))[31337] as string
    const status = await chainStatus(ctx)
    expect(status.chains[0]).toMatchObject({ reachable: true, upToDate: true, anchored: { treeSize: 3 }, counts: { pending: 0, included: 0, final: 1 } })
    expect(status.chains[0]?.contracts.anchor.hasCode).toBe(true)
  })

  it('a second anchor carries a consistency proof from the size the chain holds', async () => {
    await registerTexts(['d', 'e'])
    const result = await anchor(ctx)
    expect(result.chains[0]).toMatchObject({ treeSize: 5, previousSize: 3, status: 'final', createdLog: false })
    expect(result.chains[0]?.consistencyProofLength).toBeGreaterThan(0)
    // Again with nothing new: nothing is sent, the same anchor comes back.
    const again = await anchor(ctx)
    expect(again.chains[0]?.txHash).toBe(result.chains[0]?.txHash)
  })
})

describe('bundles and anchor checks', () => {
  let bundle: ProvenanceBundle
  it('a bundle is proven against the newest anchored checkpoint and carries its anchors', async () => {
    bundle = await ctx.bundleForEntry(0)
    expect(bundle.inclusion.treeSize).toBe(5)
    expect(bundle.anchors).toHaveLength(1)
    expect(bundle.anchors[0]).toMatchObject({ chainId: 31337, treeSize: 5 })
  })

  it('passes with an RPC, skips without one, fails a tampered root, a wrong contract and a reorg', async () => {
    const [pass] = await checkAnchors(bundle, { 31337: rpcUrl })
    expect(pass).toMatchObject({ code: 'CHAIN_ANCHOR', status: 'pass' })
    expect(pass?.detail).toContain(`block ${bundle.anchors[0]?.blockNumber}`)
    const [skip] = await checkAnchors(bundle, {})
    expect(skip).toMatchObject({ status: 'skip' })
    expect(skip?.detail).toContain('--rpc 31337=URL')

    const anchor0 = bundle.anchors[0] as ProvenanceBundle['anchors'][number]
    const tampered = { ...bundle, anchors: [{ ...anchor0, rootHash: 'ff'.repeat(32) }] }
    expect((await checkAnchors(tampered, { 31337: rpcUrl }))[0]).toMatchObject({ status: 'fail', error: 'ANCHOR_MISMATCH' })
    const elsewhere = { ...bundle, anchors: [{ ...anchor0, contract: '0x000000000000000000000000000000000000dEaD' }] }
    expect((await checkAnchors(elsewhere, { 31337: rpcUrl }))[0]).toMatchObject({ status: 'fail', error: 'ANCHOR_NOT_ON_CHAIN' })
    const unreachable = await checkAnchors(bundle, { 31337: 'http://127.0.0.1:9/rpc/secret' })
    expect(unreachable[0]).toMatchObject({ status: 'skip' })
    expect(unreachable[0]?.detail).not.toContain('secret')
  })

  it('a reorg that drops the anchor block and anchors the root again elsewhere fails with ANCHOR_REORGED', async () => {
    const chain = defineChain({ id: 31337, name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
    const test = createTestClient({ mode: 'anvil', chain, transport: http() })
    await registerTexts(['f'])
    const snapshot = await test.snapshot()
    const anchored = await anchor(ctx)
    const fresh = await ctx.bundleForEntry(5)
    expect(fresh.anchors[0]?.blockNumber).toBe(anchored.chains[0]?.blockNumber)
    await test.revert({ id: snapshot })
    await test.mine({ blocks: 2 })
    const plan = consistencyProofPlan(5, 6)
    const wallet = createWalletClient({ chain, account: privateKeyToAccount(getDevAccounts()[0].privateKey), transport: http(), pollingInterval: 50 })
    const again = await anchorCheckpoint(wallet, {
      address: fresh.anchors[0]?.contract as `0x${string}`,
      logId: fresh.anchors[0]?.logId as string,
      treeSize: 6,
      rootHash: fresh.anchors[0]?.rootHash as string,
      consistencyProof: plan.assemble(await ctx.store.getNodes(plan.nodes)),
    })
    expect(again.blockNumber).not.toBe(fresh.anchors[0]?.blockNumber)
    const [check] = await checkAnchors(fresh, { 31337: rpcUrl })
    expect(check).toMatchObject({ status: 'fail', error: 'ANCHOR_REORGED' })
    expect(check?.detail).toMatch(/^Reorg on chain 31337: block \d+ is now/)
  })
})

describe('config', () => {
  it('invalid chains in config.json are CONFIG_INVALID naming the fields', async () => {
    const other = path.join(work, 'bad-home')
    await initHome({ home: other })
    const file = path.join(other, 'config.json')
    const config = JSON.parse(await fsp.readFile(file, 'utf8'))
    config.chains = [{ name: 'x', chainId: 0, rpcUrl: 'ftp://nope', contracts: { anchor: '0x1', licenses: '0x2' } }]
    await fsp.writeFile(file, JSON.stringify(config))
    await expect(openApp({ home: other })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      fields: expect.arrayContaining(['chains.0.chainId', 'chains.0.rpcUrl', 'chains.0.contracts.anchor']),
    })
  })
})
