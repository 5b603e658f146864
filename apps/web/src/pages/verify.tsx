import { useEffect, useRef, useState } from 'preact/hooks'
import { bundleUrl } from '../api/endpoints.js'
import type { C2paEvidence } from '../api/types.js'
import { VerdictBadge, verdictSentence } from '../components/badge.js'
import { C2paSummary } from '../components/c2pa-summary.js'
import { ChecksList } from '../components/checks-list.js'
import { DropZone } from '../components/drop-zone.js'
import { ErrorNotice } from '../components/error-notice.js'
import { Thumb } from '../components/thumb.js'
import { formatBytes, formatDate, shortCid, shortDid } from '../format.js'
import type { Location } from '../router.js'
import type { CandidateResult, FileVerification } from '../verify/verify-file.js'

type State =
  | { status: 'idle' }
  | { status: 'working'; stage: string; done: number; total: number }
  | { status: 'done'; result: FileVerification }
  | { status: 'error'; error: unknown }

/** A dropped file is a bundle when it says so (media type) or parses as one. */
async function readBundle(file: File): Promise<unknown | undefined> {
  if (!/\.json$/i.test(file.name) && !file.type.includes('json')) return undefined
  if (file.size > 4 * 1024 * 1024) return undefined
  try {
    const value = JSON.parse(await file.text()) as { mediaType?: unknown }
    return typeof value?.mediaType === 'string' && value.mediaType.startsWith('application/vnd.mintmark.bundle') ? value : undefined
  } catch {
    return undefined
  }
}

export function VerifyPage({ location }: { location: Location }) {
  const expectCid = location.search.get('cid') ?? undefined
  const [state, setState] = useState<State>({ status: 'idle' })
  const controller = useRef<AbortController | null>(null)
  useEffect(() => {
    // Fetch the verifier (core) while the reader chooses a file, after the page has rendered.
    const idle = (globalThis as { requestIdleCallback?: (f: () => void) => number }).requestIdleCallback ?? ((f: () => void) => setTimeout(f, 200))
    idle(() => void import('../verify/verify-file.js').catch(() => {}))
    return () => controller.current?.abort()
  }, [])

  async function onFiles(files: File[]) {
    controller.current?.abort()
    const c = new AbortController()
    controller.current = c
    let bundle: unknown
    let media: File | undefined
    for (const f of files) {
      const b = bundle === undefined ? await readBundle(f) : undefined
      if (b !== undefined) bundle = b
      else media ??= f
    }
    if (!media) {
      setState({ status: 'error', error: { code: 'NO_FILE', message: 'Drop the file to check (a provenance bundle alone is not enough: add the file it is about).' } })
      return
    }
    setState({ status: 'working', stage: 'Starting…', done: 0, total: media.size })
    try {
      const { verifyDroppedFile } = await import('../verify/verify-file.js')
      let stage = 'Starting…'
      const result = await verifyDroppedFile({
        file: media,
        bundle,
        expectCid,
        signal: c.signal,
        onStage: (s) => {
          stage = s
          setState({ status: 'working', stage: s, done: 0, total: media.size })
        },
        onProgress: (done, total) => setState({ status: 'working', stage, done, total }),
      })
      if (!c.signal.aborted) setState({ status: 'done', result })
    } catch (error) {
      if (!c.signal.aborted) setState({ status: 'error', error })
    }
  }

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Verify a file
      </h1>
      <p class="lead">
        Drop an image, audio, video or any file to see who made it, how, and whether its record is intact. Your file is hashed and the record is checked{' '}
        <strong>in this browser</strong>: the server only supplies data.
      </p>
      {expectCid ? (
        <p class="notice">
          Checking your file against the record of <a href={`/assets/${expectCid}`}>{shortCid(expectCid)}</a>.
        </p>
      ) : null}
      <DropZone
        multiple
        onFiles={(f) => void onFiles(f)}
        label="Drop a file here, or choose one"
        hint="Optionally add its provenance bundle (.json) to check the file against that record. Nothing is uploaded unless the file has no exact record, to look for similar registered files."
      />
      <div class="result-area" aria-live="polite">
        {state.status === 'working' ? <Progress stage={state.stage} done={state.done} total={state.total} /> : null}
        {state.status === 'error' ? <ErrorNotice error={state.error} title="The file could not be verified" /> : null}
        {state.status === 'done' ? <VerifyResult result={state.result} /> : null}
      </div>
    </section>
  )
}

function Progress({ stage, done, total }: { stage: string; done: number; total: number }) {
  return (
    <div class="progress-box" aria-busy="true">
      <p>{stage}</p>
      {total > 0 && done > 0 ? (
        <progress max={total} value={done}>
          {Math.round((done / total) * 100)}%
        </progress>
      ) : null}
    </div>
  )
}

function headline(r: FileVerification): string {
  const content = r.checks.find((c) => c.code === 'CONTENT_ADDRESS')
  if (r.verdict === 'verified') return 'This file is registered, and its record checks out.'
  if (r.verdict === 'failed' && content?.status === 'fail') return 'This file is not the registered file: its content was changed.'
  if (r.verdict === 'failed') return 'The record does not check out: do not rely on it.'
  if (r.candidates?.length) return `No record of this exact file, but ${r.candidates.length === 1 ? 'one registered file resembles it' : `${r.candidates.length} registered files resemble it`}.`
  return 'No record of this file on this server.'
}

export function VerifyResult({ result: r }: { result: FileVerification }) {
  const statement = r.record?.statement
  return (
    <div class="result" data-verdict={r.verdict}>
      <div class="verdict-row">
        <VerdictBadge verdict={r.verdict} large />
        <div>
          <p class="verdict-headline">{headline(r)}</p>
          <p class="muted">{verdictSentence(r.verdict)}</p>
        </div>
      </div>
      <dl class="facts">
        <dt>File</dt>
        <dd>
          {r.file.name} ({formatBytes(r.file.size)})
        </dd>
        <dt>Content address</dt>
        <dd class="mono-wrap" data-testid="file-cid">
          {r.file.cid}
        </dd>
        <dt>SHA-256</dt>
        <dd class="mono-wrap">{r.file.sha256}</dd>
      </dl>
      {r.record && statement ? (
        <div class="card">
          <h2>The record</h2>
          <dl class="facts">
            <dt>Title</dt>
            <dd>{statement.asset.title ?? 'Untitled'}</dd>
            <dt>Creator</dt>
            <dd class="mono-wrap">{statement.creator}</dd>
            <dt>Registered</dt>
            <dd>{formatDate(statement.createdAt)}</dd>
            <dt>Log entry</dt>
            <dd>#{r.record.logIndex}</dd>
          </dl>
          <p>
            <a href={`/assets/${statement.asset.cid}`}>Open the asset page</a> ·{' '}
            <a href={bundleUrl(statement.asset.cid)} download={`${statement.asset.cid}.bundle.json`} data-native>
              Download the provenance bundle
            </a>
          </p>
        </div>
      ) : null}
      <h2>What was checked</h2>
      <ChecksList checks={r.checks} />
      {r.candidateError ? <ErrorNotice error={r.candidateError} title="Similar files could not be looked up" /> : null}
      {r.candidates?.length ? <Candidates candidates={r.candidates} /> : null}
      {r.c2pa?.present ? <C2paBlock c2pa={r.c2pa} /> : null}
    </div>
  )
}

const evidenceWords = {
  c2pa: 'Its Content Credentials (C2PA) name this record',
  watermark: 'An invisible watermark in it names this record',
  fingerprint: 'It looks like this registered image (perceptual fingerprint)',
} as const

function Candidates({ candidates }: { candidates: CandidateResult[] }) {
  return (
    <section class="candidates" aria-labelledby="candidates-title">
      <h2 id="candidates-title">Candidates: similar registered files</h2>
      <p class="notice">
        These are <strong>leads, not verified matches</strong>: your file is not the registered content, so the records below say nothing certain about it. A re-encoded, resized or edited copy
        typically shows up here.
      </p>
      <ul class="candidate-list">
        {candidates.map((c) => (
          <li key={`${c.evidence}-${c.cid}`} class="candidate card" data-evidence={c.evidence} data-cid={c.cid}>
            <a href={`/assets/${c.cid}`} class="candidate-thumb" aria-label={`Candidate ${shortCid(c.cid)}`}>
              <Thumb cid={c.cid} mediaType={c.browser.statement?.asset.mediaType ?? 'application/octet-stream'} alt="" />
            </a>
            <div>
              <p class="candidate-label">
                <span class="tag">Candidate</span> {evidenceWords[c.evidence]}
              </p>
              <p>
                <a href={`/assets/${c.cid}`}>{c.browser.statement?.asset.title ?? shortCid(c.cid)}</a>{' '}
                {c.browser.statement ? <span class="muted">by {shortDid(c.browser.statement.creator)}</span> : null}
              </p>
              {c.distance !== undefined ? <p class="small">{c.distance} of 256 fingerprint bits differ (31 or fewer counts as similar).</p> : null}
              {c.bitAccuracy !== undefined ? <p class="small">Watermark read with {(c.bitAccuracy * 100).toFixed(1)}% of its bits right.</p> : null}
              <p class="small">
                Its own record: <VerdictBadge verdict={c.browser.verdict} /> (checked in this browser)
              </p>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}

function C2paBlock({ c2pa }: { c2pa: C2paEvidence }) {
  return (
    <section class="card">
      <h2>Content Credentials in the file</h2>
      <C2paSummary c2pa={c2pa} />
    </section>
  )
}
