import { MintmarkError } from '@mintmark/core'
import { type Address, erc20Abi, type Hex, parseAbi, parseEventLogs, zeroAddress } from 'viem'
import { readContract, writeContract } from 'viem/actions'
import { mintmarkLicensesAbi } from '../generated/contracts.js'
import { getCheckedChainId, waitForSuccess } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import { toSafeCount } from '../internal/hex.js'
import type { TransactionResult, WriteClient } from '../types.js'
import type { Offer } from './offer.js'

/** ERC-6093 errors a token bubbles up through `purchase`, so they decode by name. */
const erc20ErrorsAbi = parseAbi([
  'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
  'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
])
const purchaseAbi = [...mintmarkLicensesAbi, ...erc20ErrorsAbi]

export type PurchaseLicenseParameters = {
  /** The MintmarkLicenses contract. */
  address: Address
  /** The offer exactly as signed. */
  offer: Offer
  signature: Hex
  /** Licences to buy, ≥ 1. */
  quantity: number
}
export type PurchaseLicenseReturnType = TransactionResult & {
  /** The offer's struct hash; `tokenId` is its uint256. */
  offerHash: Hex
  tokenId: bigint
  /** What was paid: `price × quantity` in the offer's currency. */
  amount: bigint
  /** The ERC-20 approval sent first, when the allowance was short. */
  approvalTransactionHash: Hex | undefined
}
export type PurchaseLicenseErrorType = MintmarkError<
  | 'INPUT_INVALID'
  | 'LICENSE_OFFER_EXPIRED'
  | 'LICENSE_SIGNATURE_INVALID'
  | 'LICENSE_CURRENCY_NOT_ALLOWED'
  | 'CHAIN_INSUFFICIENT_FUNDS'
  | 'CHAIN_TX_REVERTED'
  | 'CHAIN_ID_MISMATCH'
  | 'CHAIN_RPC_UNREACHABLE'
  | 'CHAIN_RPC_ERROR'
  | 'CHAIN_TX_TIMEOUT'
>

/**
 * Buys `quantity` licences under a signed offer, paying `price × quantity`: as value for ETH; for
 * an ERC-20 the offer is validated first (nothing is approved for an offer that cannot be bought),
 * then the exact amount is approved if the allowance is short, then `purchase` is sent.
 *
 * @example
 * const { tokenId } = await purchaseLicense(buyerClient, { address: chain.contracts.licenses, offer, signature, quantity: 1 })
 */
export async function purchaseLicense(client: WriteClient, parameters: PurchaseLicenseParameters): Promise<PurchaseLicenseReturnType> {
  const { address, offer, signature } = parameters
  const quantity = toSafeCount(parameters.quantity, 'quantity', { min: 1 })
  if (quantity > 0xffff_ffff) throw new MintmarkError('INPUT_INVALID', 'quantity must fit in uint32.', { fields: ['quantity'] })
  const amount = offer.price * BigInt(quantity)
  const buyer = client.account.address
  let step = 'purchase'
  try {
    await getCheckedChainId(client)
    let approvalTransactionHash: Hex | undefined
    if (offer.currency !== zeroAddress) {
      step = 'validateOffer'
      await readContract(client, { address, abi: purchaseAbi, functionName: 'validateOffer', args: [offer, signature, quantity] })
      step = 'approve'
      const token = { address: offer.currency, abi: erc20Abi } as const
      const balance = await readContract(client, { ...token, functionName: 'balanceOf', args: [buyer] })
      if (balance < amount)
        throw new MintmarkError('CHAIN_INSUFFICIENT_FUNDS', 'The buyer does not hold enough of the ERC-20 the offer is priced in.', {
          details: `${buyer} holds ${balance}, the purchase needs ${amount} of ${offer.currency}`,
        })
      const allowance = await readContract(client, { ...token, functionName: 'allowance', args: [buyer, address] })
      if (allowance < amount) {
        approvalTransactionHash = await writeContract(client, {
          ...token,
          functionName: 'approve',
          args: [address, amount],
          account: client.account,
          chain: client.chain ?? null,
        })
        await waitForSuccess(client, approvalTransactionHash, 'ERC20.approve')
      }
    }
    step = 'purchase'
    const hash = await writeContract(client, {
      address,
      abi: purchaseAbi,
      functionName: 'purchase',
      args: [offer, signature, quantity],
      value: offer.currency === zeroAddress ? amount : 0n,
      account: client.account,
      chain: client.chain ?? null,
    })
    const receipt = await waitForSuccess(client, hash, 'MintmarkLicenses.purchase')
    const [purchased] = parseEventLogs({ abi: mintmarkLicensesAbi, eventName: 'LicensePurchased', logs: receipt.logs })
    if (!purchased) throw new MintmarkError('CHAIN_RPC_ERROR', 'The purchase receipt has no LicensePurchased event.', { details: `transaction ${hash}` })
    return {
      offerHash: purchased.args.offerHash,
      tokenId: BigInt(purchased.args.offerHash),
      amount: purchased.args.amount,
      approvalTransactionHash,
      transactionHash: hash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
    }
  } catch (error) {
    throw toChainError(error, { contract: step === 'approve' ? 'ERC20' : 'MintmarkLicenses', functionName: step })
  }
}
