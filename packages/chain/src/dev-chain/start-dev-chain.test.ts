import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { MintmarkError } from '@mintmark/core'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { growTree, makeTree, withClients } from '../../test/helpers.js'
import { anchorCheckpoint, createLog, getAnchoredRoot, getDevAccounts, getLatestAnchor, logIdFromVerifierKey, mintmarkAnchorAbi, startDevChain } from '../index.js'

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mintmark-devchain-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

const rejection = async (promise: Promise<unknown>): Promise<MintmarkError> => {
  try {
    await promise
  } catch (error) {
    return error as MintmarkError
  }
  throw new Error('expected a rejection')
}

test('the dev accounts are the mnemonic’s, anvil’s well-known first account first', () => {
  const accounts = getDevAccounts()
  expect(accounts).toHaveLength(10)
  expect(accounts[0].address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
  for (const account of accounts) expect(privateKeyToAccount(account.privateKey).address).toBe(account.address)
})

test('a restart keeps the contracts, their state, the blocks and the logs', async () => {
  const dir = path.join(root, 'restart')
  const logId = logIdFromVerifierKey('devchain.mintmark.test+01020304+AQx4HfnqZmfHcS5g8f0o1uXc1G0r7p8h2s2sA1b2c3d4')
  const tree = makeTree('restart', 6)
  const first = withClients(await startDevChain({ dir, chainId: 31340 }), dir)
  await createLog(first.wallet(0), { address: first.contracts.anchor, logId })
  const small = await anchorCheckpoint(first.wallet(0), { address: first.contracts.anchor, logId, treeSize: 3, rootHash: tree.root(3), consistencyProof: [] })
  const latest = await anchorCheckpoint(first.wallet(0), {
    address: first.contracts.anchor,
    logId,
    treeSize: 6,
    rootHash: tree.root(6),
    consistencyProof: tree.consistencyProof(3, 6),
  })
  const admin = first.accounts[0].address
  const nonce = await first.publicClient.getTransactionCount({ address: admin })
  const head = await first.publicClient.getBlockNumber({ cacheTime: 0 })
  await first.stop()
  await first.stop()
  expect(existsSync(path.join(dir, 'anvil-state.json'))).toBe(true)

  const second = withClients(await startDevChain({ dir, chainId: 31340 }), dir)
  try {
    expect(second.rpcUrl).not.toBe(first.rpcUrl)
    expect(second.contracts).toEqual(first.contracts)
    // Nothing was redeployed: the admin sent no transaction during the restart.
    expect(await second.publicClient.getTransactionCount({ address: admin })).toBe(nonce)
    expect(await second.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(head)
    expect(await getLatestAnchor(second.publicClient, { address: second.contracts.anchor, logId })).toEqual(latest)
    expect(await getAnchoredRoot(second.publicClient, { address: second.contracts.anchor, logId, rootHash: tree.root(3) })).toEqual(small)
    // Historical state survives too: the contract as it was at the first anchor's block.
    const then = await second.publicClient.readContract({
      address: second.contracts.anchor,
      abi: mintmarkAnchorAbi,
      functionName: 'latestCheckpoint',
      args: [logId],
      blockNumber: BigInt(small.blockNumber),
    })
    expect(then.treeSize).toBe(3n)
    // And the log keeps growing from where it was.
    growTree(tree, 8)
    const next = await anchorCheckpoint(second.wallet(0), {
      address: second.contracts.anchor,
      logId,
      treeSize: 8,
      rootHash: tree.root(8),
      consistencyProof: tree.consistencyProof(6, 8),
    })
    expect(next.blockNumber).toBe(Number(head) + 1)
  } finally {
    await second.stop()
  }
})

test('a port in use → DEVCHAIN_PORT_IN_USE', async () => {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  try {
    const error = await rejection(startDevChain({ dir: path.join(root, 'busy'), port }))
    expect([error.code, error.shortMessage]).toEqual(['DEVCHAIN_PORT_IN_USE', `Port ${port} on 127.0.0.1 is already in use.`])
  } finally {
    server.close()
  }
})

test('no anvil binary → DEVCHAIN_BINARY_NOT_FOUND naming where it looked', async () => {
  const saved = process.env.MINTMARK_ANVIL_BIN
  process.env.MINTMARK_ANVIL_BIN = path.join(root, 'no-such-anvil')
  try {
    const error = await rejection(startDevChain({ dir: path.join(root, 'nobin') }))
    expect(error.code).toBe('DEVCHAIN_BINARY_NOT_FOUND')
    expect(error.metaMessages?.[0]).toBe(`MINTMARK_ANVIL_BIN=${path.join(root, 'no-such-anvil')} does not exist.`)
  } finally {
    if (saved === undefined) delete process.env.MINTMARK_ANVIL_BIN
    else process.env.MINTMARK_ANVIL_BIN = saved
  }
})

test('a corrupt state file → DEVCHAIN_START_FAILED with anvil’s own explanation', async () => {
  const dir = path.join(root, 'corrupt')
  await rm(dir, { recursive: true, force: true })
  await startDevChain({ dir }).then((c) => c.stop())
  await writeFile(path.join(dir, 'anvil-state.json'), 'not json')
  const error = await rejection(startDevChain({ dir }))
  expect(error.code).toBe('DEVCHAIN_START_FAILED')
  expect(error.message).toContain('failed to parse json file')
})
