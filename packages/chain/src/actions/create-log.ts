import type { MintmarkError } from '@mintmark/core'
import type { Address, Hex } from 'viem'
import { writeContract } from 'viem/actions'
import { mintmarkAnchorAbi } from '../generated/contracts.js'
import { waitForSuccess } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import { type Bytes32Like, toBytes32 } from '../internal/hex.js'
import type { TransactionResult, WriteClient } from '../types.js'

export type CreateLogParameters = {
  /** The MintmarkAnchor contract. */
  address: Address
  /** The log's id, see {@link logIdFromVerifierKey}. */
  logId: Bytes32Like
  /** The first account allowed to anchor the log; default: the client's account. */
  operator?: Address | undefined
}
export type CreateLogReturnType = TransactionResult & { logId: Hex }
export type CreateLogErrorType = MintmarkError<
  'INPUT_INVALID' | 'CHAIN_TX_REVERTED' | 'CHAIN_INSUFFICIENT_FUNDS' | 'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR' | 'CHAIN_TX_TIMEOUT'
>

/**
 * Creates a log on MintmarkAnchor (the client's account needs LOG_ADMIN_ROLE). A log that exists
 * already reverts: CHAIN_TX_REVERTED naming `MintmarkAnchorLogExists`.
 *
 * @example
 * import { createLog, logIdFromVerifierKey } from '@mintmark/chain'
 * await createLog(walletClient, { address: chain.contracts.anchor, logId: logIdFromVerifierKey(verifierKey) })
 */
export async function createLog(client: WriteClient, parameters: CreateLogParameters): Promise<CreateLogReturnType> {
  const logId = toBytes32(parameters.logId, 'logId')
  const context = { contract: 'MintmarkAnchor', functionName: 'createLog' }
  try {
    const hash = await writeContract(client, {
      address: parameters.address,
      abi: mintmarkAnchorAbi,
      functionName: 'createLog',
      args: [logId, parameters.operator ?? client.account.address],
      account: client.account,
      chain: client.chain ?? null,
    })
    const receipt = await waitForSuccess(client, hash, 'MintmarkAnchor.createLog')
    return { logId, transactionHash: hash, blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash }
  } catch (error) {
    throw toChainError(error, context)
  }
}
