import { useState } from 'preact/hooks'
import type { ChainInfo } from '../api/types.js'
import { setWallet, useWallet } from '../chain/wallet-store.js'
import { ErrorNotice } from './error-notice.js'

/**
 * Connect a wallet for one chain: the browser's (EIP-1193 `window.ethereum`), or on the local dev
 * chain the built-in dev wallet (the public test mnemonic's accounts; #9 by default, never the
 * operator #0 that sells). viem is loaded when a connection is asked for.
 */
export function WalletPanel({ chain, sellerAddress }: { chain: ChainInfo; sellerAddress?: string }) {
  const wallet = useWallet()
  const [devIndex, setDevIndex] = useState(wallet?.devIndex ?? 9)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const injected = typeof window !== 'undefined' && (window as { ethereum?: unknown }).ethereum !== undefined
  const devAvailable = chain.dev && chain.rpcUrl !== null

  async function connect(kind: 'injected' | 'dev', index = devIndex) {
    setBusy(true)
    setError(undefined)
    try {
      const w = await import('../chain/wallet.js')
      setWallet(kind === 'dev' ? await w.connectDevWallet(chain, index) : await w.connectInjectedWallet(chain))
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  const connectedHere = wallet && wallet.chainId === chain.chainId
  return (
    <section class="card wallet-panel" aria-labelledby="wallet-title">
      <h2 id="wallet-title">Wallet</h2>
      {wallet ? (
        <p data-testid="wallet-address">
          Connected: <span class="mono-wrap">{wallet.address}</span> ({wallet.kind === 'dev' ? `dev account #${wallet.devIndex}` : 'browser wallet'} on {wallet.chainName})
          {' '}
          <button type="button" class="link-button" onClick={() => setWallet(undefined)}>
            Disconnect
          </button>
        </p>
      ) : (
        <p class="muted">Not connected.</p>
      )}
      {wallet && !connectedHere ? <p class="notice">Your wallet is on {wallet.chainName}; this needs {chain.name}. Connect again.</p> : null}
      {wallet && sellerAddress && wallet.address.toLowerCase() === sellerAddress.toLowerCase() ? (
        <p class="notice">This is the seller’s own account: choose another to buy.</p>
      ) : null}
      <div class="wallet-actions">
        {injected ? (
          <button type="button" class="button" disabled={busy} onClick={() => void connect('injected')}>
            Connect browser wallet
          </button>
        ) : null}
        {devAvailable ? (
          <span class="dev-wallet">
            <label class="field-inline">
              <span>Dev account</span>
              <select
                value={String(devIndex)}
                onChange={(e) => {
                  const i = Number(e.currentTarget.value)
                  setDevIndex(i)
                  if (wallet?.kind === 'dev') void connect('dev', i)
                }}
              >
                {Array.from({ length: 10 }, (_, i) => (
                  <option key={i} value={String(i)}>
                    #{i}
                    {i === 0 ? ' (operator, sells)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" class="button" id="dev-wallet-button" disabled={busy} onClick={() => void connect('dev')}>
              Use the dev wallet
            </button>
          </span>
        ) : null}
      </div>
      {devAvailable ? <p class="small muted">The dev wallet signs in this page with the dev chain’s public test keys: play money, never use it elsewhere.</p> : null}
      {!injected && !devAvailable ? <p class="small">No browser wallet found. Install an EIP-1193 wallet (for example a browser extension) to buy on {chain.name}.</p> : null}
      {busy ? <p class="muted small">Connecting…</p> : null}
      {error ? <ErrorNotice error={error} title="The wallet could not connect" /> : null}
    </section>
  )
}
