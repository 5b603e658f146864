import type { MintmarkError } from '@mintmark/core'
import type { Address, Hex } from 'viem'
import { writeContract } from 'viem/actions'
import { mintmarkLicensesAbi } from '../generated/contracts.js'
import { waitForSuccess } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import type { TransactionResult, WriteClient } from '../types.js'
import { hashOffer, type Offer } from './offer.js'

export type CancelOfferParameters = {
  /** The MintmarkLicenses contract. */
  address: Address
  offer: Offer
}
export type CancelOfferReturnType = TransactionResult & { offerHash: Hex }
export type CancelOfferErrorType = MintmarkError<
  'INPUT_INVALID' | 'CHAIN_TX_REVERTED' | 'CHAIN_INSUFFICIENT_FUNDS' | 'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR' | 'CHAIN_TX_TIMEOUT'
>

/**
 * Cancels one offer; the client's account must be its seller (else CHAIN_TX_REVERTED naming
 * `MintmarkLicensesNotSeller`). Later purchases revert with `MintmarkLicensesOfferIsCancelled`.
 *
 * @example
 * await cancelOffer(sellerClient, { address: chain.contracts.licenses, offer })
 */
export async function cancelOffer(client: WriteClient, parameters: CancelOfferParameters): Promise<CancelOfferReturnType> {
  const offerHash = hashOffer(parameters.offer)
  try {
    const hash = await writeContract(client, {
      address: parameters.address,
      abi: mintmarkLicensesAbi,
      functionName: 'cancelOffer',
      args: [parameters.offer],
      account: client.account,
      chain: client.chain ?? null,
    })
    const receipt = await waitForSuccess(client, hash, 'MintmarkLicenses.cancelOffer')
    return { offerHash, transactionHash: hash, blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash }
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkLicenses', functionName: 'cancelOffer' })
  }
}
