import { createHash } from 'node:crypto'
import { anchorSchema, type MintmarkError, verifyInclusionProof } from '@mintmark/core'
import { bytesToHex, http, createPublicClient } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { chainOf, closedPort, growTree, makeTree, makeWalletClient, type TestChain, useDevChain } from '../../test/helpers.js'
import { anchorCheckpoint, createLog, getAnchoredRoot, getLatestAnchor, logIdFromVerifierKey, verifyInclusionOnChain } from '../index.js'

const verifierKey = 'actions.mintmark.test+5c2f1a0e+AW3B2x0mkKk3JLv8Q5e1v0q3yY1QJ3r0mB2y3x8bQ2Zx'
const logId = logIdFromVerifierKey(verifierKey)
let node: TestChain
const tree = makeTree('honest', 4)

beforeAll(async () => {
  node = await useDevChain()
  await createLog(node.wallet(0), { address: node.contracts.anchor, logId })
})
afterAll(() => node?.cleanup())

const rejection = async (promise: Promise<unknown>): Promise<MintmarkError> => {
  try {
    await promise
  } catch (error) {
    return error as MintmarkError
  }
  throw new Error('expected a rejection')
}

test('logIdFromVerifierKey is SHA-256 over the UTF-8 verifier key, as 0x-hex', () => {
  expect(logId).toBe(`0x${createHash('sha256').update(verifierKey, 'utf8').digest('hex')}`)
  expect(logIdFromVerifierKey('é+1+A')).toBe(`0x${createHash('sha256').update(Buffer.from('é+1+A', 'utf8')).digest('hex')}`)
  expect(() => logIdFromVerifierKey('')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
})

describe('anchoring', () => {
  test('before the first anchor there is no latest anchor', async () => {
    expect(await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId })).toBeNull()
  })

  test('the first anchor needs no proof and comes back as a bundle anchor', async () => {
    const anchor = await anchorCheckpoint(node.wallet(0), { address: node.contracts.anchor, logId, treeSize: 4, rootHash: tree.root(), consistencyProof: [] })
    expect(anchorSchema.parse(anchor)).toEqual(anchor)
    expect(anchor).toMatchObject({ chainId: 31337, logId, treeSize: 4, rootHash: bytesToHex(tree.root()).slice(2) })
    const block = await node.publicClient.getBlock({ blockNumber: BigInt(anchor.blockNumber) })
    expect(block.hash).toBe(anchor.blockHash)
    expect(await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId })).toEqual(anchor)
  })

  test('a later anchor with a real consistency proof is accepted; every anchored root stays readable', async () => {
    const first = await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId })
    growTree(tree, 9)
    const second = await anchorCheckpoint(node.wallet(0), {
      address: node.contracts.anchor,
      logId,
      treeSize: 9,
      rootHash: tree.root(9),
      consistencyProof: tree.consistencyProof(4, 9),
    })
    expect(second.treeSize).toBe(9)
    expect(await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId })).toEqual(second)
    expect(await getAnchoredRoot(node.publicClient, { address: node.contracts.anchor, logId, rootHash: tree.root(4) })).toEqual(first)
    expect(await getAnchoredRoot(node.publicClient, { address: node.contracts.anchor, logId, rootHash: makeTree('other', 3).root() })).toBeNull()
  })

  test('a forked log (another tree, its own proof) is refused by the contract with ANCHOR_FORKED_LOG', async () => {
    const fork = makeTree('fork', 12)
    const error = await rejection(
      anchorCheckpoint(node.wallet(0), { address: node.contracts.anchor, logId, treeSize: 12, rootHash: fork.root(), consistencyProof: fork.consistencyProof(9, 12) }),
    )
    expect(error.code).toBe('ANCHOR_FORKED_LOG')
    expect(error.shortMessage).toContain('MintmarkAnchorForkedLog')
    expect(error.details).toContain(`MintmarkAnchorForkedLog(${logId}, 9, ${bytesToHex(tree.root(9))}, 12, ${bytesToHex(fork.root())})`)
    const sameSize = await rejection(
      anchorCheckpoint(node.wallet(0), { address: node.contracts.anchor, logId, treeSize: 9, rootHash: makeTree('fork', 9).root(), consistencyProof: [] }),
    )
    expect(sameSize.code).toBe('ANCHOR_FORKED_LOG')
    expect((await getLatestAnchor(node.publicClient, { address: node.contracts.anchor, logId }))?.treeSize).toBe(9)
  })

  test('the same checkpoint again is ANCHOR_ALREADY_ANCHORED, a smaller one ANCHOR_SUPERSEDED', async () => {
    const again = await rejection(
      anchorCheckpoint(node.wallet(0), { address: node.contracts.anchor, logId, treeSize: 9, rootHash: tree.root(9), consistencyProof: [] }),
    )
    expect(again.code).toBe('ANCHOR_ALREADY_ANCHORED')
    const smaller = await rejection(
      anchorCheckpoint(node.wallet(0), { address: node.contracts.anchor, logId, treeSize: 6, rootHash: tree.root(6), consistencyProof: [] }),
    )
    expect(smaller.code).toBe('ANCHOR_SUPERSEDED')
    expect(smaller.shortMessage).toContain('MintmarkAnchorTreeShrank')
  })

  test('other reverts are CHAIN_TX_REVERTED naming the custom error', async () => {
    const exists = await rejection(createLog(node.wallet(0), { address: node.contracts.anchor, logId }))
    expect(exists.code).toBe('CHAIN_TX_REVERTED')
    expect(exists.message).toMatchInlineSnapshot(`
      "MintmarkAnchor.createLog reverted with MintmarkAnchorLogExists.

      Call: MintmarkAnchor.createLog

      Code: CHAIN_TX_REVERTED
      Docs: https://mintmark.dev/docs/reference/errors#chain_tx_reverted
      Details: MintmarkAnchorLogExists(0x9c6ebef3bed18495486527c6475b5c35b0ecea30c257db194678d9644ac61046)"
    `)
    growTree(tree, 10)
    const stranger = await rejection(
      anchorCheckpoint(node.wallet(3), { address: node.contracts.anchor, logId, treeSize: 10, rootHash: tree.root(10), consistencyProof: tree.consistencyProof(9, 10) }),
    )
    expect(stranger.code).toBe('CHAIN_TX_REVERTED')
    expect(stranger.shortMessage).toBe('MintmarkAnchor.anchor reverted with MintmarkAnchorNotOperator.')
  })

  test('bad input is INPUT_INVALID naming the field, before any request', async () => {
    const error = await rejection(anchorCheckpoint(node.wallet(0), { address: node.contracts.anchor, logId, treeSize: 10, rootHash: '0x1234', consistencyProof: [] }))
    expect(error).toMatchObject({ code: 'INPUT_INVALID', fields: ['rootHash'] })
  })
})

describe('inclusion on chain', () => {
  test('the contract verifies a real inclusion proof against the anchored root, and refuses wrong ones', async () => {
    const parameters = { address: node.contracts.anchor, logId, treeSize: 9, leafHash: tree.leaf(3), leafIndex: 3, proof: tree.inclusionProof(3, 9) }
    expect(verifyInclusionProof({ ...parameters, root: tree.root(9) })).toBe(true)
    expect(await verifyInclusionOnChain(node.publicClient, parameters)).toBe(true)

    const flipped = parameters.proof.map((p, i) => (i === 1 ? Uint8Array.from(p, (b, j) => (j === 0 ? b ^ 1 : b)) : p))
    expect(await verifyInclusionOnChain(node.publicClient, { ...parameters, proof: flipped })).toBe(false)
    expect(await verifyInclusionOnChain(node.publicClient, { ...parameters, leafIndex: 4 })).toBe(false)
    expect(await verifyInclusionOnChain(node.publicClient, { ...parameters, leafHash: tree.leaf(5) })).toBe(false)
    // Size 7 was never anchored: no root to check against.
    expect(await verifyInclusionOnChain(node.publicClient, { ...parameters, treeSize: 7, proof: tree.inclusionProof(3, 7) })).toBe(false)
  })
})

describe('transport failures', () => {
  test('a wrong RPC URL is CHAIN_RPC_UNREACHABLE, with the URL redacted to its origin', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v3/secret-key`
    const client = createPublicClient({ chain: chainOf(31337, url), transport: http(url, { retryCount: 0 }) })
    const error = await rejection(getLatestAnchor(client, { address: node.contracts.anchor, logId }))
    expect(error.code).toBe('CHAIN_RPC_UNREACHABLE')
    expect(error.retry).toBe(true)
    expect(error.details).toMatch(/^RPC http:\/\/127\.0\.0\.1:\d+\/…$/)
  })

  test('an RPC URL of another chain is CHAIN_ID_MISMATCH, for reads and writes', async () => {
    const wrong = chainOf(4242, node.rpcUrl)
    const read = await rejection(getLatestAnchor(createPublicClient({ chain: wrong, transport: http() }), { address: node.contracts.anchor, logId }))
    expect(read.code).toBe('CHAIN_ID_MISMATCH')
    const write = await rejection(
      anchorCheckpoint(makeWalletClient(wrong, node.accounts[0].privateKey), {
        address: node.contracts.anchor,
        logId,
        treeSize: 10,
        rootHash: tree.root(10),
        consistencyProof: tree.consistencyProof(9, 10),
      }),
    )
    expect(write.code).toBe('CHAIN_ID_MISMATCH')
  })
})
