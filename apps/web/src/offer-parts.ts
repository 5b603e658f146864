import { splitAmount } from '@mintmark/core'
import type { OfferDocument } from './api/types.js'
import type { SplitPart } from './components/split-chart.js'

/** The payees of an offer with the exact amount each gets from one licence, upstream marked. */
export function offerParts(o: OfferDocument): SplitPart[] {
  const price = BigInt(o.offer.price)
  const amounts = splitAmount(price, o.offer.payees.map((p) => ({ payee: p.account, bps: p.bps })))
  const upstream = new Set(o.requiredShares.map((r) => r.account.toLowerCase()))
  return o.offer.payees.map((p, i) => ({
    account: p.account,
    bps: p.bps,
    amount: amounts[i]?.amount,
    note: upstream.has(p.account.toLowerCase()) ? 'upstream' : p.account.toLowerCase() === o.offer.seller.toLowerCase() ? 'seller' : undefined,
  }))
}
