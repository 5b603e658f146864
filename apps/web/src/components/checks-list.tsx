import { checkWords } from '../explain.js'
import type { UiCheck } from '../verify/verify-record.js'

const marks = { pass: { icon: '✓', word: 'Passed' }, fail: { icon: '✗', word: 'Failed' }, skip: { icon: '–', word: 'Not checked' } } as const

/**
 * Each check in plain words first (what it means for the reader), the technical detail after.
 * Repeated codes (one anchor check per chain) are listed one by one.
 */
export function ChecksList({ checks }: { checks: readonly UiCheck[] }) {
  return (
    <ul class="checks">
      {checks.map((c, i) => {
        const w = checkWords(c.code)
        const m = marks[c.status]
        return (
          <li key={`${c.code}-${i}`} class={`check check-${c.status}`} data-code={c.code} data-status={c.status}>
            <span class="check-icon" aria-hidden="true">
              {m.icon}
            </span>
            <div>
              <p class="check-title">
                {w.title}
                <span class="check-status">{m.word}</span>
              </p>
              {/* A skipped check's own detail says why (no anchors, no RPC, …): more useful than a generic line. */}
              <p>{c.status === 'skip' ? c.detail : w[c.status]}</p>
              <details>
                <summary>Technical detail</summary>
                <p class="small mono-wrap">{c.detail}</p>
                {c.error ? (
                  <p class="small">
                    Code: <code>{c.error}</code>
                  </p>
                ) : null}
              </details>
            </div>
          </li>
        )
      })}
    </ul>
  )
}
