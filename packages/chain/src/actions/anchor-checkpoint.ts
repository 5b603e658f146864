import type { Anchor, MintmarkError } from '@mintmark/core'
import { type Address, getAddress } from 'viem'
import { writeContract } from 'viem/actions'
import { mintmarkAnchorAbi } from '../generated/contracts.js'
import { getCheckedChainId, waitForSuccess } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import { type Bytes32Like, toBytes32, toSafeCount } from '../internal/hex.js'
import type { WriteClient } from '../types.js'

export type AnchorCheckpointParameters = {
  /** The MintmarkAnchor contract. */
  address: Address
  logId: Bytes32Like
  /** Leaves in the checkpoint, > the latest anchored size. */
  treeSize: number
  rootHash: Bytes32Like
  /** RFC 9162 consistency proof from the latest anchored checkpoint; empty for the first anchor. */
  consistencyProof: readonly Bytes32Like[]
}
export type AnchorCheckpointReturnType = Anchor
export type AnchorCheckpointErrorType = MintmarkError<
  | 'INPUT_INVALID'
  | 'ANCHOR_FORKED_LOG'
  | 'ANCHOR_ALREADY_ANCHORED'
  | 'ANCHOR_SUPERSEDED'
  | 'CHAIN_TX_REVERTED'
  | 'CHAIN_INSUFFICIENT_FUNDS'
  | 'CHAIN_ID_MISMATCH'
  | 'CHAIN_RPC_UNREACHABLE'
  | 'CHAIN_RPC_ERROR'
  | 'CHAIN_TX_TIMEOUT'
>

/**
 * Anchors a checkpoint and waits for its receipt. The contract checks the consistency proof
 * against the latest anchor: a fork is refused with ANCHOR_FORKED_LOG, the same checkpoint again
 * with ANCHOR_ALREADY_ANCHORED, a smaller size with ANCHOR_SUPERSEDED. Other reverts (unknown
 * log, not an operator, paused) are CHAIN_TX_REVERTED naming the contract's error.
 *
 * @returns The anchor as bundles carry it (`rootHash` as bare hex, the rest `0x`-hex).
 * @example
 * const anchor = await anchorCheckpoint(walletClient, {
 *   address: chain.contracts.anchor, logId, treeSize: 9, rootHash: tree.root(9),
 *   consistencyProof: tree.consistencyProof(5, 9),
 * })
 */
export async function anchorCheckpoint(client: WriteClient, parameters: AnchorCheckpointParameters): Promise<AnchorCheckpointReturnType> {
  const logId = toBytes32(parameters.logId, 'logId')
  const rootHash = toBytes32(parameters.rootHash, 'rootHash')
  const treeSize = toSafeCount(parameters.treeSize, 'treeSize', { min: 1 })
  const proof = parameters.consistencyProof.map((p, i) => toBytes32(p, `consistencyProof.${i}`))
  try {
    const chainId = await getCheckedChainId(client)
    const hash = await writeContract(client, {
      address: parameters.address,
      abi: mintmarkAnchorAbi,
      functionName: 'anchor',
      args: [logId, BigInt(treeSize), rootHash, proof],
      account: client.account,
      chain: client.chain ?? null,
    })
    const receipt = await waitForSuccess(client, hash, 'MintmarkAnchor.anchor')
    return {
      chainId,
      contract: getAddress(parameters.address),
      logId,
      treeSize,
      rootHash: rootHash.slice(2),
      txHash: hash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
    }
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkAnchor', functionName: 'anchor' })
  }
}
