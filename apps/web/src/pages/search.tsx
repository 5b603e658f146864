import { useEffect, useState } from 'preact/hooks'
import { search } from '../api/endpoints.js'
import type { SearchHit } from '../api/types.js'
import { ErrorNotice } from '../components/error-notice.js'
import { Loading } from '../components/loading.js'
import { Thumb } from '../components/thumb.js'
import { formatAmount, formatBps, shortCid, sourceTypeInWords } from '../format.js'
import { type Location, navigate } from '../router.js'
import { useAsync } from '../use-async.js'

// The API's search filters (GET /v1/search) as a form; the URL holds the query, so every search
// is a link. Values go to the API as typed; the server validates and answers with coded problems.

type Field = { name: string; label: string; kind: 'text' | 'number' | 'date' | 'select'; options?: [string, string][]; placeholder?: string; group: string }

const any: [string, string] = ['', 'Any']
const yesNo: [string, string][] = [any, ['true', 'Yes'], ['false', 'No']]
const sourceTypes = [
  'trainedAlgorithmicMedia',
  'compositeWithTrainedAlgorithmicMedia',
  'algorithmicMedia',
  'digitalCapture',
  'digitalCreation',
  'humanEdits',
  'composite',
  'compositeSynthetic',
  'dataDrivenMedia',
]

const fields: Field[] = [
  { name: 'mediaType', label: 'Media type', kind: 'select', options: [any, ['image', 'Images'], ['audio', 'Audio'], ['video', 'Video'], ['text', 'Text'], ['application', 'Other files']], group: 'What' },
  { name: 'source', label: 'Made by', kind: 'select', options: [any, ['ai', 'AI'], ['human', 'People'], ['composite', 'Both (composite)']], group: 'What' },
  { name: 'sourceType', label: 'Source type (IPTC)', kind: 'select', options: [any, ...sourceTypes.map((t): [string, string] => [t, sourceTypeInWords(t)])], group: 'What' },
  { name: 'model', label: 'Model name', kind: 'text', placeholder: 'e.g. sdxl', group: 'What' },
  { name: 'creator', label: 'Creator DID', kind: 'text', placeholder: 'did:key:…', group: 'What' },
  { name: 'hasParents', label: 'Derived from other assets', kind: 'select', options: yesNo, group: 'What' },
  { name: 'minWidth', label: 'Min. width (px)', kind: 'number', group: 'What' },
  { name: 'minHeight', label: 'Min. height (px)', kind: 'number', group: 'What' },
  { name: 'createdAfter', label: 'Registered after', kind: 'date', group: 'What' },
  { name: 'createdBefore', label: 'Registered before', kind: 'date', group: 'What' },
  { name: 'license', label: 'Licence (SPDX id or custom)', kind: 'text', placeholder: 'CC-BY-4.0', group: 'Rights' },
  { name: 'commercialUse', label: 'Commercial use allowed', kind: 'select', options: yesNo, group: 'Rights' },
  { name: 'derivatives', label: 'Adaptations allowed', kind: 'select', options: yesNo, group: 'Rights' },
  { name: 'aiTraining', label: 'AI training', kind: 'select', options: [any, ['allowed', 'Allowed'], ['notAllowed', 'Not allowed'], ['constrained', 'With conditions']], group: 'Rights' },
  { name: 'minPrice', label: 'Min. price (wei)', kind: 'number', group: 'Price' },
  { name: 'maxPrice', label: 'Max. price (wei)', kind: 'number', group: 'Price' },
  { name: 'currency', label: 'Currency (0x…)', kind: 'text', group: 'Price' },
  { name: 'chainId', label: 'Chain id', kind: 'number', group: 'Price' },
  { name: 'maxRoyaltyBps', label: 'Max. royalty (bps)', kind: 'number', group: 'Price' },
  { name: 'hasAnchor', label: 'Anchored on a chain', kind: 'select', options: yesNo, group: 'Price' },
  { name: 'sort', label: 'Sort', kind: 'select', options: [['', 'Best first'], ['created', 'Newest first'], ['created-asc', 'Oldest first'], ['relevance', 'Relevance (with words)']], group: 'Sort' },
]

const apiNames = new Set(['q', ...fields.map((f) => f.name)])

function apiParams(search: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams()
  for (const [k, v] of search) if (apiNames.has(k) && v !== '') out.set(k, v)
  out.set('limit', '24')
  return out
}

/** A date input's value as the API's ISO time (start of that day, UTC), and back. */
const toIso = (date: string) => (date ? `${date}T00:00:00Z` : '')
const fromIso = (iso: string | null) => (iso ? iso.slice(0, 10) : '')

export function SearchPage({ location }: { location: Location }) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(location.search))
  useEffect(() => setValues(Object.fromEntries(location.search)), [location.href])
  const params = apiParams(location.search)
  const key = params.toString()
  const first = useAsync((signal) => search(params, signal), [key])
  const [more, setMore] = useState<{ items: SearchHit[]; cursor: string | null; error?: unknown; busy: boolean }>({ items: [], cursor: null, busy: false })
  useEffect(() => setMore({ items: [], cursor: first.status === 'ok' ? first.value.nextCursor : null, busy: false }), [first.status, key])

  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }))
  const submit = (e: Event) => {
    e.preventDefault()
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(values)) if (apiNames.has(k) && v.trim() !== '') q.set(k, v.trim())
    navigate(`/search${q.size ? `?${q.toString()}` : ''}`)
  }
  async function loadMore() {
    if (!more.cursor) return
    setMore((m) => ({ ...m, busy: true }))
    try {
      const p = apiParams(location.search)
      p.set('cursor', more.cursor)
      const page = await search(p)
      setMore((m) => ({ items: [...m.items, ...page.items], cursor: page.nextCursor, busy: false }))
    } catch (error) {
      setMore((m) => ({ ...m, error, busy: false }))
    }
  }

  const groups = [...new Set(fields.map((f) => f.group))]
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Search
      </h1>
      <form class="search-form card" onSubmit={submit} role="search">
        <label class="field field-wide">
          <span>Words in the title, description or disclosed prompt</span>
          <input type="search" name="q" value={values.q ?? ''} onInput={(e) => set('q', e.currentTarget.value)} placeholder="e.g. red fox" />
        </label>
        <details open={fields.some((f) => location.search.has(f.name) && f.name !== 'sort')}>
          <summary>Filters</summary>
          {groups.map((g) => (
            <fieldset key={g} class="form-grid">
              <legend>{g}</legend>
              {fields
                .filter((f) => f.group === g)
                .map((f) => (
                  <FieldInput key={f.name} field={f} value={values[f.name] ?? ''} onChange={(v) => set(f.name, v)} />
                ))}
            </fieldset>
          ))}
        </details>
        <div class="form-actions">
          <button type="submit" class="button button-primary">
            Search
          </button>
          <a href="/search" class="button">
            Clear
          </a>
        </div>
      </form>
      <div class="results" aria-live="polite">
        {first.status === 'loading' ? <Loading height="16rem" label="Searching…" /> : null}
        {first.status === 'error' ? <ErrorNotice error={first.error} title="The search failed" /> : null}
        {first.status === 'ok' ? (
          <>
            <p class="muted" data-testid="result-count">
              {first.value.items.length + more.items.length === 0
                ? 'No assets match.'
                : `${first.value.items.length + more.items.length} asset${first.value.items.length + more.items.length === 1 ? '' : 's'}${more.cursor ? ' so far' : ''}.`}
            </p>
            <ResultGrid items={[...first.value.items, ...more.items]} />
            {more.error ? <ErrorNotice error={more.error} title="More results could not be loaded" /> : null}
            {more.cursor ? (
              <button type="button" class="button" disabled={more.busy} onClick={() => void loadMore()}>
                {more.busy ? 'Loading…' : 'More results'}
              </button>
            ) : null}
          </>
        ) : null}
      </div>
    </section>
  )
}

function FieldInput({ field: f, value, onChange }: { field: Field; value: string; onChange: (v: string) => void }) {
  if (f.kind === 'select')
    return (
      <label class="field">
        <span>{f.label}</span>
        <select name={f.name} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          {f.options?.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
    )
  if (f.kind === 'date')
    return (
      <label class="field">
        <span>{f.label}</span>
        <input type="date" name={f.name} value={fromIso(value)} onInput={(e) => onChange(toIso(e.currentTarget.value))} />
      </label>
    )
  return (
    <label class="field">
      <span>{f.label}</span>
      {f.kind === 'number' ? (
        <input type="number" inputMode="numeric" min={0} name={f.name} value={value} onInput={(e) => onChange(e.currentTarget.value)} />
      ) : (
        <input type="text" name={f.name} value={value} placeholder={f.placeholder} onInput={(e) => onChange(e.currentTarget.value)} spellcheck={false} />
      )}
    </label>
  )
}

function ResultGrid({ items }: { items: SearchHit[] }) {
  return (
    <ul class="grid" data-testid="results">
      {items.map((h) => (
        <li key={h.cid} class="tile" data-cid={h.cid}>
          <a href={`/assets/${h.cid}`}>
            <Thumb cid={h.cid} mediaType={h.mediaType} alt="" />
            <span class="tile-title">{h.title ?? shortCid(h.cid)}</span>
          </a>
          <span class="small muted">
            {h.sourceGroup === 'ai' ? 'AI' : h.sourceGroup === 'human' ? 'Human' : 'Composite'}
            {h.model ? ` · ${h.model}` : ''} · {h.license}
          </span>
          {h.price !== null && h.currency ? (
            <span class="small">
              {formatAmount(String(h.price), h.currency)}
              {h.royaltyBps !== null ? ` · ${formatBps(h.royaltyBps)} royalty` : ''}
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  )
}
