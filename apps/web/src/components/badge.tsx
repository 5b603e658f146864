import type { Verdict } from '../verify/verify-record.js'

const words: Record<Verdict, { label: string; icon: string; say: string }> = {
  verified: { label: 'Verified', icon: '✓', say: 'Every required check passed.' },
  failed: { label: 'Failed', icon: '✗', say: 'At least one check failed: do not rely on this record.' },
  unknown: { label: 'Unknown', icon: '?', say: 'There is no record that this exact file can be checked against.' },
}

/** The verdict, as a word and an icon (never by colour alone). */
export function VerdictBadge({ verdict, large }: { verdict: Verdict; large?: boolean }) {
  const w = words[verdict]
  return (
    <span class={`badge badge-${verdict}${large ? ' badge-large' : ''}`} data-verdict={verdict} role="status">
      <span aria-hidden="true" class="badge-icon">
        {w.icon}
      </span>
      {w.label}
    </span>
  )
}

export function verdictSentence(verdict: Verdict): string {
  return words[verdict].say
}
