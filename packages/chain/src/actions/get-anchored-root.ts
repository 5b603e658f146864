import type { Anchor, MintmarkError } from '@mintmark/core'
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { mintmarkAnchorAbi } from '../generated/contracts.js'
import { getCheckedChainId } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import { type Bytes32Like, toBytes32 } from '../internal/hex.js'
import { readAnchorEvent } from '../internal/root-anchored.js'
import type { ReadClient } from '../types.js'

export type GetAnchoredRootParameters = {
  /** The MintmarkAnchor contract. */
  address: Address
  logId: Bytes32Like
  rootHash: Bytes32Like
}
/** Where the root was anchored, or null if it never was on this chain. */
export type GetAnchoredRootReturnType = Anchor | null
export type GetAnchoredRootErrorType = MintmarkError<'INPUT_INVALID' | 'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR'>

/**
 * Looks up an anchored root of a log (any anchor, not only the latest): its size, transaction and
 * block. This is what a verifier checks a bundle's anchor against.
 *
 * @example
 * const anchor = await getAnchoredRoot(publicClient, { address, logId, rootHash: bundleAnchor.rootHash })
 * anchor?.blockHash === bundleAnchor.blockHash
 */
export async function getAnchoredRoot(client: ReadClient, parameters: GetAnchoredRootParameters): Promise<GetAnchoredRootReturnType> {
  const logId = toBytes32(parameters.logId, 'logId')
  const rootHash = toBytes32(parameters.rootHash, 'rootHash')
  try {
    const chainId = await getCheckedChainId(client)
    const anchored = await readContract(client, {
      address: parameters.address,
      abi: mintmarkAnchorAbi,
      functionName: 'anchoredRoot',
      args: [logId, rootHash],
    })
    if (anchored.treeSize === 0n) return null
    return await readAnchorEvent(client, {
      chainId,
      address: parameters.address,
      logId,
      treeSize: Number(anchored.treeSize),
      rootHash,
      blockNumber: anchored.blockNumber,
    })
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkAnchor', functionName: 'anchoredRoot' })
  }
}
