import { mintmarkLicensesAbi } from '@mintmark/chain-abi'
import { type Address, type Hex, erc20Abi, parseEventLogs, zeroAddress } from 'viem'
import { getBalance, readContract, simulateContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import type { OfferDocument } from '../api/types.js'
import { WalletError } from './errors.js'
import type { WalletSession } from './wallet.js'

export type PurchaseStep = 'checking' | 'approving' | 'signing' | 'sent' | 'confirmed'

export type PurchaseResult = {
  txHash: Hex
  blockNumber: number
  tokenId: bigint
  offerHash: Hex
  amount: bigint
  quantity: number
  /** What the contract credited each payee (PaymentCredited events of the transaction). */
  credited: { account: Address; amount: bigint }[]
}

function toOffer(doc: OfferDocument) {
  const o = doc.offer
  return {
    assetId: o.assetId as Hex,
    termsHash: o.termsHash as Hex,
    seller: o.seller as Address,
    currency: o.currency as Address,
    price: BigInt(o.price),
    maxSupply: o.maxSupply,
    expiry: BigInt(o.expiry),
    nonce: BigInt(o.nonce),
    payees: o.payees.map((p) => ({ account: p.account as Address, bps: p.bps })),
  }
}

/**
 * Buys licences under a signed offer, from the connected wallet, calling the licences contract
 * directly: checks chain, expiry and funds first (so a doomed purchase never asks for a
 * signature), simulates the call (the contract's own refusal, in words), approves an ERC-20 if
 * needed, sends, waits for the receipt and reads the credits from its events.
 */
export async function purchaseLicence(session: WalletSession, doc: OfferDocument, quantity: number, onStep: (step: PurchaseStep, txHash?: Hex) => void): Promise<PurchaseResult> {
  if (session.chainId !== doc.chainId) throw new WalletError('WRONG_CHAIN', `The offer is on chain ${doc.chainId}; your wallet is on ${session.chainName} (${session.chainId}).`)
  const offer = toOffer(doc)
  const amount = offer.price * BigInt(quantity)
  const address = doc.contract as Address
  const buyer = session.address
  try {
    onStep('checking')
    if (offer.expiry * 1000n < BigInt(Date.now()))
      throw new WalletError('OFFER_EXPIRED', `This offer expired on ${new Date(Number(offer.expiry) * 1000).toLocaleString()}. Ask the seller for a new one; nothing was paid.`)
    if (offer.currency === zeroAddress) {
      const balance = await getBalance(session.reader, { address: buyer })
      if (balance < amount) throw new WalletError('INSUFFICIENT_FUNDS', `The account holds ${balance} wei; the licence costs ${amount} wei plus the network fee. Nothing was paid.`)
    } else {
      await readContract(session.reader, { address, abi: mintmarkLicensesAbi, functionName: 'validateOffer', args: [offer, doc.signature as Hex, quantity] })
      const token = { address: offer.currency, abi: erc20Abi } as const
      const balance = await readContract(session.reader, { ...token, functionName: 'balanceOf', args: [buyer] })
      if (balance < amount) throw new WalletError('INSUFFICIENT_FUNDS', 'The account does not hold enough of the token this offer is priced in. Nothing was paid.')
      const allowance = await readContract(session.reader, { ...token, functionName: 'allowance', args: [buyer, address] })
      if (allowance < amount) {
        onStep('approving')
        const approval = await writeContract(session.wallet, { ...token, functionName: 'approve', args: [address, amount], account: session.wallet.account, chain: session.wallet.chain })
        await waitForTransactionReceipt(session.reader, { hash: approval })
      }
    }
    const { request } = await simulateContract(session.reader, {
      address,
      abi: mintmarkLicensesAbi,
      functionName: 'purchase',
      args: [offer, doc.signature as Hex, quantity],
      value: offer.currency === zeroAddress ? amount : 0n,
      account: session.wallet.account,
      chain: session.wallet.chain,
    })
    onStep('signing')
    const txHash = await writeContract(session.wallet, request)
    onStep('sent', txHash)
    const receipt = await waitForTransactionReceipt(session.reader, { hash: txHash, timeout: 60_000 })
    if (receipt.status !== 'success') throw new WalletError('CHAIN_TX_REVERTED', 'The purchase was mined but reverted; nothing was paid.', txHash)
    const [purchased] = parseEventLogs({ abi: mintmarkLicensesAbi, eventName: 'LicensePurchased', logs: receipt.logs })
    if (!purchased) throw new WalletError('CHAIN_ERROR', 'The receipt has no LicensePurchased event.', txHash)
    const credited = parseEventLogs({ abi: mintmarkLicensesAbi, eventName: 'PaymentCredited', logs: receipt.logs }).map((l) => ({ account: l.args.account, amount: l.args.amount }))
    onStep('confirmed', txHash)
    return {
      txHash,
      blockNumber: Number(receipt.blockNumber),
      offerHash: purchased.args.offerHash,
      tokenId: BigInt(purchased.args.offerHash),
      amount: purchased.args.amount,
      quantity,
      credited,
    }
  } catch (error) {
    throw WalletError.from(error)
  }
}

/** Withdraws everything owed to the connected account in one currency (pull payments). */
export async function withdrawOwed(session: WalletSession, contract: string, currency: string): Promise<{ txHash: Hex; amount: bigint }> {
  try {
    const { request } = await simulateContract(session.reader, {
      address: contract as Address,
      abi: mintmarkLicensesAbi,
      functionName: 'withdraw',
      args: [currency as Address],
      account: session.wallet.account,
      chain: session.wallet.chain,
    })
    const txHash = await writeContract(session.wallet, request)
    const receipt = await waitForTransactionReceipt(session.reader, { hash: txHash, timeout: 60_000 })
    if (receipt.status !== 'success') throw new WalletError('CHAIN_TX_REVERTED', 'The withdrawal was mined but reverted.', txHash)
    const [w] = parseEventLogs({ abi: mintmarkLicensesAbi, eventName: 'Withdrawn', logs: receipt.logs })
    return { txHash, amount: w?.args.amount ?? 0n }
  } catch (error) {
    throw WalletError.from(error)
  }
}
