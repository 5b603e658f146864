import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type DevChain, getDevAccounts, startDevChain } from '@mintmark/chain'
import { createTestClient, defineChain, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anchor, chainStatus } from './anchor.js'
import { type ChainIndexResult, syncChainIndex } from './chain-index.js'
import { initHome } from './home.js'
import { type AppContext, openApp } from './open-app.js'
import { register } from './register.js'

// The app's chain index over a real anvil chain, configured in config.json with 3 confirmations
// (the app's own dev chain uses 1, which leaves nothing "not final" to see). No mocks.
const confirmations = 3
let work: string
let node: DevChain
let ctx: AppContext
let test: ReturnType<typeof createTestClient>

async function registerTexts(names: string[]) {
  const files = []
  for (const name of names) {
    const file = path.join(work, `${name}.txt`)
    await fsp.writeFile(file, `indexed asset ${name}\n`)
    files.push(file)
  }
  return register(ctx, { files, digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } })
}

async function sync(): Promise<Extract<ChainIndexResult, { ok: true }>> {
  const [result] = (await syncChainIndex(ctx)).chains
  if (!result?.ok) throw new Error(`sync failed: ${JSON.stringify(result)}`)
  return result
}

/** RootAnchored events in the store, with their tree size and whether final under `cursor`. */
async function rootAnchored(cursor: number) {
  return (await ctx.store.listChainEvents(node.chainId))
    .filter((e) => e.event === 'RootAnchored')
    .map((e) => ({ treeSize: (JSON.parse(e.argsJson) as { treeSize: string }).treeSize, blockNumber: e.blockNumber, final: cursor - e.blockNumber + 1 >= confirmations }))
}

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-app-index-'))
  node = await startDevChain({ dir: path.join(work, 'anvil') })
  const home = path.join(work, '.mintmark')
  await initHome({ home })
  const file = path.join(home, 'config.json')
  const config = JSON.parse(await fsp.readFile(file, 'utf8'))
  config.chains = [{ name: 'local', chainId: node.chainId, rpcUrl: node.rpcUrl, contracts: node.contracts, confirmations }]
  await fsp.writeFile(file, JSON.stringify(config))
  ctx = await openApp({ home, env: { MINTMARK_CHAIN_KEY: getDevAccounts()[0].privateKey } })
  const chain = defineChain({ id: node.chainId, name: 'local', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [node.rpcUrl] } } })
  test = createTestClient({ mode: 'anvil', chain, transport: http() })
  await registerTexts(['a', 'b'])
})
afterAll(async () => {
  await ctx?.close()
  await node?.stop()
  await fsp.rm(work, { recursive: true, force: true })
})

describe('the chain index, persisted in SQLite', () => {
  it('indexes the anchor: not final until confirmations deep, then final', async () => {
    const anchored = await anchor(ctx)
    const block = anchored.chains[0]?.blockNumber as number
    const first = await sync()
    expect(first).toMatchObject({ chain: 'local', chainId: node.chainId, cursor: first.head, reorg: null, confirmations })
    expect(first.added).toBeGreaterThanOrEqual(2) // LogCreated + RootAnchored (+ anything the deployment emitted)
    expect(first.events.byName.RootAnchored).toEqual({ final: 0, notFinal: 1 })
    expect(await rootAnchored(first.cursor)).toEqual([{ treeSize: '2', blockNumber: block, final: false }])

    await test.mine({ blocks: confirmations - 2 })
    expect((await sync()).events.byName.RootAnchored).toEqual({ final: 0, notFinal: 1 })
    await test.mine({ blocks: 1 })
    const deep = await sync()
    expect(deep.added).toBe(0)
    expect(deep.events.byName.RootAnchored).toEqual({ final: 1, notFinal: 0 })

    const status = await chainStatus(ctx)
    expect(status.chains[0]?.index).toMatchObject({ cursor: deep.cursor, events: { byName: { RootAnchored: { final: 1, notFinal: 0 } } } })
  })

  it('a reorg that drops the anchor block: the event is rolled back from SQLite, never reported final; re-anchoring indexes it again', async () => {
    await registerTexts(['c'])
    const snapshot = await test.snapshot()
    const anchored = await anchor(ctx)
    const dropped = anchored.chains[0]?.blockNumber as number
    const before = await sync()
    expect(before.events.byName.RootAnchored).toEqual({ final: 1, notFinal: 1 })
    expect((await rootAnchored(before.cursor)).at(-1)).toEqual({ treeSize: '3', blockNumber: dropped, final: false })

    // Drop the anchor's block, then mine other blocks past it (deep enough that a stale event would look final).
    await test.revert({ id: snapshot })
    await test.mine({ blocks: confirmations + 2 })
    const after = await sync()
    expect(after.reorg).not.toBeNull()
    expect(after.reorg?.commonAncestor).toBeLessThan(dropped)
    expect(after.reorg?.removed).toBeGreaterThanOrEqual(1)
    expect(after.cursor).toBe(after.head)
    expect(await rootAnchored(after.cursor)).toEqual([expect.objectContaining({ treeSize: '2', final: true })])
    expect(after.events.byName.RootAnchored).toEqual({ final: 1, notFinal: 0 })
    expect((await ctx.store.listChainBlocks(node.chainId)).every((b) => b.number <= after.cursor)).toBe(true)

    // The anchorer notices the reorg too (pending again) and resends; the index picks the new block up.
    let again = await anchor(ctx)
    for (let i = 0; i < 3 && again.chains[0]?.status === 'pending'; i++) again = await anchor(ctx)
    expect(again.chains[0]).toMatchObject({ treeSize: 3 })
    expect(again.chains[0]?.status).not.toBe('pending')
    const reindexed = await sync()
    expect(reindexed.reorg).toBeNull()
    expect(await rootAnchored(reindexed.cursor)).toEqual([
      expect.objectContaining({ treeSize: '2', final: true }),
      { treeSize: '3', blockNumber: again.chains[0]?.blockNumber, final: false },
    ])
    await test.mine({ blocks: confirmations })
    expect((await sync()).events.byName.RootAnchored).toEqual({ final: 2, notFinal: 0 })
  })

  it('a chain that fails reports its error without throwing', async () => {
    await test.mine({ blocks: 1 })
    await node.stop()
    const { chains } = await syncChainIndex(ctx)
    expect(chains[0]).toMatchObject({ chain: 'local', ok: false, error: { code: 'CHAIN_RPC_UNREACHABLE' } })
    expect(chains[0]?.ok === false && chains[0].error.message).toContain('on chain local')
  })
})
