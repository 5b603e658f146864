import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../api/client.js'
import { getChains, getCreatorStatements, getLicences, getLineage, getRoyalties, getSales } from '../api/endpoints.js'
import type { ChainInfo, CreatorStatements, LicenceItem } from '../api/types.js'
import { useWallet } from '../chain/wallet-store.js'
import { ErrorNotice } from '../components/error-notice.js'
import { Loading } from '../components/loading.js'
import { Thumb } from '../components/thumb.js'
import { WalletPanel } from '../components/wallet-panel.js'
import { currencyName, formatAmount, formatDate, shortCid, shortHex } from '../format.js'
import { type Location, navigate } from '../router.js'
import { useAsync } from '../use-async.js'

const isAddress = (s: string) => /^0x[0-9a-fA-F]{40}$/.test(s)

export function DashboardPage({ location }: { location: Location }) {
  const wallet = useWallet()
  const did = location.search.get('did') ?? ''
  const account = location.search.get('account') ?? wallet?.address ?? ''
  const [didInput, setDidInput] = useState(did)
  const [accountInput, setAccountInput] = useState(account)
  useEffect(() => {
    setDidInput(did)
    setAccountInput(account)
  }, [did, account])

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Creator dashboard
      </h1>
      <form
        class="card form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          const q = new URLSearchParams()
          if (didInput.trim()) q.set('did', didInput.trim())
          if (accountInput.trim()) q.set('account', accountInput.trim())
          navigate(`/dashboard?${q.toString()}`)
        }}
      >
        <label class="field">
          <span>Creator (DID)</span>
          <input name="did" value={didInput} onInput={(e) => setDidInput(e.currentTarget.value)} placeholder="did:key:z6Mk…" autocomplete="off" spellcheck={false} />
        </label>
        <label class="field">
          <span>Payout account (0x…)</span>
          <input name="account" value={accountInput} onInput={(e) => setAccountInput(e.currentTarget.value)} placeholder="0x…" autocomplete="off" spellcheck={false} />
        </label>
        <div class="form-actions">
          <button type="submit" class="button button-primary">
            Show
          </button>
        </div>
      </form>
      {!did && !account ? <p class="muted">Enter your creator DID to see your assets, and your payout account to see licences and royalties (or connect a wallet).</p> : null}
      {did ? <MyAssets did={did} /> : null}
      {account && isAddress(account) ? <Money account={account} /> : null}
      {account && !isAddress(account) ? <ErrorNotice error={{ code: 'INPUT_INVALID', message: 'The payout account must be a 0x address of 40 hex digits.' }} /> : null}
    </section>
  )
}

function MyAssets({ did }: { did: string }) {
  const statements = useAsync((signal) => getCreatorStatements(did, null, signal), [did])
  return (
    <section class="card" aria-labelledby="assets-title">
      <h2 id="assets-title">My assets</h2>
      {statements.status === 'loading' ? <Loading height="12rem" /> : null}
      {statements.status === 'error' ? <ErrorNotice error={statements.error} title="Assets could not be loaded" /> : null}
      {statements.status === 'ok' ? <AssetsGrid items={statements.value.items.filter((i) => i.firstClaim)} more={statements.value.nextCursor !== null} /> : null}
    </section>
  )
}

function AssetsGrid({ items, more }: { items: CreatorStatements['items']; more: boolean }) {
  if (!items.length) return <p class="muted">No assets registered by this creator.</p>
  return (
    <>
      <ul class="grid" data-testid="my-assets">
        {items.map((i) => (
          <li key={i.cid} class="tile">
            <a href={`/assets/${i.cid}`}>
              <Thumb cid={i.cid} mediaType={i.statement.asset.mediaType} alt="" />
              <span class="tile-title">{i.statement.asset.title ?? shortCid(i.cid)}</span>
            </a>
            <span class="small muted">{formatDate(i.createdAt)}</span>
            <Derivatives cid={i.cid} />
          </li>
        ))}
      </ul>
      {more ? <p class="small muted">Showing the first 100 statements.</p> : null}
    </>
  )
}

/** Downstream: everything registered as made from this asset, up to three generations. */
function Derivatives({ cid }: { cid: string }) {
  const lineage = useAsync((signal) => getLineage(cid, 3, signal), [cid])
  if (lineage.status !== 'ok') return <span class="small muted">{lineage.status === 'loading' ? '…' : ''}</span>
  const d = lineage.value.descendants
  if (!d.length) return <span class="small muted">No derivatives</span>
  return (
    <details class="small">
      <summary data-testid="derivatives-count">
        {d.length} derivative{d.length === 1 ? '' : 's'}
      </summary>
      <ul class="plain-list">
        {d.map((x) => (
          <li key={`${x.via}-${x.cid}`}>
            <a href={`/assets/${x.cid}`}>{shortCid(x.cid)}</a> {x.depth > 1 ? <span class="muted">({x.depth} steps away)</span> : null}
          </li>
        ))}
      </ul>
    </details>
  )
}

function Money({ account }: { account: string }) {
  const chains = useAsync((signal) => getChains(signal), [])
  const royalties = useAsync((signal) => getRoyalties(account, signal), [account])
  const sales = useAsync((signal) => getSales(account, signal), [account])
  const held = useAsync((signal) => getLicences(account, signal), [account])
  const chainList = chains.status === 'ok' ? chains.value : []
  return (
    <>
      <section class="card" aria-labelledby="royalties-title">
        <h2 id="royalties-title">Royalties owed to {shortHex(account)}</h2>
        {royalties.status === 'loading' ? <Loading height="4rem" /> : null}
        {royalties.status === 'error' ? <ErrorNotice error={royalties.error} title="Royalties could not be loaded" /> : null}
        {royalties.status === 'ok' ? (
          <OwedTable
            account={account}
            rows={royalties.value.chains.flatMap((c) => c.owed.map((o) => ({ chain: c.chain, chainId: c.chainId, ...o })))}
            chains={chainList}
            onWithdrawn={royalties.reload}
          />
        ) : null}
      </section>
      {chainList.some((c) => c.indexedTo === null) ? (
        <p class="notice small">This server’s chain indexer has not read the chain yet, so the licence lists below may be incomplete (royalties owed are read from the chain directly).</p>
      ) : null}
      <section class="card" aria-labelledby="sales-title">
        <h2 id="sales-title">Licences sold</h2>
        {sales.status === 'loading' ? <Loading height="4rem" /> : null}
        {sales.status === 'error' ? <ListError error={sales.error} /> : null}
        {sales.status === 'ok' ? <LicenceTable items={sales.value} chains={chainList} empty="No licences sold by this account." testid="sales" /> : null}
      </section>
      <section class="card" aria-labelledby="held-title">
        <h2 id="held-title">Licences held</h2>
        {held.status === 'loading' ? <Loading height="4rem" /> : null}
        {held.status === 'error' ? <ListError error={held.error} /> : null}
        {held.status === 'ok' ? <LicenceTable items={held.value} chains={chainList} empty="This account holds no licences." testid="held" /> : null}
      </section>
    </>
  )
}

function ListError({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.code === 'ROUTE_NOT_FOUND') return <p class="muted">This server does not list licences.</p>
  return <ErrorNotice error={error} title="Could not be loaded" />
}

type OwedRow = { chain: string; chainId: number; currency: string; amount: string }

function OwedTable({ account, rows, chains, onWithdrawn }: { account: string; rows: OwedRow[]; chains: ChainInfo[]; onWithdrawn: () => void }) {
  const wallet = useWallet()
  const [status, setStatus] = useState<{ key?: string; error?: unknown; done?: string }>({})
  const mine = wallet?.address.toLowerCase() === account.toLowerCase()
  const firstChain = chains.find((c) => rows.some((r) => r.chainId === c.chainId)) ?? chains[0]

  async function withdraw(row: OwedRow) {
    const chain = chains.find((c) => c.chainId === row.chainId)
    if (!wallet || !chain) return
    const key = `${row.chainId}-${row.currency}`
    setStatus({ key })
    try {
      const { withdrawOwed } = await import('../chain/purchase.js')
      const r = await withdrawOwed(wallet, chain.contracts.licenses, row.currency)
      setStatus({ done: `Withdrew ${formatAmount(r.amount, row.currency)} (transaction ${shortHex(r.txHash)}).` })
      onWithdrawn()
    } catch (error) {
      setStatus({ error })
    }
  }

  if (!rows.length) return <p class="muted">Nothing owed on any chain.</p>
  return (
    <>
      <div class="table-wrap">
        <table data-testid="owed">
          <thead>
            <tr>
              <th scope="col">Chain</th>
              <th scope="col">Currency</th>
              <th scope="col">Owed</th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.chainId}-${r.currency}`} data-currency={r.currency.toLowerCase()} data-amount={r.amount}>
                <td>
                  {r.chain} <span class="muted">({r.chainId})</span>
                </td>
                <td>{currencyName(r.currency)}</td>
                <td class="amount">{formatAmount(r.amount, r.currency)}</td>
                <td>
                  {BigInt(r.amount) > 0n ? (
                    <button
                      type="button"
                      class="button"
                      disabled={!mine || wallet?.chainId !== r.chainId || status.key !== undefined}
                      title={mine ? undefined : 'Connect this account’s wallet to withdraw'}
                      onClick={() => void withdraw(r)}
                    >
                      Withdraw
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div aria-live="polite">
        {status.key ? <p class="muted">Withdrawing…</p> : null}
        {status.done ? <p class="notice notice-ok">{status.done}</p> : null}
        {status.error ? <ErrorNotice error={status.error} title="Nothing was withdrawn" /> : null}
      </div>
      {!mine && rows.some((r) => BigInt(r.amount) > 0n) ? <p class="small muted">Only the account itself can withdraw: connect its wallet below.</p> : null}
      {firstChain ? <WalletPanel chain={firstChain} /> : null}
    </>
  )
}

function LicenceTable({ items, chains, empty, testid }: { items: LicenceItem[]; chains: ChainInfo[]; empty: string; testid: string }) {
  if (!items.length) return <p class="muted">{empty}</p>
  const chainName = (id: number) => chains.find((c) => c.chainId === id)?.name ?? `chain ${id}`
  return (
    <div class="table-wrap">
      <table data-testid={testid}>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col">Licences</th>
            <th scope="col">Paid</th>
            <th scope="col">Chain, block</th>
            <th scope="col">Token</th>
          </tr>
        </thead>
        <tbody>
          {items.map((l) => (
            <tr key={`${l.txHash}-${l.offerHash}`}>
              <td>{l.assetCid ? <a href={`/assets/${l.assetCid}`}>{shortCid(l.assetCid)}</a> : <span class="muted">unknown</span>}</td>
              <td>{l.quantity}</td>
              <td class="amount">{formatAmount(l.amount, l.currency)}</td>
              <td>
                {chainName(l.chainId)}, {l.blockNumber}
              </td>
              <td class="mono" title={l.tokenId}>
                {shortHex(l.tokenId)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
