import { useEffect } from 'preact/hooks'
import { useWallet } from './chain/wallet-store.js'
import { shortHex } from './format.js'
import { lazyPage } from './lazy.js'
import { VerifyPage } from './pages/verify.js'
import { type Location, hasNavigated, useLocation } from './router.js'

// The landing page (Verify) is in the first load; every other page is its own chunk.
const AssetPage = lazyPage(() => import('./pages/asset.js').then((m) => m.AssetPage), 'Asset')
const BuyPage = lazyPage(() => import('./pages/buy.js').then((m) => m.BuyPage), 'Buy a licence')
const SearchPage = lazyPage(() => import('./pages/search.js').then((m) => m.SearchPage), 'Search')
const DashboardPage = lazyPage(() => import('./pages/dashboard.js').then((m) => m.DashboardPage), 'Creator dashboard')
const LogPage = lazyPage(() => import('./pages/log.js').then((m) => m.LogPage), 'Transparency log')

const cidPart = '(baf[a-z2-7]{20,200})'

type Route = { re: RegExp; title: string; nav?: string; render: (m: RegExpMatchArray, loc: Location) => preact.ComponentChild }

const routes: Route[] = [
  { re: /^\/(?:verify)?$/, title: 'Verify a file', nav: '/verify', render: (_m, loc) => <VerifyPage location={loc} /> },
  { re: new RegExp(`^/assets/${cidPart}/buy/(0x[0-9a-fA-F]{64})$`), title: 'Buy a licence', render: (m) => <BuyPage cid={m[1] as string} offerHash={m[2] as string} /> },
  { re: new RegExp(`^/assets/${cidPart}$`), title: 'Asset', render: (m) => <AssetPage cid={m[1] as string} /> },
  { re: /^\/search$/, title: 'Search', nav: '/search', render: (_m, loc) => <SearchPage location={loc} /> },
  { re: /^\/dashboard$/, title: 'Creator dashboard', nav: '/dashboard', render: (_m, loc) => <DashboardPage location={loc} /> },
  { re: /^\/log$/, title: 'Transparency log', nav: '/log', render: () => <LogPage /> },
]

const nav = [
  { href: '/verify', label: 'Verify' },
  { href: '/search', label: 'Search' },
  { href: '/dashboard', label: 'Dashboard' },
  { href: '/log', label: 'Log' },
]

export function App() {
  const loc = useLocation()
  const wallet = useWallet()
  const match = routes.map((r) => ({ r, m: loc.path.match(r.re) })).find((x) => x.m)
  const active = match?.r.nav ?? (loc.path.startsWith('/assets/') ? undefined : '')

  useEffect(() => {
    document.title = `${match?.r.title ?? 'Not found'} · Mintmark`
    // After a navigation (not on first load), move focus to the new page's heading so keyboard
    // and screen-reader users land on it.
    if (hasNavigated()) document.getElementById('page-title')?.focus({ preventScroll: true })
  }, [loc.path])

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <a class="brand" href="/verify">
          Mintmark
        </a>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={active === n.href || (n.href === '/verify' && loc.path === '/') ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="wallet-chip" aria-live="polite">
          {wallet ? `${wallet.kind === 'dev' ? 'Dev' : 'Wallet'} ${shortHex(wallet.address)}` : ''}
        </span>
      </header>
      <main id="main">
        {match ? (
          match.r.render(match.m as RegExpMatchArray, loc)
        ) : (
          <section>
            <h1 id="page-title" tabIndex={-1}>
              Page not found
            </h1>
            <p>
              There is no page at this address. <a href="/verify">Verify a file</a> or <a href="/search">search</a> the registered assets.
            </p>
          </section>
        )}
      </main>
      <footer class="site-footer">
        <p class="small muted">
          Records are verified in your browser. <a href="/docs" data-native>API reference</a>
        </p>
      </footer>
    </>
  )
}
