import { useState } from 'preact/hooks'
import { getAsset, getChains, getOffers } from '../api/endpoints.js'
import type { ChainInfo, OfferDocument } from '../api/types.js'
import type { PurchaseResult, PurchaseStep } from '../chain/purchase.js'
import { useWallet } from '../chain/wallet-store.js'
import { ErrorNotice } from '../components/error-notice.js'
import { Loading } from '../components/loading.js'
import { SplitChart } from '../components/split-chart.js'
import { WalletPanel } from '../components/wallet-panel.js'
import { formatAmount, formatDate, formatUnits, shortCid, shortHex, zeroAddress } from '../format.js'
import { useAsync } from '../use-async.js'
import { offerParts } from '../offer-parts.js'

export function BuyPage({ cid, offerHash }: { cid: string; offerHash: string }) {
  const data = useAsync(
    async (signal) => {
      const [offers, chains, record] = await Promise.all([getOffers(cid, signal), getChains(signal), getAsset(cid, signal)])
      return { offer: offers.find((o) => o.offerHash.toLowerCase() === offerHash.toLowerCase()), chains, title: record.statement?.asset.title }
    },
    [cid, offerHash],
  )
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Buy a licence
      </h1>
      {data.status === 'loading' ? <Loading height="20rem" /> : null}
      {data.status === 'error' ? <ErrorNotice error={data.error} title="The offer could not be loaded" /> : null}
      {data.status === 'ok' && !data.value.offer ? (
        <ErrorNotice error={{ code: 'OFFER_NOT_FOUND', message: 'This asset has no offer with that hash (it may have been withdrawn).' }} />
      ) : null}
      {data.status === 'ok' && data.value.offer ? <Checkout offer={data.value.offer} chains={data.value.chains} title={data.value.title} /> : null}
    </section>
  )
}

const stepWords: Record<PurchaseStep, string> = {
  checking: 'Checking the offer, your balance and the contract…',
  approving: 'Approving the token payment in your wallet…',
  signing: 'Waiting for your signature…',
  sent: 'Sent. Waiting for the chain to include the transaction…',
  confirmed: 'Confirmed.',
}

function Checkout({ offer: o, chains, title }: { offer: OfferDocument; chains: ChainInfo[]; title: string | undefined }) {
  const chain = chains.find((c) => c.chainId === o.chainId)
  const wallet = useWallet()
  const [quantity, setQuantity] = useState(1)
  const [state, setState] = useState<{ step?: PurchaseStep; tx?: string; result?: PurchaseResult; error?: unknown; busy: boolean }>({ busy: false })
  const price = BigInt(o.offer.price)
  const total = price * BigInt(quantity)
  const expiry = Number(o.offer.expiry) * 1000

  async function buy() {
    if (!wallet) return
    setState({ busy: true, step: 'checking' })
    try {
      const { purchaseLicence } = await import('../chain/purchase.js')
      const result = await purchaseLicence(wallet, o, quantity, (step, tx) => setState((s) => ({ ...s, step, ...(tx ? { tx } : {}) })))
      setState({ busy: false, step: 'confirmed', result })
    } catch (error) {
      setState({ busy: false, error })
    }
  }

  return (
    <div class="checkout">
      <p>
        Licence for <a href={`/assets/${o.assetCid}`}>{title ?? shortCid(o.assetCid)}</a>
      </p>
      <div class="card">
        <dl class="facts">
          <dt>Price</dt>
          <dd data-testid="price">
            <strong>{formatAmount(price, o.offer.currency)}</strong> per licence
            {o.offer.currency === zeroAddress ? <span class="muted small"> ({price.toString()} wei)</span> : null}
          </dd>
          <dt>Chain</dt>
          <dd>
            {chain?.name ?? 'unknown'} ({o.chainId})
          </dd>
          <dt>Contract</dt>
          <dd class="mono-wrap">{o.contract}</dd>
          <dt>Seller</dt>
          <dd class="mono-wrap">{o.offer.seller}</dd>
          <dt>Offer valid until</dt>
          <dd>{formatDate(expiry)}</dd>
        </dl>
        <label class="field field-inline">
          <span>Licences</span>
          <input type="number" min={1} max={1000} value={quantity} onInput={(e) => setQuantity(Math.max(1, Math.min(1000, Number(e.currentTarget.value) || 1)))} />
        </label>
        <p>
          Total: <strong data-testid="total">{formatAmount(total, o.offer.currency)}</strong> plus the network fee.
        </p>
      </div>
      <SplitChart caption="Where your payment goes (per licence)" currency={o.offer.currency} parts={offerParts(o)} />
      {chain ? <WalletPanel chain={chain} sellerAddress={o.offer.seller} /> : <p class="notice">This server does not know the offer’s chain ({o.chainId}).</p>}
      <p>
        <button type="button" class="button button-primary" id="buy-button" disabled={!wallet || state.busy || wallet.chainId !== o.chainId} onClick={() => void buy()}>
          {wallet ? `Buy ${quantity === 1 ? 'a licence' : `${quantity} licences`} for ${formatUnits(total)} ${o.offer.currency === zeroAddress ? 'ETH' : 'units'}` : 'Connect a wallet to buy'}
        </button>
      </p>
      <div aria-live="polite" class="result-area-small">
        {state.step && !state.result && !state.error ? (
          <p class="progress-box">
            {stepWords[state.step]}
            {state.tx ? <span class="mono small"> {shortHex(state.tx)}</span> : null}
          </p>
        ) : null}
        {state.error ? <ErrorNotice error={state.error} title="The licence was not bought" /> : null}
        {state.result ? <Receipt result={state.result} currency={o.offer.currency} /> : null}
      </div>
    </div>
  )
}

function Receipt({ result: r, currency }: { result: PurchaseResult; currency: string }) {
  return (
    <div class="notice notice-ok" role="status" data-testid="receipt">
      <p class="notice-title">Licence bought</p>
      <dl class="facts">
        <dt>Licence token</dt>
        <dd class="mono-wrap" data-testid="token-id">
          {r.tokenId.toString()}
        </dd>
        <dt>Paid</dt>
        <dd>{formatAmount(r.amount, currency)}</dd>
        <dt>Transaction</dt>
        <dd class="mono-wrap">{r.txHash}</dd>
        <dt>Block</dt>
        <dd>{r.blockNumber}</dd>
      </dl>
      <p>The contract credited:</p>
      <ul class="plain-list">
        {r.credited.map((c) => (
          <li key={c.account} data-account={c.account.toLowerCase()}>
            <span class="mono">{shortHex(c.account)}</span>: {formatAmount(c.amount, currency)}{' '}
            <a class="small" href={`/dashboard?account=${c.account}`}>
              dashboard
            </a>
          </li>
        ))}
      </ul>
      <p class="small muted">Payees withdraw what they are owed from their dashboard. The licence token (ERC-1155) is in the buying account.</p>
    </div>
  )
}
