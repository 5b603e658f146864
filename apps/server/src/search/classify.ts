import type { Manifest } from '@mintmark/core'

/** Digital source types grouped the way a searcher asks: made by AI, by people, or a mix. */
export const sourceGroups = ['ai', 'human', 'composite'] as const
export type SourceGroup = (typeof sourceGroups)[number]

const groupOf: Record<Manifest['digitalSourceType'], SourceGroup> = {
  trainedAlgorithmicMedia: 'ai',
  algorithmicMedia: 'ai',
  dataDrivenMedia: 'ai',
  compositeWithTrainedAlgorithmicMedia: 'composite',
  composite: 'composite',
  compositeCapture: 'composite',
  compositeSynthetic: 'composite',
  algorithmicallyEnhanced: 'composite',
  digitalCapture: 'human',
  computationalCapture: 'human',
  screenCapture: 'human',
  virtualRecording: 'human',
  negativeFilm: 'human',
  positiveFilm: 'human',
  print: 'human',
  humanEdits: 'human',
  digitalCreation: 'human',
  minorHumanEdits: 'human',
  digitalArt: 'human',
  softwareImage: 'human',
  multiFrameComputationalCapture: 'human',
}

export function sourceGroupOf(type: Manifest['digitalSourceType']): SourceGroup {
  return groupOf[type]
}

export const aiTrainingValues = ['allowed', 'notAllowed', 'constrained'] as const
export type AiTraining = (typeof aiTrainingValues)[number]

/**
 * What common SPDX licences allow, for the licence filters. `aiTraining` is the default when the
 * manifest states no training-and-mining permission: permissive licences do not forbid training;
 * non-commercial ones constrain it; unknown licences say nothing (null). Keys are lowercase.
 */
export const spdxTerms: Record<string, { commercial: boolean; derivatives: boolean; aiTraining: AiTraining }> = {
  'cc0-1.0': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'cc-by-4.0': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'cc-by-sa-4.0': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'cc-by-nd-4.0': { commercial: true, derivatives: false, aiTraining: 'constrained' },
  'cc-by-nc-4.0': { commercial: false, derivatives: true, aiTraining: 'constrained' },
  'cc-by-nc-sa-4.0': { commercial: false, derivatives: true, aiTraining: 'constrained' },
  'cc-by-nc-nd-4.0': { commercial: false, derivatives: false, aiTraining: 'constrained' },
  'cc-by-3.0': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'cc-by-sa-3.0': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  mit: { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'apache-2.0': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'bsd-2-clause': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'bsd-3-clause': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'gpl-3.0-only': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'gpl-3.0-or-later': { commercial: true, derivatives: true, aiTraining: 'allowed' },
  unlicense: { commercial: true, derivatives: true, aiTraining: 'allowed' },
  'openrail-m': { commercial: true, derivatives: true, aiTraining: 'constrained' },
  'creativeml-openrail-m': { commercial: true, derivatives: true, aiTraining: 'constrained' },
}

/** Licence facts of a manifest: SPDX table (or the custom terms), then the manifest's own ai_training permission wins. */
export function licenceFacts(m: Pick<Manifest, 'rights'>): { license: string; commercial: boolean | null; derivatives: boolean | null; aiTraining: AiTraining | null } {
  const l = m.rights.license
  let out: { license: string; commercial: boolean | null; derivatives: boolean | null; aiTraining: AiTraining | null }
  if ('spdx' in l) {
    const t = spdxTerms[l.spdx.toLowerCase()]
    out = { license: l.spdx, commercial: t?.commercial ?? null, derivatives: t?.derivatives ?? null, aiTraining: t?.aiTraining ?? null }
  } else out = { license: 'custom', commercial: l.custom.commercialUse, derivatives: l.custom.derivatives, aiTraining: l.custom.aiTraining }
  const stated = m.rights.trainingMining?.ai_training?.use ?? m.rights.trainingMining?.ai_generative_training?.use
  if (stated) out.aiTraining = stated
  return out
}

/** The top-level type (`image`, `audio`, `video`, `model`, `text`, `application`). */
export function mediaClassOf(mediaType: string): string {
  return mediaType.slice(0, mediaType.indexOf('/'))
}
