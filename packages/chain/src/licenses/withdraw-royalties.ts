import { MintmarkError } from '@mintmark/core'
import { type Address, parseEventLogs, zeroAddress } from 'viem'
import { writeContract } from 'viem/actions'
import { mintmarkLicensesAbi } from '../generated/contracts.js'
import { waitForSuccess } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import type { TransactionResult, WriteClient } from '../types.js'

export type WithdrawRoyaltiesParameters = {
  /** The MintmarkLicenses contract. */
  address: Address
  /** The currency to withdraw; default ETH (the zero address). */
  currency?: Address | undefined
  /** Where to send the funds; default the client's account. */
  to?: Address | undefined
}
export type WithdrawRoyaltiesReturnType = TransactionResult & { amount: bigint; currency: Address; to: Address }
export type WithdrawRoyaltiesErrorType = MintmarkError<
  'CHAIN_TX_REVERTED' | 'CHAIN_INSUFFICIENT_FUNDS' | 'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR' | 'CHAIN_TX_TIMEOUT'
>

/**
 * Withdraws everything the contract owes the client's account in one currency (pull payments).
 * Nothing owed reverts: CHAIN_TX_REVERTED naming `MintmarkLicensesNothingOwed`.
 *
 * @example
 * const { amount } = await withdrawRoyalties(payeeClient, { address: chain.contracts.licenses })
 */
export async function withdrawRoyalties(client: WriteClient, parameters: WithdrawRoyaltiesParameters): Promise<WithdrawRoyaltiesReturnType> {
  const currency = parameters.currency ?? zeroAddress
  const functionName = parameters.to ? 'withdrawTo' : 'withdraw'
  try {
    const common = { address: parameters.address, abi: mintmarkLicensesAbi, account: client.account, chain: client.chain ?? null } as const
    const hash = parameters.to
      ? await writeContract(client, { ...common, functionName: 'withdrawTo', args: [currency, parameters.to] })
      : await writeContract(client, { ...common, functionName: 'withdraw', args: [currency] })
    const receipt = await waitForSuccess(client, hash, `MintmarkLicenses.${functionName}`)
    const [withdrawn] = parseEventLogs({ abi: mintmarkLicensesAbi, eventName: 'Withdrawn', logs: receipt.logs })
    if (!withdrawn) throw new MintmarkError('CHAIN_RPC_ERROR', 'The withdrawal receipt has no Withdrawn event.', { details: `transaction ${hash}` })
    return {
      amount: withdrawn.args.amount,
      currency,
      to: withdrawn.args.to,
      transactionHash: hash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
    }
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkLicenses', functionName })
  }
}
