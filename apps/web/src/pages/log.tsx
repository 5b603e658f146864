import { useState } from 'preact/hooks'
import { getChains, getLatestCheckpoint } from '../api/endpoints.js'
import type { ChainInfo, Checkpoint } from '../api/types.js'
import { ErrorNotice } from '../components/error-notice.js'
import { Loading } from '../components/loading.js'
import { formatDate } from '../format.js'
import { useAsync } from '../use-async.js'
import type { ConsistencyResult, SignedHead } from '../verify/log-checks.js'

// The log's public state: the latest signed checkpoint, its anchors per chain, and consistency
// proofs checked in the browser (the page acts as a small witness: it remembers the last
// checkpoint it saw and checks the log only grew since).

const memoryKey = (logKey: string) => `mintmark:checkpoint:${logKey}`

function remembered(logKey: string): (SignedHead & { at: string }) | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(memoryKey(logKey)) ?? 'null') as (SignedHead & { at: string }) | null
    return v && Number.isSafeInteger(v.size) && /^[0-9a-f]{64}$/.test(v.rootHash) ? v : undefined
  } catch {
    return undefined
  }
}

export function LogPage() {
  const state = useAsync(async (signal) => {
    const latest = await getLatestCheckpoint(signal)
    const { verifyCheckpoint, checkConsistency } = await import('../verify/log-checks.js')
    const verified = verifyCheckpoint(latest)
    let sinceLast: (ConsistencyResult & { at: string }) | undefined
    if (verified.ok) {
      const before = remembered(latest.logKey)
      if (before && before.size <= verified.head.size) {
        const r = await checkConsistency({ ...before, source: 'your last visit' }, { ...verified.head, source: 'the signed checkpoint' }, signal).catch(() => undefined)
        if (r) sinceLast = { ...r, at: before.at }
      }
      // Remember only a checkpoint that verified, and never replace a good memory by a forked one.
      if (!sinceLast || sinceLast.ok) localStorage.setItem(memoryKey(latest.logKey), JSON.stringify({ ...verified.head, at: new Date().toISOString() }))
    }
    return { latest, verified, sinceLast }
  }, [])
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Transparency log
      </h1>
      <p class="lead">Every record is appended to a public, append-only log. Its state is signed (checkpoints) and anchored on blockchains; anyone can check it only ever grows.</p>
      {state.status === 'loading' ? <Loading height="14rem" /> : null}
      {state.status === 'error' ? <ErrorNotice error={state.error} title="The log could not be loaded" /> : null}
      {state.status === 'ok' ? (
        <>
          <LatestCheckpoint latest={state.value.latest} verified={state.value.verified} sinceLast={state.value.sinceLast} />
          {state.value.verified.ok ? <Anchors latest={state.value.latest} head={state.value.verified.head} /> : null}
          <ConsistencyForm latest={state.value.latest} head={state.value.verified.ok ? state.value.verified.head : undefined} />
        </>
      ) : null}
    </section>
  )
}

function LatestCheckpoint({ latest, verified, sinceLast }: { latest: Checkpoint; verified: { ok: true; head: SignedHead } | { ok: false; error: string }; sinceLast: (ConsistencyResult & { at: string }) | undefined }) {
  return (
    <section class="card" aria-labelledby="checkpoint-title">
      <h2 id="checkpoint-title">Latest checkpoint</h2>
      <dl class="facts">
        <dt>Log</dt>
        <dd>{latest.origin}</dd>
        <dt>Tree size</dt>
        <dd data-testid="tree-size">{latest.size}</dd>
        <dt>Root hash</dt>
        <dd class="mono-wrap">{latest.rootHash}</dd>
        <dt>Signed</dt>
        <dd>{formatDate(latest.createdAt)}</dd>
        <dt>Signature</dt>
        <dd data-testid="checkpoint-signature">{verified.ok ? '✓ Verified in this browser with the log key' : `✗ Does not verify: ${verified.error}`}</dd>
      </dl>
      {sinceLast ? (
        <p class={`notice ${sinceLast.ok ? 'notice-ok' : 'notice-error'}`}>
          {sinceLast.ok
            ? `Since your last visit (${formatDate(sinceLast.at)}, size ${sinceLast.oldSize}) the log only grew: checked with a consistency proof in this browser.`
            : `Warning: the log is not consistent with the checkpoint you saw on ${formatDate(sinceLast.at)} (size ${sinceLast.oldSize}). ${sinceLast.detail}`}
        </p>
      ) : null}
      <details>
        <summary>The signed note (C2SP checkpoint)</summary>
        <pre class="note">{latest.note}</pre>
        <p class="small muted mono-wrap">Log key: {latest.logKey}</p>
      </details>
    </section>
  )
}

function Anchors({ latest, head }: { latest: Checkpoint; head: SignedHead }) {
  const chains = useAsync((signal) => getChains(signal), [])
  return (
    <section class="card" aria-labelledby="anchors-title">
      <h2 id="anchors-title">Anchors per chain</h2>
      {chains.status === 'loading' ? <Loading height="5rem" /> : null}
      {chains.status === 'error' ? <ErrorNotice error={chains.error} title="The chains could not be listed" /> : null}
      {chains.status === 'ok' ? (
        chains.value.length ? (
          <ul class="plain-list">
            {chains.value.map((c) => (
              <ChainAnchor key={c.chainId} chain={c} latest={latest} head={head} />
            ))}
          </ul>
        ) : (
          <p class="muted">This log is not anchored on any chain.</p>
        )
      ) : null}
    </section>
  )
}

function ChainAnchor({ chain, latest, head }: { chain: ChainInfo; latest: Checkpoint; head: SignedHead }) {
  const anchor = useAsync(
    async (signal) => {
      const { readClientFor, latestAnchor } = await import('../verify/anchors.js')
      const reader = await readClientFor(chain.chainId, [chain])
      if (!reader) return { readable: false as const }
      const a = await latestAnchor(reader.client, chain.contracts.anchor, latest.logKey)
      if (!a) return { readable: true as const, anchor: null }
      const { checkConsistency } = await import('../verify/log-checks.js')
      const consistent =
        a.treeSize <= head.size ? await checkConsistency({ size: a.treeSize, rootHash: a.rootHash, source: `${chain.name}` }, { ...head, source: 'the signed checkpoint' }, signal) : undefined
      return { readable: true as const, anchor: a, consistent, via: reader.via }
    },
    [chain.chainId, head.size],
  )
  return (
    <li class="chain-anchor" data-chain={chain.chainId}>
      <p>
        <strong>{chain.name}</strong> <span class="muted">(chain id {chain.chainId}{chain.dev ? ', local dev chain' : ''})</span>
      </p>
      {anchor.status === 'loading' ? <p class="muted small">Reading the chain…</p> : null}
      {anchor.status === 'error' ? <ErrorNotice error={anchor.error} title="The chain could not be read" /> : null}
      {anchor.status === 'ok' && !anchor.value.readable ? <p class="small muted">No public node for this chain here; connect a wallet on it to read its anchor.</p> : null}
      {anchor.status === 'ok' && anchor.value.readable && !anchor.value.anchor ? <p class="small">Not anchored on this chain yet.</p> : null}
      {anchor.status === 'ok' && anchor.value.readable && anchor.value.anchor ? (
        <dl class="facts">
          <dt>Anchored size</dt>
          <dd data-testid={`anchored-size-${chain.chainId}`}>{anchor.value.anchor.treeSize}</dd>
          <dt>Block</dt>
          <dd>{anchor.value.anchor.blockNumber}</dd>
          <dt>At</dt>
          <dd>{formatDate(anchor.value.anchor.timestamp * 1000)}</dd>
          <dt>Root</dt>
          <dd class="mono-wrap">{anchor.value.anchor.rootHash}</dd>
          {anchor.value.consistent ? (
            <>
              <dt>Consistent</dt>
              <dd>{anchor.value.consistent.ok ? `✓ The latest checkpoint extends this anchor (${anchor.value.consistent.detail})` : `✗ ${anchor.value.consistent.detail}`}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
    </li>
  )
}

function ConsistencyForm({ latest, head }: { latest: Checkpoint; head: SignedHead | undefined }) {
  const [from, setFrom] = useState(String(Math.max(1, Math.floor(latest.size / 2))))
  const [to, setTo] = useState(String(latest.size))
  const [state, setState] = useState<{ busy: boolean; result?: ConsistencyResult; error?: unknown }>({ busy: false })
  async function run(e: Event) {
    e.preventDefault()
    setState({ busy: true })
    try {
      const { checkConsistency } = await import('../verify/log-checks.js')
      const toSize = Number(to)
      // The latest size's root is known from the signed checkpoint; any other comes from the server.
      const known = head && toSize === head.size ? { ...head, source: 'the signed checkpoint' } : { size: toSize }
      setState({ busy: false, result: await checkConsistency({ size: Number(from) }, known) })
    } catch (error) {
      setState({ busy: false, error })
    }
  }
  return (
    <section class="card" aria-labelledby="consistency-title">
      <h2 id="consistency-title">Check consistency between two sizes</h2>
      <p class="muted small">Proves the log at the larger size still contains the log at the smaller size, unchanged. The proof is checked in this browser.</p>
      <form class="form-grid" onSubmit={(e) => void run(e)}>
        <label class="field">
          <span>From size</span>
          <input type="number" name="from" min={1} value={from} onInput={(e) => setFrom(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span>To size</span>
          <input type="number" name="to" min={1} value={to} onInput={(e) => setTo(e.currentTarget.value)} required />
        </label>
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={state.busy}>
            Check
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {state.result ? (
          <div class={`notice ${state.result.ok ? 'notice-ok' : 'notice-error'}`} data-testid="consistency-result" data-ok={String(state.result.ok)}>
            <p class="notice-title">{state.result.ok ? '✓ Consistent' : '✗ Not consistent'}</p>
            <p>{state.result.detail}</p>
            <p class="small muted">Compared: {state.result.basis}.</p>
          </div>
        ) : null}
        {state.error ? <ErrorNotice error={state.error} title="The check could not run" /> : null}
      </div>
    </section>
  )
}
