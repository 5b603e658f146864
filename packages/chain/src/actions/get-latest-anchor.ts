import type { Anchor, MintmarkError } from '@mintmark/core'
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { mintmarkAnchorAbi } from '../generated/contracts.js'
import { getCheckedChainId } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import { type Bytes32Like, toBytes32 } from '../internal/hex.js'
import { readAnchorEvent } from '../internal/root-anchored.js'
import type { ReadClient } from '../types.js'

export type GetLatestAnchorParameters = {
  /** The MintmarkAnchor contract. */
  address: Address
  logId: Bytes32Like
}
/** The latest anchor of the log, or null before its first anchor. */
export type GetLatestAnchorReturnType = Anchor | null
export type GetLatestAnchorErrorType = MintmarkError<'INPUT_INVALID' | 'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR'>

/**
 * Reads the latest anchored checkpoint of a log, with the transaction and block that anchored it.
 *
 * @example
 * const latest = await getLatestAnchor(publicClient, { address: chain.contracts.anchor, logId })
 * latest?.treeSize // 9
 */
export async function getLatestAnchor(client: ReadClient, parameters: GetLatestAnchorParameters): Promise<GetLatestAnchorReturnType> {
  const logId = toBytes32(parameters.logId, 'logId')
  try {
    const chainId = await getCheckedChainId(client)
    const latest = await readContract(client, {
      address: parameters.address,
      abi: mintmarkAnchorAbi,
      functionName: 'latestCheckpoint',
      args: [logId],
    })
    if (latest.treeSize === 0n) return null
    return await readAnchorEvent(client, {
      chainId,
      address: parameters.address,
      logId,
      treeSize: Number(latest.treeSize),
      rootHash: latest.rootHash,
      blockNumber: latest.blockNumber,
    })
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkAnchor', functionName: 'latestCheckpoint' })
  }
}
