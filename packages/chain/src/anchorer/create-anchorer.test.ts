import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { anchorSchema } from '@mintmark/core'
import { bytesToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { closedPort, growTree, makeTree, type TestChain, useDevChain, withClients } from '../../test/helpers.js'
import {
  type AnchorerCheckpoint,
  type AnchorTarget,
  createAnchorer,
  createLog,
  createMemoryAnchorState,
  getLatestAnchor,
  logIdFromVerifierKey,
  startDevChain,
  verifyInclusionOnChain,
} from '../index.js'

// Two real chains with different chain ids, one log anchored on both.
const logId = logIdFromVerifierKey('anchorer.mintmark.test+0a1b2c3d+AQx4HfnqZmfHcS5g8f0o1uXc1G0r7p8h2s2sA1b2c3d4')
let a: TestChain
let b: TestChain
const tree = makeTree('anchorer', 5)
const checkpoint = (size: number): AnchorerCheckpoint => ({
  treeSize: size,
  rootHash: tree.root(size),
  consistencyProofFrom: (oldSize) => tree.consistencyProof(oldSize, size),
})
const target = (node: TestChain, name: string): AnchorTarget => ({
  name,
  chainId: node.chainId,
  rpcUrl: node.rpcUrl,
  address: node.contracts.anchor,
  account: privateKeyToAccount(node.accounts[0].privateKey),
  confirmations: 2,
})
const fast = { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 }

beforeAll(async () => {
  ;[a, b] = await Promise.all([useDevChain({ chainId: 31337 }), useDevChain({ chainId: 31338 })])
  await Promise.all([a, b].map((node) => createLog(node.wallet(0), { address: node.contracts.anchor, logId })))
})
afterAll(() => Promise.all([a?.cleanup(), b?.cleanup()]))

const nonces = () => Promise.all([a, b].map((n) => n.publicClient.getTransactionCount({ address: n.accounts[0].address })))

test('the contracts sit at the same CREATE2 addresses on both chains', async () => {
  expect(a.contracts).toEqual(b.contracts)
  expect(await b.publicClient.getCode({ address: b.contracts.anchor })).toMatch(/^0x[0-9a-f]{100,}$/)
})

test('one checkpoint is anchored on both chains, included then final after the confirmations', async () => {
  const state = createMemoryAnchorState()
  const anchorer = createAnchorer({ logId, targets: [target(a, 'a'), target(b, 'b')], state, retry: fast, pollingIntervalMs: 50 })
  const results = await anchorer.submit(checkpoint(5))
  expect(results.map((r) => [r.target, r.record.status, r.error])).toEqual([
    ['a', 'included', undefined],
    ['b', 'included', undefined],
  ])
  for (const [result, node] of [[results[0], a], [results[1], b]] as const) {
    const anchor = anchorSchema.parse(result?.anchor)
    expect(anchor).toMatchObject({ chainId: node.chainId, treeSize: 5, rootHash: bytesToHex(tree.root(5)).slice(2) })
    expect(await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId })).toEqual(anchor)
  }

  // One block deep is not enough for confirmations: 2.
  expect((await anchorer.refresh()).changed).toEqual([])
  await Promise.all([a, b].map((n) => n.testClient.mine({ blocks: 1 })))
  const refreshed = await anchorer.refresh()
  expect(refreshed.changed.map((r) => [r.target, r.record.status])).toEqual([
    ['a', 'final'],
    ['b', 'final'],
  ])
  expect((await state.get(31338, 5))?.status).toBe('final')
})

test('a second checkpoint goes on with a real consistency proof from what each chain holds', async () => {
  growTree(tree, 9)
  const anchorer = createAnchorer({ logId, targets: [target(a, 'a'), target(b, 'b')], state: createMemoryAnchorState(), retry: fast, pollingIntervalMs: 50 })
  const asked: number[] = []
  const results = await anchorer.submit({ ...checkpoint(9), consistencyProofFrom: (oldSize) => (asked.push(oldSize), tree.consistencyProof(oldSize, 9)) })
  expect(asked).toEqual([5, 5])
  expect(results.map((r) => r.anchor?.treeSize)).toEqual([9, 9])
})

test('submitting again is idempotent: no transaction, from the state or from the chain', async () => {
  const state = createMemoryAnchorState()
  const first = createAnchorer({ logId, targets: [target(a, 'a'), target(b, 'b')], state, retry: fast })
  const before = await nonces()
  // A fresh state: the anchorer finds the checkpoint on chain and records the original transaction.
  const found = await first.submit(checkpoint(9))
  const onChain = await getLatestAnchor(b.publicClient, { address: b.contracts.anchor, logId })
  expect(found[1]?.record).toMatchObject({ status: 'included', txHash: onChain?.txHash, blockHash: onChain?.blockHash, attempts: 1 })
  // Known to the state: not even a read of the chain's anchor.
  const again = await first.submit(checkpoint(9))
  expect(again.map((r) => r.record)).toEqual(found.map((r) => r.record))
  expect(await nonces()).toEqual(before)
})

test('a forked checkpoint is refused before sending (the proof is checked locally); nothing is spent', async () => {
  const fork = makeTree('fork', 12)
  const state = createMemoryAnchorState()
  const anchorer = createAnchorer({ logId, targets: [target(a, 'a'), target(b, 'b')], state, retry: fast })
  const before = await nonces()
  const results = await anchorer.submit({ treeSize: 12, rootHash: fork.root(), consistencyProofFrom: (m) => fork.consistencyProof(m) })
  expect(results.map((r) => [r.record.status, r.error?.code, r.record.attempts])).toEqual([
    ['pending', 'ANCHOR_FORKED_LOG', 1],
    ['pending', 'ANCHOR_FORKED_LOG', 1],
  ])
  expect(await nonces()).toEqual(before)
  // A different root for a size the state already holds is refused too.
  await anchorer.submit(checkpoint(9))
  const sameSize = await anchorer.submit({ treeSize: 9, rootHash: makeTree('fork', 9).root(), consistencyProofFrom: () => [] })
  expect(sameSize.map((r) => r.error?.code)).toEqual(['ANCHOR_FORKED_LOG', 'ANCHOR_FORKED_LOG'])
})

test('a chain that is down does not hold up the others; it is retried with bounded backoff', async () => {
  growTree(tree, 11)
  const state = createMemoryAnchorState()
  const down: AnchorTarget = { ...target(a, 'down'), chainId: 999, rpcUrl: `http://127.0.0.1:${await closedPort()}` }
  const wrongChain: AnchorTarget = { ...target(b, 'wrong-chain'), chainId: 4242 }
  const anchorer = createAnchorer({ logId, targets: [target(a, 'a'), down, target(b, 'b'), wrongChain], state, retry: fast, pollingIntervalMs: 50 })
  const results = await anchorer.submit(checkpoint(11))
  expect(results.map((r) => [r.target, r.record.status, r.error?.code, r.record.attempts])).toEqual([
    ['a', 'included', undefined, 1],
    ['down', 'pending', 'CHAIN_RPC_UNREACHABLE', 3],
    ['b', 'included', undefined, 1],
    // Not retryable: a misconfiguration, not an outage.
    ['wrong-chain', 'pending', 'CHAIN_ID_MISMATCH', 1],
  ])
  expect((await state.get(999, 11))?.lastError).toMatchObject({ code: 'CHAIN_RPC_UNREACHABLE' })
  const refreshed = await anchorer.refresh()
  expect(refreshed.failed.map((f) => [f.target, f.error.code])).toEqual([['down', 'CHAIN_RPC_UNREACHABLE']])
})

test('a chain that was down gets the pending checkpoint on the next refresh once it is back', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mintmark-anchorer-'))
  try {
    let c = await startDevChain({ dir, chainId: 31339 })
    const port = Number(new URL(c.rpcUrl).port)
    await createLog(withClients(c, dir).wallet(0), { address: c.contracts.anchor, logId })
    await c.stop()
    const state = createMemoryAnchorState()
    const anchorer = createAnchorer({ logId, targets: [target(a, 'a'), target(withClients(c, dir), 'c')], state, retry: fast, pollingIntervalMs: 50 })
    const results = await anchorer.submit(checkpoint(11))
    expect(results.map((r) => [r.target, r.record.status, r.error?.code])).toEqual([
      ['a', 'included', undefined],
      ['c', 'pending', 'CHAIN_RPC_UNREACHABLE'],
    ])
    c = await startDevChain({ dir, chainId: 31339, port })
    try {
      const refreshed = await anchorer.refresh()
      expect(refreshed.changed.map((r) => [r.target, r.record.status, r.record.attempts])).toEqual([['c', 'included', 4]])
      // Its first anchor of the log: no proof was needed.
      expect(await getLatestAnchor(withClients(c, dir).publicClient, { address: c.contracts.anchor, logId })).toEqual(refreshed.changed[0]?.anchor)
    } finally {
      await c.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a leaf is proven by the contract on chain B against the root anchored on chain B', async () => {
  const latest = await getLatestAnchor(b.publicClient, { address: b.contracts.anchor, logId })
  expect(latest?.treeSize).toBe(11)
  const parameters = { address: b.contracts.anchor, logId, treeSize: 11, leafHash: tree.leaf(7), leafIndex: 7, proof: tree.inclusionProof(7, 11) }
  expect(await verifyInclusionOnChain(b.publicClient, parameters)).toBe(true)
  expect(await verifyInclusionOnChain(b.publicClient, { ...parameters, proof: tree.inclusionProof(6, 11) })).toBe(false)
  expect(await verifyInclusionOnChain(b.publicClient, { ...parameters, proof: parameters.proof.slice(1) })).toBe(false)
})
