import { MintmarkError } from '@mintmark/core'
import { type Address, type Hex, hashStruct, hashTypedData } from 'viem'

/** One royalty recipient of an offer and its share in basis points (Σ over an offer = 10000). */
export type OfferPayee = { account: Address; bps: number }

/**
 * A licence offer as MintmarkLicenses defines it (`struct Offer`). `currency` is the zero address
 * for ETH; `price` is per licence in the currency's smallest unit; `expiry` in Unix seconds.
 */
export type Offer = {
  assetId: Hex
  termsHash: Hex
  seller: Address
  currency: Address
  price: bigint
  maxSupply: number
  expiry: bigint
  nonce: bigint
  payees: readonly OfferPayee[]
}

/**
 * EIP-712 types of `Offer`, field for field the contract's `OFFER_TYPEHASH` and `PAYEE_TYPEHASH`
 * (a test compares hashes with the contract's `hashOffer` / `offerDigest`).
 */
export const offerTypes = {
  Offer: [
    { name: 'assetId', type: 'bytes32' },
    { name: 'termsHash', type: 'bytes32' },
    { name: 'seller', type: 'address' },
    { name: 'currency', type: 'address' },
    { name: 'price', type: 'uint256' },
    { name: 'maxSupply', type: 'uint32' },
    { name: 'expiry', type: 'uint64' },
    { name: 'nonce', type: 'uint256' },
    { name: 'payees', type: 'Payee[]' },
  ],
  Payee: [
    { name: 'account', type: 'address' },
    { name: 'bps', type: 'uint16' },
  ],
} as const

export type OfferDomainParameters = {
  chainId: number
  /** The MintmarkLicenses contract. */
  address: Address
}

/** The EIP-712 domain offers are signed under: `("MintmarkLicenses", "1", chainId, contract)`. */
export function offerDomain({ chainId, address }: OfferDomainParameters): { name: 'MintmarkLicenses'; version: '1'; chainId: number; verifyingContract: Address } {
  return { name: 'MintmarkLicenses', version: '1', chainId, verifyingContract: address }
}

/**
 * The offer's EIP-712 struct hash, equal to the contract's `hashOffer`: the offer's id on chain
 * (`sold(offerHash)`), and as uint256 its ERC-1155 licence token id. Chain-independent.
 * Throws INPUT_INVALID for an offer whose fields do not fit their Solidity types.
 */
export function hashOffer(offer: Offer): Hex {
  return asInputError(() => hashStruct({ data: offer, primaryType: 'Offer', types: offerTypes }))
}

export type GetOfferDigestParameters = OfferDomainParameters & { offer: Offer }

/** The digest a seller signs for `offer` on one chain and contract (the contract's `offerDigest`). */
export function getOfferDigest({ offer, ...domain }: GetOfferDigestParameters): Hex {
  return asInputError(() => hashTypedData({ domain: offerDomain(domain), types: offerTypes, primaryType: 'Offer', message: offer }))
}

function asInputError<value>(fn: () => value): value {
  try {
    return fn()
  } catch (error) {
    throw new MintmarkError('INPUT_INVALID', 'The offer does not fit the contract’s Offer type.', {
      cause: error,
      details: error instanceof Error ? error.message.split('\n')[0] : undefined,
    })
  }
}
