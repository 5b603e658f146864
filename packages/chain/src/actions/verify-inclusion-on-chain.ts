import type { MintmarkError } from '@mintmark/core'
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { mintmarkAnchorAbi } from '../generated/contracts.js'
import { getCheckedChainId } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import { type Bytes32Like, toBytes32, toSafeCount } from '../internal/hex.js'
import type { ReadClient } from '../types.js'

export type VerifyInclusionOnChainParameters = {
  /** The MintmarkAnchor contract. */
  address: Address
  logId: Bytes32Like
  /** A tree size anchored on this chain; the contract checks against the root anchored for it. */
  treeSize: number
  /** RFC 6962 leaf hash, SHA-256(0x00 || entry). */
  leafHash: Bytes32Like
  leafIndex: number
  /** Inclusion path, leaf to root. */
  proof: readonly Bytes32Like[]
}
export type VerifyInclusionOnChainReturnType = boolean
export type VerifyInclusionOnChainErrorType = MintmarkError<'INPUT_INVALID' | 'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR'>

/**
 * Asks the contract whether a leaf is in the tree anchored for `treeSize` (its `verifyInclusion`
 * view). False, not an error, for a bad proof, a size never anchored or an unknown log.
 *
 * @example
 * await verifyInclusionOnChain(publicClient, {
 *   address, logId, treeSize: 9, leafHash, leafIndex: 3, proof: tree.inclusionProof(3, 9),
 * }) // true
 */
export async function verifyInclusionOnChain(client: ReadClient, parameters: VerifyInclusionOnChainParameters): Promise<VerifyInclusionOnChainReturnType> {
  const logId = toBytes32(parameters.logId, 'logId')
  const leafHash = toBytes32(parameters.leafHash, 'leafHash')
  const treeSize = toSafeCount(parameters.treeSize, 'treeSize', { min: 1 })
  const leafIndex = toSafeCount(parameters.leafIndex, 'leafIndex')
  const proof = parameters.proof.map((p, i) => toBytes32(p, `proof.${i}`))
  try {
    await getCheckedChainId(client)
    return await readContract(client, {
      address: parameters.address,
      abi: mintmarkAnchorAbi,
      functionName: 'verifyInclusion',
      args: [logId, BigInt(treeSize), leafHash, BigInt(leafIndex), proof],
    })
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkAnchor', functionName: 'verifyInclusion' })
  }
}
