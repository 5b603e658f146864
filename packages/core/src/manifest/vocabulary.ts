/**
 * IPTC Digital Source Type NewsCodes (http://cv.iptc.org/newscodes/digitalsourcetype/), by short
 * name: the value is the last segment of the term URI. The current terms come first, then the
 * retired ones IPTC still resolves (kept so older records stay valid). C2PA requires one of these
 * on every `c2pa.created` action.
 */
export const digitalSourceTypes = [
  // captured from real life
  'digitalCapture',
  'computationalCapture',
  'screenCapture',
  'virtualRecording',
  // digitised from a physical medium
  'negativeFilm',
  'positiveFilm',
  'print',
  // human or software authored
  'humanEdits',
  'digitalCreation',
  'algorithmicallyEnhanced',
  'dataDrivenMedia',
  'algorithmicMedia',
  // generative AI
  'trainedAlgorithmicMedia',
  'compositeWithTrainedAlgorithmicMedia',
  // composites
  'composite',
  'compositeCapture',
  'compositeSynthetic',
  // retired by IPTC, still accepted
  'minorHumanEdits',
  'digitalArt',
  'softwareImage',
  'multiFrameComputationalCapture',
] as const

export type DigitalSourceType = (typeof digitalSourceTypes)[number]

/** The IPTC term URI of a short digital source type name (what C2PA and XMP carry). */
export function digitalSourceTypeUri(type: DigitalSourceType): string {
  return `http://cv.iptc.org/newscodes/digitalsourcetype/${type}`
}

/**
 * C2PA predefined action names (C2PA Technical Specification 2.2, §18.14 "Actions"), plus the
 * 1.x names C2PA deprecated but validators still read (`c2pa.color_adjustments`, `c2pa.produced`,
 * `c2pa.recompressed`, `c2pa.version_created`).
 */
export const c2paActions = [
  'c2pa.addedText',
  'c2pa.adjustedColor',
  'c2pa.changedSpeed',
  'c2pa.converted',
  'c2pa.created',
  'c2pa.cropped',
  'c2pa.deleted',
  'c2pa.drawing',
  'c2pa.dubbed',
  'c2pa.edited',
  'c2pa.edited.metadata',
  'c2pa.enhanced',
  'c2pa.filtered',
  'c2pa.opened',
  'c2pa.orientation',
  'c2pa.placed',
  'c2pa.published',
  'c2pa.redacted',
  'c2pa.removed',
  'c2pa.repackaged',
  'c2pa.resized',
  'c2pa.transcoded',
  'c2pa.translated',
  'c2pa.trimmed',
  'c2pa.unknown',
  'c2pa.watermarked',
  // deprecated (C2PA 1.x)
  'c2pa.color_adjustments',
  'c2pa.produced',
  'c2pa.recompressed',
  'c2pa.version_created',
] as const

export type C2paAction = (typeof c2paActions)[number]

/** C2PA ingredient relationships. */
export const ingredientRelations = ['parentOf', 'componentOf', 'inputTo'] as const
export type IngredientRelation = (typeof ingredientRelations)[number]

/** Values of a C2PA `c2pa.training-mining` entry's `use`. */
export const trainingMiningUses = ['allowed', 'notAllowed', 'constrained'] as const
export type TrainingMiningUse = (typeof trainingMiningUses)[number]

/** The C2PA training-and-mining entry names (without the `c2pa.` prefix). */
export const trainingMiningEntries = ['ai_training', 'ai_generative_training', 'ai_inference', 'data_mining'] as const
export type TrainingMiningEntry = (typeof trainingMiningEntries)[number]
