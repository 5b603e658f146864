import { Fragment } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ApiError } from '../api/client.js'
import { bundleUrl, chainsCached, contentUrl, getAsset, getBundle, getLineage, getOffers } from '../api/endpoints.js'
import type { AssetRecord, ChainInfo, Lineage, Manifest, OfferDocument } from '../api/types.js'
import { VerdictBadge } from '../components/badge.js'
import { C2paSummary } from '../components/c2pa-summary.js'
import { ChecksList } from '../components/checks-list.js'
import { ErrorNotice } from '../components/error-notice.js'
import { LineageGraph, lineageGraph } from '../components/lineage-graph.js'
import { Loading } from '../components/loading.js'
import { SplitChart } from '../components/split-chart.js'
import { offerParts } from '../offer-parts.js'
import {
  actionInWords,
  formatAmount,
  formatBps,
  formatBytes,
  formatDate,
  isAiSource,
  mediaClass,
  relationInWords,
  shortCid,
  shortHex,
  sourceTypeInWords,
} from '../format.js'
import { licenceInWords } from '../licence.js'
import { navigate } from '../router.js'
import { safeHref } from '../safe-href.js'
import { useAsync } from '../use-async.js'
import type { RecordVerification } from '../verify/verify-record.js'

export function AssetPage({ cid }: { cid: string }) {
  const record = useAsync((signal) => getAsset(cid, signal), [cid])
  useEffect(() => {
    if (record.status === 'ok') document.title = `${record.value.statement?.asset.title ?? shortCid(cid)} · Mintmark`
  }, [record.status, cid])
  if (record.status === 'loading')
    return (
      <section>
        <h1 id="page-title" tabIndex={-1}>
          Asset
        </h1>
        <Loading height="24rem" />
      </section>
    )
  if (record.status === 'error')
    return (
      <section>
        <h1 id="page-title" tabIndex={-1}>
          Asset {shortCid(cid)}
        </h1>
        <ErrorNotice error={record.error} title="This asset could not be loaded" />
      </section>
    )
  return <AssetView record={record.value} />
}

function AssetView({ record }: { record: AssetRecord }) {
  const cid = record.asset.cid
  const s = record.statement
  return (
    <article class="asset" aria-labelledby="page-title">
      <header class="asset-head">
        <h1 id="page-title" tabIndex={-1}>
          {s?.asset.title ?? 'Untitled asset'}
        </h1>
        <p class="mono-wrap muted small">{cid}</p>
      </header>
      <div class="asset-top">
        <Preview record={record} />
        <div class="asset-side">
          {s ? <MadeBy statement={s} /> : null}
          <RecordCheck cid={cid} />
        </div>
      </div>
      {s?.asset.description ? (
        <section class="card">
          <h2>Description</h2>
          <p class="prewrap">{s.asset.description}</p>
        </section>
      ) : null}
      {s ? <HowMade statement={s} /> : null}
      {record.c2pa?.present ? (
        <section class="card" aria-labelledby="c2pa-title">
          <h2 id="c2pa-title">Content Credentials (C2PA) imported</h2>
          <C2paSummary c2pa={record.c2pa} />
        </section>
      ) : null}
      {s ? <Licence statement={s} /> : null}
      <Offers cid={cid} />
      <LineageSection cid={cid} statement={s} record={record} />
      {record.claims.length > 1 ? <Claims record={record} /> : null}
    </article>
  )
}

function Preview({ record }: { record: AssetRecord }) {
  const { cid, mediaType, size } = record.asset
  const dims = record.statement?.asset.dimensions
  const kind = mediaClass(mediaType)
  const alt = record.statement?.asset.title ?? 'The asset'
  let body
  if (!record.contentStored) body = <p class="muted">This server does not hold the content, only its record.</p>
  else if (kind === 'image') body = <img src={contentUrl(cid)} alt={alt} width={dims?.width ?? 800} height={dims?.height ?? 600} decoding="async" />
  else if (kind === 'video') body = <video src={contentUrl(cid)} controls preload="metadata" width={dims?.width ?? 800} height={dims?.height ?? 450} />
  else if (kind === 'audio') body = <audio src={contentUrl(cid)} controls preload="metadata" />
  else if (kind === 'text') body = <TextPreview cid={cid} size={size} />
  else body = <p class="muted">No preview for {mediaType}.</p>
  return (
    <figure class={`preview preview-${kind}`}>
      {body}
      <figcaption class="small muted">
        {mediaType}, {formatBytes(size)}
        {dims ? `, ${dims.width}×${dims.height}` : ''} ·{' '}
        {record.contentStored ? (
          <a href={contentUrl(cid)} download data-native>
            Download
          </a>
        ) : null}
      </figcaption>
    </figure>
  )
}

function TextPreview({ cid, size }: { cid: string; size: number }) {
  const text = useAsync(async (signal) => (size > 256 * 1024 ? null : (await fetch(contentUrl(cid), { signal })).text()), [cid])
  if (text.status === 'loading') return <Loading height="8rem" />
  if (text.status === 'error' || text.value === null) return <p class="muted">Too large to preview here; download it instead.</p>
  return <pre class="text-preview">{text.value.slice(0, 20_000)}</pre>
}

function MadeBy({ statement: s }: { statement: Manifest }) {
  const model = s.generation?.model
  return (
    <section class="card" aria-labelledby="made-by">
      <h2 id="made-by">Who made it</h2>
      <dl class="facts">
        <dt>Creator</dt>
        <dd>
          <a class="mono-wrap" href={`/dashboard?did=${encodeURIComponent(s.creator)}`}>
            {s.creator}
          </a>
        </dd>
        <dt>Registered</dt>
        <dd>{formatDate(s.createdAt)}</dd>
        <dt>Made how</dt>
        <dd>
          {sourceTypeInWords(s.digitalSourceType)}
          {isAiSource(s.digitalSourceType) ? <span class="tag tag-ai">AI</span> : null}
        </dd>
        {model ? (
          <>
            <dt>Model</dt>
            <dd>
              {model.name} <span class="muted">version</span> {model.version}
              {model.provider ? <span class="muted"> by {model.provider}</span> : null}
            </dd>
            {model.weightsHash ? (
              <>
                <dt>Model weights</dt>
                <dd class="mono-wrap">{model.weightsHash.startsWith('baf') ? <a href={`/assets/${model.weightsHash}`}>{model.weightsHash}</a> : model.weightsHash}</dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
    </section>
  )
}

function HowMade({ statement: s }: { statement: Manifest }) {
  const g = s.generation
  const human = s.edits.filter((e) => e.actor === 'human').length
  const ai = s.edits.filter((e) => e.actor === 'ai').length
  return (
    <section class="card" aria-labelledby="how-made">
      <h2 id="how-made">How it was made</h2>
      <h3>Prompt</h3>
      {g?.prompt ? (
        <blockquote class="prompt prewrap">{g.prompt}</blockquote>
      ) : (
        <p class="muted">{g?.promptHash ? 'Not disclosed: the record holds only a fingerprint (hash) of the prompt.' : 'No prompt recorded.'}</p>
      )}
      {g?.softwareAgent ? (
        <p>
          Software: {g.softwareAgent.name} {g.softwareAgent.version}
        </p>
      ) : null}
      {g?.seed !== undefined ? <p>Seed: {String(g.seed)}</p> : null}
      <h3>Training data</h3>
      {s.datasets.length ? (
        <ul class="plain-list">
          {s.datasets.map((d, i) => (
            <li key={i}>
              {'cid' in d ? <a href={`/assets/${d.cid}`}>{d.name ?? shortCid(d.cid)}</a> : <span>{d.name ?? d.id}</span>}
              {'id' in d && d.name ? <span class="muted"> ({d.id})</span> : null}
              {d.license ? <span class="muted">, licence {d.license}</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No datasets recorded.</p>
      )}
      <h3>Human and AI contributions</h3>
      <p>
        {sourceTypeInWords(s.digitalSourceType)}.{' '}
        {s.edits.length ? `${human} edit${human === 1 ? '' : 's'} by people, ${ai} by AI.` : 'No later edits recorded.'}
      </p>
      {s.edits.length ? (
        <ul class="edits">
          {s.edits.map((e, i) => (
            <li key={i} data-actor={e.actor}>
              <span class={`tag ${e.actor === 'ai' ? 'tag-ai' : 'tag-human'}`}>{e.actor === 'ai' ? 'AI' : 'Human'}</span> {actionInWords(e.action)}
              {e.softwareAgent ? ` with ${e.softwareAgent.name} ${e.softwareAgent.version}` : ''}
              {e.when ? <span class="muted">, {formatDate(e.when)}</span> : null}
              {e.description ? <span class="prewrap">: {e.description}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  )
}

function Licence({ statement: s }: { statement: Manifest }) {
  const view = licenceInWords(s.rights)
  const href = view.url ? safeHref(view.url) : undefined
  return (
    <section class="card" aria-labelledby="licence-title">
      <h2 id="licence-title">Licence</h2>
      <p>
        <strong>{view.name}</strong>: {view.summary}
      </p>
      {view.facts.length ? (
        <dl class="facts">
          {view.facts.map((f) => (
            <Fragment key={f.label}>
              <dt>{f.label}</dt>
              <dd>{f.value}</dd>
            </Fragment>
          ))}
        </dl>
      ) : null}
      {href ? (
        <p>
          <a href={href} rel="noopener noreferrer" target="_blank">
            Full licence text
          </a>
        </p>
      ) : view.url ? (
        <p class="small muted mono-wrap">Terms at (not linked: not a web address): {view.url}</p>
      ) : null}
      <SplitChart
        caption="Royalty split the creator declared"
        currency="0x0000000000000000000000000000000000000000"
        parts={s.rights.royalties.map((r) => ({ account: r.payee, bps: r.bps }))}
      />
    </section>
  )
}

function RecordCheck({ cid }: { cid: string }) {
  const result = useAsync(
    async (signal) => {
      const bundle = await getBundle(cid, signal)
      const { verifyRecord } = await import('../verify/verify-record.js')
      const v = await verifyRecord({ bundle, source: 'server', signal })
      // Chain names only when there are anchors to name.
      const chains = v.bundle?.anchors.length ? await chainsCached().catch(() => [] as ChainInfo[]) : []
      return { v, chains }
    },
    [cid],
  )
  return (
    <section class="card record-card" aria-labelledby="record-title">
      <h2 id="record-title">Record</h2>
      {result.status === 'loading' ? <Loading label="Verifying the record in your browser…" height="5rem" /> : null}
      {result.status === 'error' ? <ErrorNotice error={result.error} title="The record could not be checked" /> : null}
      {result.status === 'ok' ? <RecordSummary cid={cid} v={result.value.v} chains={result.value.chains} /> : null}
    </section>
  )
}

function RecordSummary({ cid, v, chains }: { cid: string; v: RecordVerification; chains: ChainInfo[] }) {
  const anchors = v.bundle?.anchors ?? []
  const chainName = (id: number) => chains.find((c) => c.chainId === id)?.name ?? `chain ${id}`
  return (
    <div data-record-verdict={v.verdict}>
      <p>
        <VerdictBadge verdict={v.verdict} /> <span class="muted small">checked in this browser</span>
      </p>
      <dl class="facts">
        <dt>Log entry</dt>
        <dd>#{v.logIndex}</dd>
        {v.log ? (
          <>
            <dt>Proven at</dt>
            <dd>log size {v.log.treeSize}</dd>
          </>
        ) : null}
      </dl>
      <h3>Anchors</h3>
      {anchors.length ? (
        <div class="table-wrap">
          <table class="anchors">
            <thead>
              <tr>
                <th scope="col">Chain</th>
                <th scope="col">Block</th>
                <th scope="col">Log size</th>
                <th scope="col">Transaction</th>
              </tr>
            </thead>
            <tbody>
              {anchors.map((a) => (
                <tr key={`${a.chainId}-${a.treeSize}`} data-chain={a.chainId}>
                  <td>
                    {chainName(a.chainId)} <span class="muted">({a.chainId})</span>
                  </td>
                  <td data-testid="anchor-block">{a.blockNumber}</td>
                  <td>{a.treeSize}</td>
                  <td class="mono" title={a.txHash}>
                    {shortHex(a.txHash)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted small">Not anchored on a chain yet: the record rests on the log’s signatures alone.</p>
      )}
      <details>
        <summary>What was checked</summary>
        <ChecksList checks={v.checks} />
      </details>
      <p class="small">
        <a href={`/verify?cid=${encodeURIComponent(cid)}`}>Check a copy of this file</a> ·{' '}
        <a href={bundleUrl(cid)} download={`${cid}.bundle.json`} data-native>
          Provenance bundle
        </a>
      </p>
    </div>
  )
}

function Offers({ cid }: { cid: string }) {
  const offers = useAsync(async (signal) => {
    const list = await getOffers(cid, signal)
    return { list, chains: list.length ? await chainsCached().catch(() => [] as ChainInfo[]) : [] }
  }, [cid])
  return (
    <section class="card" aria-labelledby="offers-title">
      <h2 id="offers-title">Licences for sale</h2>
      {offers.status === 'loading' ? <Loading height="4rem" /> : null}
      {offers.status === 'error' ? (
        offers.error instanceof ApiError && offers.error.code === 'ROUTE_NOT_FOUND' ? (
          <p class="muted">This server does not list offers.</p>
        ) : (
          <ErrorNotice error={offers.error} title="Offers could not be loaded" />
        )
      ) : null}
      {offers.status === 'ok' && !offers.value.list.length ? <p class="muted">No licence offers for this asset.</p> : null}
      {offers.status === 'ok' && offers.value.list.length ? (
        <ul class="offer-list">
          {offers.value.list.map((o) => (
            <OfferCard key={o.offerHash} offer={o} chains={offers.value.chains} />
          ))}
        </ul>
      ) : null}
    </section>
  )
}

function OfferCard({ offer: o, chains }: { offer: OfferDocument; chains: ChainInfo[] }) {
  const expiry = Number(o.offer.expiry) * 1000
  const expired = expiry < Date.now()
  const chain = chains.find((c) => c.chainId === o.chainId)
  return (
    <li class="offer" data-offer={o.offerHash}>
      <p class="offer-price">
        {formatAmount(o.offer.price, o.offer.currency)} <span class="muted small">per licence</span>
      </p>
      <p class="small">
        On {chain?.name ?? `chain ${o.chainId}`} · {expired ? <span class="tag tag-bad">expired</span> : `valid until ${formatDate(expiry)}`}
        {o.offer.maxSupply < 0xffff_ffff ? ` · at most ${o.offer.maxSupply} licences` : ''}
      </p>
      <SplitChart caption="Where each payment goes" currency={o.offer.currency} parts={offerParts(o)} />
      {o.requiredShares.length ? (
        <p class="small muted">
          “Upstream” payees are owed a share because this asset was made from their work (parents, training data or model); the contract enforces it.
        </p>
      ) : null}
      {o.derivativeShares.length ? (
        <p class="small">
          Anything made from this asset must pay {o.derivativeShares.map((d) => `${formatBps(d.bps)} to ${shortHex(d.account)}`).join(', ')}.
        </p>
      ) : null}
      <p>
        <a class="button" href={`/assets/${o.assetCid}/buy/${o.offerHash}`} aria-disabled={expired ? 'true' : undefined}>
          Buy a licence
        </a>
      </p>
    </li>
  )
}

function LineageSection({ cid, statement, record }: { cid: string; statement: Manifest | undefined; record: AssetRecord }) {
  const lineage = useAsync(async (signal) => {
    const l = await getLineage(cid, 3, signal)
    return { lineage: l, titles: await titlesOf([...l.ancestors, ...l.descendants].map((n) => n.cid), signal) }
  }, [cid])
  const graph = useMemo(() => (lineage.status === 'ok' ? lineageGraph(cid, lineage.value.lineage, statement, lineage.value.titles) : undefined), [lineage.status, cid])
  const [show, setShow] = useState(true)
  return (
    <section class="card" aria-labelledby="lineage-title">
      <h2 id="lineage-title">Lineage</h2>
      <p class="muted small">What this asset was made from, and what was made from it. Drag to pan, scroll or pinch to zoom, click a node to open it.</p>
      {lineage.status === 'loading' ? <Loading height="22rem" /> : null}
      {lineage.status === 'error' ? <ErrorNotice error={lineage.error} title="The lineage could not be loaded" /> : null}
      {graph && show ? <LineageGraph graph={graph} onOpen={(c) => navigate(`/assets/${c}`)} /> : null}
      {graph ? (
        <button type="button" class="link-button small" onClick={() => setShow(!show)}>
          {show ? 'Hide the graph' : 'Show the graph'}
        </button>
      ) : null}
      <LineageLists
        cid={cid}
        record={record}
        lineage={lineage.status === 'ok' ? lineage.value.lineage : undefined}
        titles={lineage.status === 'ok' ? lineage.value.titles : new Map()}
        statement={statement}
      />
    </section>
  )
}

/** Titles of the assets in a lineage (at most 60 looked up), for labels; a failed lookup keeps the CID. */
async function titlesOf(cids: string[], signal: AbortSignal): Promise<Map<string, string>> {
  const unique = [...new Set(cids)].slice(0, 60)
  const found = await Promise.allSettled(unique.map((c) => getAsset(c, signal)))
  const titles = new Map<string, string>()
  found.forEach((r, i) => {
    const title = r.status === 'fulfilled' ? r.value.statement?.asset.title : undefined
    if (title) titles.set(unique[i] as string, title)
  })
  return titles
}

/** The graph's links as lists: the keyboard and screen-reader way through the lineage. */
function LineageLists({ record, lineage, titles, statement }: { cid: string; record: AssetRecord; lineage: Lineage | undefined; titles: Map<string, string>; statement: Manifest | undefined }) {
  const parents = record.lineage.parents
  const children = record.lineage.children
  const deeper = (lineage?.ancestors.length ?? 0) - parents.length + (lineage?.descendants.length ?? 0) - children.length
  return (
    <div class="lineage-lists">
      <div>
        <h3>Made from</h3>
        {parents.length || statement?.generation || statement?.datasets.length ? (
          <ul class="plain-list" data-testid="parents">
            {parents.map((p) => (
              <li key={p.cid}>
                {relationInWords(p.relation)} <a href={`/assets/${p.cid}`}>{statement?.parents.find((x) => x.cid === p.cid)?.title ?? shortCid(p.cid)}</a>
              </li>
            ))}
            {statement?.generation ? (
              <li>
                generated by model {statement.generation.model.name} {statement.generation.model.version}
              </li>
            ) : null}
            {statement?.datasets.map((d, i) => (
              <li key={i}>trained on {'cid' in d ? <a href={`/assets/${d.cid}`}>{d.name ?? shortCid(d.cid)}</a> : (d.name ?? d.id)}</li>
            ))}
          </ul>
        ) : (
          <p class="muted small">Nothing recorded: an original.</p>
        )}
      </div>
      <div>
        <h3>Made from it</h3>
        {children.length ? (
          <ul class="plain-list" data-testid="children">
            {children.map((c) => (
              <li key={c.cid}>
                <a href={`/assets/${c.cid}`}>{titles.get(c.cid) ?? shortCid(c.cid)}</a> <span class="muted">({c.relation === 'parentOf' ? 'an edit of this' : c.relation === 'componentOf' ? 'contains this' : 'made with this'})</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted small">No registered derivatives yet.</p>
        )}
      </div>
      {deeper > 0 ? <p class="small muted">{deeper} more further up or down the lineage: open the graph’s nodes to follow them.</p> : null}
    </div>
  )
}

function Claims({ record }: { record: AssetRecord }) {
  return (
    <section class="card" aria-labelledby="claims-title">
      <h2 id="claims-title">Other claims on this content</h2>
      <p class="muted small">The first registration is the one shown above; later claims by others are listed for transparency.</p>
      <ul class="plain-list">
        {record.claims.slice(1).map((c) => (
          <li key={c.logIndex}>
            #{c.logIndex} by <span class="mono-wrap">{c.creator}</span>, {formatDate(c.createdAt)}
          </li>
        ))}
      </ul>
    </section>
  )
}
