import { MintmarkError } from '@mintmark/core'
import type { Account, Chain, Client, Transport, TransactionReceipt } from 'viem'
import { getChainId, waitForTransactionReceipt } from 'viem/actions'
import { chainIdMismatch } from './errors.js'

/**
 * The node's chain id, checked against the client's configured chain when it has one (viem
 * checks writes itself; this covers reads, whose results would otherwise be misattributed).
 * @internal
 */
export async function getCheckedChainId(client: Client<Transport, Chain | undefined, Account | undefined>): Promise<number> {
  const chainId = await getChainId(client)
  if (client.chain && client.chain.id !== chainId) throw chainIdMismatch(client.chain.id, chainId)
  return chainId
}

/**
 * Waits for the receipt; a mined but reverted transaction throws CHAIN_TX_REVERTED (the reason
 * is not in the receipt; gas estimation catches nearly every revert before sending).
 * @internal
 */
export async function waitForSuccess(client: Client<Transport, Chain | undefined, Account | undefined>, hash: `0x${string}`, where: string): Promise<TransactionReceipt> {
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success')
    throw new MintmarkError('CHAIN_TX_REVERTED', `${where} was mined but reverted.`, { details: `transaction ${hash}` })
  return receipt
}
