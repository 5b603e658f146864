import type { MintmarkError } from '@mintmark/core'
import type { Address, Hex } from 'viem'
import { signTypedData } from 'viem/actions'
import { getCheckedChainId } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import type { WriteClient } from '../types.js'
import { hashOffer, type Offer, offerDomain, offerTypes } from './offer.js'

export type SignOfferParameters = {
  /** The MintmarkLicenses contract the offer is for. */
  address: Address
  offer: Offer
  /** The chain the offer is for; default: the client's chain, else the node's. */
  chainId?: number | undefined
}
export type SignOfferReturnType = { signature: Hex; offerHash: Hex }
export type SignOfferErrorType = MintmarkError<'INPUT_INVALID' | 'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR'>

/**
 * Signs an offer with the client's account (EIP-712, the seller's key or the owner of an ERC-1271
 * seller). With `chainId` given and a local account nothing goes over the network.
 *
 * @example
 * const { signature } = await signOffer(sellerClient, { address: chain.contracts.licenses, offer })
 */
export async function signOffer(client: WriteClient, parameters: SignOfferParameters): Promise<SignOfferReturnType> {
  const offerHash = hashOffer(parameters.offer)
  try {
    const chainId = parameters.chainId ?? client.chain?.id ?? (await getCheckedChainId(client))
    const signature = await signTypedData(client, {
      account: client.account,
      domain: offerDomain({ chainId, address: parameters.address }),
      types: offerTypes,
      primaryType: 'Offer',
      message: parameters.offer,
    })
    return { signature, offerHash }
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkLicenses', functionName: 'signOffer' })
  }
}
