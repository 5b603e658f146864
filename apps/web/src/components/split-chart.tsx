import { formatAmount, formatBps, shortHex } from '../format.js'

export type SplitPart = { account: string; bps: number; amount?: bigint | undefined; note?: string | undefined }

// Distinguishable fills (and each row is labelled in text, so colour is never the only cue).
const palette = ['#1f5fa8', '#c0502b', '#2d7d46', '#7b4ca0', '#a06a00', '#0e7c86', '#b03060', '#4d5b6a']

/**
 * Where each payment goes: a stacked bar (one segment per payee, proportional to its share) and a
 * table with the exact amount each payee is credited, upstream shares marked.
 */
export function SplitChart({ parts, currency, caption }: { parts: readonly SplitPart[]; currency: string; caption: string }) {
  let x = 0
  const label = parts.map((p) => `${shortHex(p.account)} ${formatBps(p.bps)}`).join(', ')
  return (
    <figure class="split">
      <figcaption>{caption}</figcaption>
      <svg class="split-bar" viewBox="0 0 1000 40" preserveAspectRatio="none" role="img" aria-label={`Split: ${label}`}>
        {parts.map((p, i) => {
          const w = (p.bps / 10_000) * 1000
          const rect = <rect key={p.account} x={x} y={0} width={w} height={40} fill={palette[i % palette.length]} />
          x += w
          return rect
        })}
      </svg>
      <div class="table-wrap">
        <table class="split-table">
          <thead>
            <tr>
              <th scope="col">Payee</th>
              <th scope="col">Share</th>
              {parts.some((p) => p.amount !== undefined) ? <th scope="col">Gets per licence</th> : null}
            </tr>
          </thead>
          <tbody>
            {parts.map((p, i) => (
              <tr key={p.account} data-account={p.account.toLowerCase()}>
                <td>
                  <span class="swatch" style={{ background: palette[i % palette.length] }} aria-hidden="true" />
                  <span class="mono" title={p.account}>
                    {shortHex(p.account)}
                  </span>
                  {p.note ? <span class="tag">{p.note}</span> : null}
                </td>
                <td>{formatBps(p.bps)}</td>
                {p.amount !== undefined ? <td class="amount">{formatAmount(p.amount, currency)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  )
}
