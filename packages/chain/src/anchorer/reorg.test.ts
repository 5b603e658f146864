import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { growTree, makeTree, type TestChain, useDevChain } from '../../test/helpers.js'
import {
  type AnchorRecord,
  type AnchorStateStore,
  createAnchorer,
  createIndexer,
  createLog,
  createMemoryAnchorState,
  createMemoryIndexerStore,
  getLatestAnchor,
  type Indexer,
  logIdFromVerifierKey,
} from '../index.js'

// A reorg made with evm_snapshot / evm_revert, then other blocks mined at the same heights: the
// indexer must roll the dropped anchor back, and the anchorer must return it to pending and resend.
const logId = logIdFromVerifierKey('reorg.mintmark.test+77aa88bb+AQr3HfnqZmfHcS5g8f0o1uXc1G0r7p8h2s2sA1b2c3d4')
const confirmations = 3
let node: TestChain
let indexer: Indexer

beforeAll(async () => {
  node = await useDevChain()
  await createLog(node.wallet(0), { address: node.contracts.anchor, logId })
  indexer = createIndexer({
    client: node.publicClient,
    contracts: node.contracts,
    confirmations,
    fromBlock: 0,
    store: createMemoryIndexerStore(),
    maxBlockRange: 4,
  })
})
afterAll(() => node?.cleanup())

/** Every status a record of `treeSize` was stored with, in order. */
function recordingState(treeSize: number): AnchorStateStore & { history: AnchorRecord[] } {
  const inner = createMemoryAnchorState()
  const history: AnchorRecord[] = []
  return {
    ...inner,
    history,
    async put(record) {
      if (record.treeSize === treeSize) history.push(record)
      await inner.put(record)
    },
  }
}

const rootAnchoredSizes = async (filter: (final: boolean) => boolean = () => true) =>
  (await indexer.getEvents()).filter((e) => e.eventName === 'RootAnchored' && filter(e.final)).map((e) => e.args.treeSize)

test('a reorg that drops an anchor: the indexer rolls it back, the anchorer resubmits it, neither calls it final too early', async () => {
  const tree = makeTree('reorg', 4)
  const state = recordingState(7)
  const anchorer = createAnchorer({
    logId,
    targets: [
      {
        name: 'dev',
        chainId: node.chainId,
        rpcUrl: node.rpcUrl,
        address: node.contracts.anchor,
        account: privateKeyToAccount(node.accounts[0].privateKey),
        confirmations,
      },
    ],
    state,
    retry: { attempts: 2, initialDelayMs: 10 },
    pollingIntervalMs: 50,
  })
  const checkpoint = (size: number) => ({ treeSize: size, rootHash: tree.root(size), consistencyProofFrom: (m: number) => tree.consistencyProof(m, size) })

  // Size 4 anchored and buried under `confirmations` blocks: final for both.
  expect((await anchorer.submit(checkpoint(4)))[0]?.record.status).toBe('included')
  await node.testClient.mine({ blocks: confirmations - 1 })
  expect((await anchorer.refresh()).changed.map((c) => c.record.status)).toEqual(['final'])
  await indexer.sync()
  expect(await rootAnchoredSizes((final) => final)).toEqual(['4'])

  // Size 7 anchored after a snapshot: included, and not final anywhere.
  const snapshot = await node.testClient.snapshot()
  growTree(tree, 7)
  const [included] = await anchorer.submit(checkpoint(7))
  expect(included?.record.status).toBe('included')
  const sync1 = await indexer.sync()
  expect(sync1.added.map((e) => e.eventName)).toEqual(['RootAnchored'])
  expect(await rootAnchoredSizes()).toEqual(['4', '7'])
  expect(await rootAnchoredSizes((final) => final)).toEqual(['4'])

  // The reorg: back to the snapshot, then other blocks at the same heights.
  await node.testClient.revert({ id: snapshot })
  await node.wallet(5).sendTransaction({ to: node.accounts[6]?.address ?? '0x', value: 1n })
  await node.testClient.mine({ blocks: 2 })
  expect((await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId }))?.treeSize).toBe(4)
  const replacement = await node.publicClient.getBlock({ blockNumber: BigInt(included?.record.blockNumber ?? 0) })
  expect(replacement.hash).not.toBe(included?.record.blockHash)

  const sync2 = await indexer.sync()
  expect(sync2.reorg?.removed.map((e) => [e.eventName, e.args.treeSize])).toEqual([['RootAnchored', '7']])
  expect(sync2.reorg?.commonAncestor).toBeLessThan(included?.record.blockNumber ?? 0)
  expect(await rootAnchoredSizes()).toEqual(['4'])

  // refresh: the block hash changed → pending (ANCHOR_REORGED) → resubmitted with a proof from 4.
  const refreshed = await anchorer.refresh()
  expect(refreshed.changed.map((c) => [c.record.treeSize, c.record.status])).toEqual([[7, 'included']])
  expect(state.history.map((r) => [r.status, r.lastError?.code])).toEqual([
    ['included', undefined],
    ['pending', 'ANCHOR_REORGED'],
    ['included', undefined],
  ])
  const resent = refreshed.changed[0]?.record
  expect(resent?.blockHash).not.toBe(included?.record.blockHash)
  expect(await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId })).toMatchObject({ treeSize: 7, blockHash: resent?.blockHash })

  // The indexer picks the resent anchor up; both call it final only once it is deep enough.
  await indexer.sync()
  expect(await rootAnchoredSizes()).toEqual(['4', '7'])
  expect(await rootAnchoredSizes((final) => final)).toEqual(['4'])
  expect((await anchorer.refresh()).changed).toEqual([])
  await node.testClient.mine({ blocks: confirmations - 1 })
  await indexer.sync()
  expect(await rootAnchoredSizes((final) => final)).toEqual(['4', '7'])
  expect((await anchorer.refresh()).changed.map((c) => [c.record.treeSize, c.record.status])).toEqual([[7, 'final']])

  // Every event reported final is in a block the chain still has.
  for (const event of (await indexer.getEvents()).filter((e) => e.final)) {
    expect((await node.publicClient.getBlock({ blockNumber: BigInt(event.blockNumber) })).hash).toBe(event.blockHash)
  }
})

test('the indexer decodes both contracts and keeps integers as decimal strings', async () => {
  const events = await indexer.getEvents()
  expect(events[0]).toMatchObject({ contract: 'anchor', eventName: 'RoleGranted', chainId: node.chainId })
  expect(new Set(events.map((e) => e.contract))).toEqual(new Set(['anchor', 'licenses']))
  const created = events.find((e) => e.eventName === 'LogCreated')
  expect(created?.args).toEqual({ logId, operator: node.accounts[0].address })
  expect(JSON.parse(JSON.stringify(events))).toEqual(events)
})
