import type { Manifest } from '@mintmark/core'
import { safeHref } from './safe-href.js'

// Licence terms in plain language. The SPDX table covers the licences people actually put on
// media; anything else is named and linked, not guessed at.

type Terms = { summary: string; commercial: boolean | null; derivatives: boolean | null; attribution: boolean | null; shareAlike?: boolean }

const spdx: Record<string, Terms> = {
  'CC0-1.0': { summary: 'Public domain dedication: anyone may use it for anything, no credit needed.', commercial: true, derivatives: true, attribution: false },
  'CC-BY-4.0': { summary: 'Anyone may use, share and adapt it, also commercially, as long as they credit the creator.', commercial: true, derivatives: true, attribution: true },
  'CC-BY-SA-4.0': { summary: 'Anyone may use, share and adapt it, also commercially, crediting the creator and sharing adaptations under the same licence.', commercial: true, derivatives: true, attribution: true, shareAlike: true },
  'CC-BY-NC-4.0': { summary: 'Anyone may use, share and adapt it for non-commercial purposes, crediting the creator.', commercial: false, derivatives: true, attribution: true },
  'CC-BY-NC-SA-4.0': { summary: 'Non-commercial use and adaptation, crediting the creator, adaptations under the same licence.', commercial: false, derivatives: true, attribution: true, shareAlike: true },
  'CC-BY-ND-4.0': { summary: 'Anyone may share it unchanged, also commercially, crediting the creator; no adaptations.', commercial: true, derivatives: false, attribution: true },
  'CC-BY-NC-ND-4.0': { summary: 'Anyone may share it unchanged for non-commercial purposes, crediting the creator; no adaptations.', commercial: false, derivatives: false, attribution: true },
  MIT: { summary: 'Anyone may use, copy, change and sell it, keeping the copyright notice.', commercial: true, derivatives: true, attribution: true },
  'Apache-2.0': { summary: 'Anyone may use, change and distribute it, also commercially, keeping notices and stating changes.', commercial: true, derivatives: true, attribution: true },
}

export type LicenceView = { name: string; summary: string; facts: { label: string; value: string }[]; url?: string }

const yesNo = (v: boolean | null | undefined) => (v === true ? 'Yes' : v === false ? 'No' : 'Not stated')

const trainingWords: Record<string, string> = { allowed: 'Allowed', notAllowed: 'Not allowed', constrained: 'Allowed with conditions' }

const trainingMiningLabels: Record<string, string> = {
  ai_training: 'Training AI models',
  ai_generative_training: 'Training generative AI',
  ai_inference: 'Use as AI input (inference)',
  data_mining: 'Data mining',
}

export function licenceInWords(rights: Manifest['rights']): LicenceView {
  const l = rights.license
  const facts: LicenceView['facts'] = []
  let view: LicenceView
  if ('spdx' in l) {
    const t = spdx[l.spdx]
    if (t) {
      facts.push({ label: 'Commercial use', value: yesNo(t.commercial) }, { label: 'Adaptations', value: yesNo(t.derivatives) }, { label: 'Credit required', value: yesNo(t.attribution) })
      if (t.shareAlike) facts.push({ label: 'Adaptations under the same licence', value: 'Yes' })
      view = { name: l.spdx, summary: t.summary, facts, url: `https://spdx.org/licenses/${l.spdx}.html` }
    } else if (l.spdx.startsWith('LicenseRef-')) {
      view = { name: l.spdx, summary: 'A licence of the creator’s own (not a standard licence): read its terms before use.', facts }
    } else {
      view = { name: l.spdx, summary: `The ${l.spdx} licence.`, facts, url: `https://spdx.org/licenses/${l.spdx}.html` }
    }
  } else {
    const c = l.custom
    facts.push(
      { label: 'Commercial use', value: yesNo(c.commercialUse) },
      { label: 'Adaptations', value: yesNo(c.derivatives) },
      { label: 'AI training', value: trainingWords[c.aiTraining] ?? c.aiTraining },
    )
    if (c.termsHash) facts.push({ label: 'Terms fingerprint', value: c.termsHash })
    view = {
      name: 'Custom licence',
      summary: `Custom terms: ${c.commercialUse ? 'commercial use allowed' : 'no commercial use'}, ${c.derivatives ? 'adaptations allowed' : 'no adaptations'}.`,
      facts,
      ...(c.uri && safeHref(c.uri) ? { url: c.uri } : {}),
    }
  }
  for (const [key, entry] of Object.entries(rights.trainingMining ?? {})) {
    if (!entry) continue
    const value = trainingWords[entry.use] ?? entry.use
    facts.push({ label: trainingMiningLabels[key] ?? key, value: entry.constraintInfo ? `${value}: ${entry.constraintInfo}` : value })
  }
  return view
}
