import { MintmarkError } from '@mintmark/core'
import type { ServiceContext } from './operations.js'

// The market side of the service: offers recorded in this home, the chains it uses, and per
// account what the licences contract holds (royalties owed) and what the chain indexer saw
// (licences bought and sold). Chain code (viem) loads on first use, as in the CLI.

const chainModule = () => import('@mintmark/app/chain')

/** The offers recorded for an asset, newest last, with whether each has expired. */
export async function listOffers(s: ServiceContext, input: { cid: string }) {
  if (!(await s.app.store.getAsset(input.cid))) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${input.cid} in this log.`)
  const { parseOfferDocument } = await chainModule()
  const nowSeconds = BigInt(Math.floor(s.now().getTime() / 1000))
  const offers = (await s.app.store.offersForAsset(input.cid)).map((row) => {
    const doc = parseOfferDocument(JSON.parse(row.document))
    return {
      offerHash: doc.offerHash,
      chainId: doc.chainId,
      price: doc.offer.price,
      currency: doc.offer.currency,
      expired: BigInt(doc.offer.expiry) <= nowSeconds,
      createdAt: row.createdAt,
      document: doc,
    }
  })
  return { cid: input.cid, offers }
}

/**
 * The chains of this home with their contract addresses. The RPC URL is given only for the local
 * dev chain (a loopback node anyone on the machine can use); a configured chain's URL may carry
 * an API key and is never shown.
 */
export async function listChains(s: ServiceContext) {
  const chains = await s.app.chains.list()
  const cursors = await Promise.all(chains.map((c) => s.app.store.getChainCursor(c.chainId)))
  return {
    chains: chains.map((c, k) => ({
      name: c.name,
      chainId: c.chainId,
      dev: c.dev,
      rpcUrl: c.dev ? c.rpcUrl : null,
      confirmations: c.confirmations,
      contracts: { anchor: c.contracts.anchor, licenses: c.contracts.licenses },
      indexedTo: cursors[k] ?? null,
    })),
  }
}

/** Royalties the licences contract holds for an account, per chain and currency (read from the chains). */
export async function accountRoyalties(s: ServiceContext, input: { address: string }) {
  const { royalties } = await chainModule()
  const result = await royalties(s.app, { accounts: [input.address] })
  return {
    account: input.address,
    chains: result.chains.map((c) => ({ chain: c.chain, chainId: c.chainId, owed: c.accounts[0]?.owed ?? [] })),
  }
}

type Purchase = {
  chainId: number
  offerHash: string
  tokenId: string
  assetCid: string | null
  buyer: string
  seller: string
  quantity: number
  amount: string
  currency: string
  txHash: string
  blockNumber: number
}

/**
 * Licence purchases the chain indexer recorded where `address` is the buyer (`held`) or the
 * seller (`sold`), oldest first. As fresh as the indexer: `indexedTo` gives its block per chain.
 */
export async function accountPurchases(s: ServiceContext, input: { address: string; role: 'buyer' | 'seller' }) {
  const chains = await s.app.chains.list()
  const want = input.address.toLowerCase()
  const items: Purchase[] = []
  const indexedTo: Record<string, number | null> = {}
  for (const chain of chains) {
    indexedTo[chain.chainId] = (await s.app.store.getChainCursor(chain.chainId)) ?? null
    for (const row of await s.app.store.listChainEvents(chain.chainId)) {
      if (row.event !== 'LicensePurchased') continue
      const args = JSON.parse(row.argsJson) as Record<string, string | number>
      if (String(args[input.role]).toLowerCase() !== want) continue
      const offerHash = String(args.offerHash).toLowerCase()
      items.push({
        chainId: row.chainId,
        offerHash,
        tokenId: BigInt(offerHash).toString(),
        assetCid: (await s.app.store.getOffer(offerHash))?.assetCid ?? null,
        buyer: String(args.buyer),
        seller: String(args.seller),
        quantity: Number(args.quantity),
        amount: String(args.amount),
        currency: String(args.currency),
        txHash: row.txHash,
        blockNumber: row.blockNumber,
      })
    }
  }
  return { account: input.address, licenses: items, indexedTo }
}
