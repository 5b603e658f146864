import { randomBytes } from 'node:crypto'
import { getOwed, mintmarkLicensesAbi, type Offer, type OfferPayee, purchaseLicense, signOffer, toChainError, withdrawRoyalties } from '@mintmark/chain'
import { canonicalizeToBytes, type Manifest, MintmarkError, parseContentId } from '@mintmark/core'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { type Address, getAddress, type Hex, isAddress, parseEther, parseGwei, zeroAddress } from 'viem'
import { readContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { z } from 'zod'
import { type AppChain, namedChainError } from './chain.js'
import type { AppContext } from './open-app.js'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/)
const uint = z.string().regex(/^\d{1,78}$/)
const payeeSchema = z.strictObject({ account: address, bps: z.int().min(1).max(10_000) })

/** An offer as stored and handed to buyers: the EIP-712 Offer (integers as decimal strings), its signature and where it is valid. */
export const offerDocumentSchema = z.strictObject({
  type: z.literal('mintmark.offer'),
  version: z.literal(1),
  assetCid: z.string().min(1),
  chainId: z.int().positive(),
  contract: address,
  offerHash: hex32,
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
  offer: z.strictObject({
    assetId: hex32,
    termsHash: hex32,
    seller: address,
    currency: address,
    price: uint,
    maxSupply: z.int().min(1).max(0xffff_ffff),
    expiry: uint,
    nonce: uint,
    payees: z.array(payeeSchema).min(1).max(50),
  }),
  /** Shares every derivative's offers must give (set with --derivative-share). */
  derivativeShares: z.array(payeeSchema).max(50),
  /** Shares this offer had to carry because of its parents' offers (set on chain before signing). */
  requiredShares: z.array(payeeSchema).max(50),
})
export type OfferDocument = z.infer<typeof offerDocumentSchema>

export type CreateOfferParameters = {
  cid: string
  /** Price per licence in the currency's base units (wei for ETH). */
  price: bigint
  currency?: Address | undefined
  /** Most licences sold under the offer; default 2^32 − 1. */
  supply?: number | undefined
  /** Seconds until the offer expires; default 30 days. */
  expiresInSeconds?: number | undefined
  /** Addresses of DID payees: did → 0x. */
  payees?: Readonly<Record<string, string>> | undefined
  /** Shares (payee DID or 0x, in bps) that offers for assets derived from this one must carry. */
  derivativeShares?: readonly { payee: string; bps: number }[] | undefined
  /** Chain name or id; default the first chain of the home. */
  chain?: string | undefined
}

/** The CIDs an asset was made from: its parents, its training datasets and its model's weights. */
function upstreamCids(statement: Manifest): string[] {
  const cids = statement.parents.map((p) => p.cid)
  for (const d of statement.datasets) if ('cid' in d) cids.push(d.cid)
  const weights = statement.generation?.model.weightsHash
  if (weights?.startsWith('baf')) cids.push(weights)
  return [...new Set(cids)]
}

/**
 * Builds, signs and stores a licence offer for a registered asset. Payees are the manifest's
 * royalty split, DIDs mapped to addresses by `payees`. When what the asset was made from (parents,
 * datasets, model weights) has offers in this store that require shares of derivatives, the split must carry them (else
 * OFFER_REQUIRED_SHARE_MISSING, before anything is sent) and they are set on chain for the asset.
 */
export async function createOffer(ctx: AppContext, parameters: CreateOfferParameters): Promise<OfferDocument> {
  const cid = parseContentId(parameters.cid)
  const first = (await ctx.entriesFor(cid))[0]
  if (!first) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${cid} in this log.`)
  const statement = first.entry.statement
  if (parameters.price <= 0n) throw new MintmarkError('USAGE_INVALID', 'The price must be more than 0.')
  const supply = parameters.supply ?? 0xffff_ffff
  if (!Number.isSafeInteger(supply) || supply < 1 || supply > 0xffff_ffff) throw new MintmarkError('USAGE_INVALID', 'The supply must be between 1 and 4294967295.')
  const resolve = (payee: string): Address => resolvePayee(payee, parameters.payees ?? {})
  const payees: OfferPayee[] = statement.rights.royalties.map((r) => ({ account: resolve(r.payee), bps: r.bps }))
  const derivativeShares = (parameters.derivativeShares ?? []).map((s) => ({ account: resolve(s.payee), bps: s.bps }))
  if (derivativeShares.reduce((sum, s) => sum + s.bps, 0) > 10_000)
    throw new MintmarkError('USAGE_INVALID', 'The derivative shares sum to more than 100%.')

  // Upstream shares: what the offers of everything this asset was made from (parents, training
  // datasets and model weights registered by CID) require of every derivative, the largest per account.
  const required = new Map<Address, number>()
  for (const upstream of upstreamCids(statement)) {
    for (const row of await ctx.store.offersForAsset(upstream)) {
      const doc = offerDocumentSchema.parse(JSON.parse(row.document))
      for (const s of doc.derivativeShares) {
        const account = getAddress(s.account)
        required.set(account, Math.max(required.get(account) ?? 0, s.bps))
      }
    }
  }
  const requiredShares = [...required].map(([account, bps]) => ({ account, bps }))
  for (const need of requiredShares) {
    const offered = payees.filter((p) => p.account === need.account).reduce((sum, p) => sum + p.bps, 0)
    if (offered < need.bps)
      throw new MintmarkError('OFFER_REQUIRED_SHARE_MISSING', `The split of ${cid} gives ${need.account} ${offered} bps; the offers of what it was made from require ${need.bps}.`, {
        metaMessages: ['Register the derivative with a royalty split that carries the upstream shares.'],
      })
  }

  const [chain] = await ctx.chains.list(parameters.chain === undefined ? undefined : [parameters.chain])
  if (!chain) throw new MintmarkError('CHAIN_NOT_CONFIGURED', 'This home has no chain to sell licences on.')
  const seller = await chain.operator()
  const assetId = `0x${statement.asset.sha256}` as Hex
  const license = statement.rights.license
  const termsHash = ('custom' in license && license.custom.termsHash
    ? `0x${license.custom.termsHash.slice('sha256:'.length)}`
    : `0x${bytesToHex(sha256(canonicalizeToBytes(license)))}`) as Hex
  const nowSeconds = Math.floor(ctx.clock.now().getTime() / 1000)
  const offer: Offer = {
    assetId,
    termsHash,
    seller: seller.address,
    currency: parameters.currency ? getAddress(parameters.currency) : zeroAddress,
    price: parameters.price,
    maxSupply: supply,
    expiry: BigInt(nowSeconds + (parameters.expiresInSeconds ?? 30 * 24 * 3600)),
    nonce: BigInt(`0x${randomBytes(16).toString('hex')}`),
    payees,
  }
  const wallet = chain.wallet(seller)
  try {
    if (requiredShares.length) {
      const current = await readContract(chain.publicClient, { address: chain.contracts.licenses, abi: mintmarkLicensesAbi, functionName: 'requiredShares', args: [assetId] })
      const same = current.length === requiredShares.length && current.every((c, i) => c.account === requiredShares[i]?.account && c.bps === requiredShares[i]?.bps)
      if (!same) {
        const hash = await writeContract(wallet, {
          address: chain.contracts.licenses,
          abi: mintmarkLicensesAbi,
          functionName: 'setRequiredShares',
          args: [assetId, requiredShares],
          account: seller,
          chain: chain.chain,
        })
        const receipt = await waitForTransactionReceipt(wallet, { hash })
        if (receipt.status !== 'success') throw new MintmarkError('CHAIN_TX_REVERTED', 'MintmarkLicenses.setRequiredShares was mined but reverted.', { details: `transaction ${hash}` })
      }
    }
    const { signature, offerHash } = await signOffer(wallet, { address: chain.contracts.licenses, offer, chainId: chain.chainId })
    const document: OfferDocument = {
      type: 'mintmark.offer',
      version: 1,
      assetCid: cid,
      chainId: chain.chainId,
      contract: chain.contracts.licenses,
      offerHash,
      signature,
      offer: { ...offer, price: offer.price.toString(), expiry: offer.expiry.toString(), nonce: offer.nonce.toString(), payees: [...offer.payees] },
      derivativeShares,
      requiredShares,
    }
    await ctx.store.putOffer({ offerHash, assetCid: cid, chainId: chain.chainId, document: JSON.stringify(document), createdAt: ctx.clock.now().toISOString() })
    return document
  } catch (error) {
    throw namedChainError(chain, toChainError(error, { contract: 'MintmarkLicenses', functionName: 'setRequiredShares' }), 'Creating the offer')
  }
}

function resolvePayee(payee: string, mapping: Readonly<Record<string, string>>): Address {
  if (payee.startsWith('0x')) {
    if (!isAddress(payee, { strict: false })) throw new MintmarkError('OFFER_PAYEE_UNRESOLVED', `Payee ${payee} is not an EVM address.`)
    return getAddress(payee)
  }
  const mapped = mapping[payee]
  if (!mapped)
    throw new MintmarkError('OFFER_PAYEE_UNRESOLVED', `Royalty payee ${payee} has no address on chain.`, {
      metaMessages: [`Pass --payee ${payee}=0x… with the address it is paid at.`],
    })
  if (!isAddress(mapped, { strict: false })) throw new MintmarkError('OFFER_PAYEE_UNRESOLVED', `The address given for ${payee} is not an EVM address.`, { details: mapped })
  return getAddress(mapped)
}

/** An offer document from JSON (a file's text or a parsed value); INPUT_INVALID naming the fields otherwise. */
export function parseOfferDocument(value: unknown): OfferDocument {
  const parsed = offerDocumentSchema.safeParse(value)
  if (!parsed.success)
    throw new MintmarkError('INPUT_INVALID', 'This is not a Mintmark offer document.', { fields: parsed.error.issues.map((i) => i.path.join('.') || '(root)') })
  return parsed.data
}

function toOffer(doc: OfferDocument): Offer {
  const o = doc.offer
  return {
    assetId: o.assetId as Hex,
    termsHash: o.termsHash as Hex,
    seller: getAddress(o.seller),
    currency: getAddress(o.currency),
    price: BigInt(o.price),
    maxSupply: o.maxSupply,
    expiry: BigInt(o.expiry),
    nonce: BigInt(o.nonce),
    payees: o.payees.map((p) => ({ account: getAddress(p.account), bps: p.bps })),
  }
}

export type BuyLicenseParameters = {
  /** The offer document, or the hash of an offer stored in this home. */
  offer: OfferDocument | string
  quantity?: number | undefined
}

export type BuyLicenseReturnType = {
  chain: string
  chainId: number
  offerHash: string
  tokenId: string
  quantity: number
  amount: string
  currency: string
  buyer: string
  txHash: string
  blockNumber: number
}

/** Buys licences under an offer (buyer: the configured key, or on the dev chain a dev account that is not the seller). */
export async function buyLicense(ctx: AppContext, parameters: BuyLicenseParameters): Promise<BuyLicenseReturnType> {
  let doc: OfferDocument
  if (typeof parameters.offer === 'string') {
    const row = await ctx.store.getOffer(parameters.offer.toLowerCase())
    if (!row) throw new MintmarkError('OFFER_NOT_FOUND', `No offer ${parameters.offer} in this home.`)
    doc = parseOfferDocument(JSON.parse(row.document))
  } else doc = parameters.offer
  const quantity = parameters.quantity ?? 1
  const chain = await chainById(ctx, doc.chainId)
  const buyer = await chain.buyer()
  try {
    const bought = await purchaseLicense(chain.wallet(buyer), { address: getAddress(doc.contract), offer: toOffer(doc), signature: doc.signature as Hex, quantity })
    return {
      chain: chain.name,
      chainId: chain.chainId,
      offerHash: bought.offerHash,
      tokenId: bought.tokenId.toString(),
      quantity,
      amount: bought.amount.toString(),
      currency: getAddress(doc.offer.currency),
      buyer: buyer.address,
      txHash: bought.transactionHash,
      blockNumber: bought.blockNumber,
    }
  } catch (error) {
    throw namedChainError(chain, toChainError(error, { contract: 'MintmarkLicenses', functionName: 'purchase' }), 'Buying the licence')
  }
}

async function chainById(ctx: AppContext, chainId: number): Promise<AppChain> {
  const chains = await ctx.chains.list()
  const chain = chains.find((c) => c.chainId === chainId)
  if (!chain)
    throw new MintmarkError('CHAIN_NOT_CONFIGURED', `The offer is for chain ${chainId}, which this home does not use.`, {
      metaMessages: [`Chains: ${chains.map((c) => `${c.name} (${c.chainId})`).join(', ')}`],
    })
  return chain
}

export type RoyaltiesParameters = {
  /** Accounts to show (and withdraw for); default the home's operator account. */
  accounts?: readonly string[] | undefined
  /** Currencies to look at besides ETH and those of this home's offers. */
  currencies?: readonly string[] | undefined
  withdraw?: boolean | undefined
  chain?: string | undefined
}

export type RoyaltiesReturnType = {
  chains: {
    chain: string
    chainId: number
    accounts: {
      account: string
      owed: { currency: string; amount: string }[]
      withdrawn: { currency: string; amount: string; txHash: string }[]
    }[]
  }[]
}

/**
 * Royalties owed per account and currency on each chain (pull payments held by the licences
 * contract), and with `withdraw` their withdrawal by each account the app holds a key for.
 */
export async function royalties(ctx: AppContext, parameters: RoyaltiesParameters = {}): Promise<RoyaltiesReturnType> {
  const chains = await ctx.chains.list(parameters.chain === undefined ? undefined : [parameters.chain])
  const out: RoyaltiesReturnType['chains'] = []
  for (const chain of chains) {
    const accounts = parameters.accounts?.length ? parameters.accounts.map((a) => toAddress(a, 'account')) : [(await chain.operator()).address]
    const currencies = new Set<Address>([zeroAddress, ...(parameters.currencies ?? []).map((c) => toAddress(c, 'currency'))])
    for (const row of await ctx.store.offersOnChain(chain.chainId)) currencies.add(getAddress(parseOfferDocument(JSON.parse(row.document)).offer.currency))
    const perAccount: RoyaltiesReturnType['chains'][number]['accounts'] = []
    try {
      for (const account of accounts) {
        const owed: { currency: string; amount: string }[] = []
        const withdrawn: { currency: string; amount: string; txHash: string }[] = []
        for (const currency of currencies) {
          const amount = await getOwed(chain.publicClient, { address: chain.contracts.licenses, account, currency })
          owed.push({ currency, amount: amount.toString() })
          if (parameters.withdraw && amount > 0n) {
            const local = await chain.accountFor(account)
            if (!local) throw new MintmarkError('CHAIN_KEY_MISSING', `No key for ${account} on chain ${chain.name}: only the account itself can withdraw.`)
            const w = await withdrawRoyalties(chain.wallet(local), { address: chain.contracts.licenses, currency })
            withdrawn.push({ currency, amount: w.amount.toString(), txHash: w.transactionHash })
          }
        }
        perAccount.push({ account, owed, withdrawn })
      }
    } catch (error) {
      throw namedChainError(chain, toChainError(error, { contract: 'MintmarkLicenses', functionName: parameters.withdraw ? 'withdraw' : 'owed' }), parameters.withdraw ? 'Withdrawing royalties' : 'Reading royalties')
    }
    out.push({ chain: chain.name, chainId: chain.chainId, accounts: perAccount })
  }
  return { chains: out }
}

function toAddress(value: string, what: string): Address {
  if (!isAddress(value, { strict: false })) throw new MintmarkError('USAGE_INVALID', `The ${what} ${JSON.stringify(value)} is not a 0x address.`)
  return getAddress(value)
}

/** A price as typed: `0.01ETH`, `5gwei`, `1000wei` or `1000` (base units). */
export function parsePrice(text: string): bigint {
  const m = /^(\d+(?:\.\d+)?)\s*(eth|gwei|wei)?$/i.exec(text.trim())
  if (!m) throw new MintmarkError('USAGE_INVALID', `A price is an amount like 0.01ETH, 5gwei or 1000wei; got ${JSON.stringify(text)}.`)
  const amount = m[1] as string
  const unit = m[2]?.toLowerCase()
  if (unit === 'eth') return parseEther(amount)
  if (unit === 'gwei') return parseGwei(amount)
  if (amount.includes('.')) throw new MintmarkError('USAGE_INVALID', 'A price in base units (wei) must be a whole number.')
  return BigInt(amount)
}
