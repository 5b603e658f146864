import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { z } from 'zod'
import { isWellFormedString } from '../canonical/canonicalize.js'
import { type Did, didPattern, maxDidLength } from '../keys/did.js'
import {
  c2paActions,
  digitalSourceTypes,
  ingredientRelations,
  type TrainingMiningEntry,
  trainingMiningEntries,
  trainingMiningUses,
} from './vocabulary.js'

/** Bounds on every string and array, so a hostile manifest stays small to parse, store and show. */
export const manifestLimits = {
  name: 256,
  version: 128,
  title: 512,
  description: 8192,
  prompt: 32_768,
  uri: 2048,
  identifier: 512,
  seed: 128,
  datasets: 256,
  parents: 256,
  edits: 1024,
  royalties: 50,
  dimension: 1_000_000,
} as const

/** The issue code a royalty-split refinement carries, so callers can map it to its error code. */
export const royaltySplitIssue = 'MANIFEST_ROYALTY_SPLIT_INVALID'

/**
 * CIDv1 in base32 (multibase `b`) for the dag-pb (`bafy…`) or raw (`bafk…`) codecs. Shape only:
 * the content-address module parses CIDs fully.
 */
export const contentIdPattern = /^baf[ky][a-z2-7]{55,124}$/
export const sha256HexPattern = /^[0-9a-f]{64}$/
export const sha256RefPattern = /^sha256:[0-9a-f]{64}$/
/** RFC 6838 type/subtype (restricted-name chars), lowercase so each media type has one spelling. */
export const mediaTypePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/
/** One SPDX license identifier, including `LicenseRef-…` (not an expression). */
export const spdxIdPattern = /^(?:LicenseRef-)?[A-Za-z0-9][A-Za-z0-9.+-]{0,99}$/
export const evmAddressPattern = /^0x[0-9a-fA-F]{40}$/

/** EIP-55: a mixed-case address must carry a valid checksum; all-lower or all-upper is unchecked. */
export function isEvmAddress(value: string): boolean {
  if (!evmAddressPattern.test(value)) return false
  const body = value.slice(2)
  if (body === body.toLowerCase() || body === body.toUpperCase()) return true
  const hash = bytesToHex(keccak_256(new TextEncoder().encode(body.toLowerCase())))
  for (let i = 0; i < 40; i++) {
    const c = body[i] as string
    if (c >= 'a' && c <= 'f' && Number.parseInt(hash[i] as string, 16) >= 8) return false
    if (c >= 'A' && c <= 'F' && Number.parseInt(hash[i] as string, 16) < 8) return false
  }
  return true
}

// Free text: bounded, and well-formed UTF-16 so every accepted manifest canonicalizes (RFC 8785).
const text = (max: number) => z.string().min(1).max(max).refine(isWellFormedString, 'contains a lone surrogate')

// The cast only narrows the static type to the `Did` template literal; at run time (and in the
// JSON Schema) this is a plain string with the DID pattern.
const didSchema = z.string().max(maxDidLength).regex(didPattern, 'expected a DID (did:method:id)') as unknown as z.ZodType<Did, string>

export const contentIdSchema = z.string().regex(contentIdPattern, 'expected a CIDv1 in base32 (bafy… or bafk…)')
export const sha256RefSchema = z.string().regex(sha256RefPattern, 'expected sha256:<64 lowercase hex digits>')
const timestampSchema = z.iso.datetime({ offset: true }).max(64)
const utcTimestampSchema = z.iso.datetime().max(64)

export const softwareAgentSchema = z.strictObject({ name: text(manifestLimits.name), version: text(manifestLimits.version) })

export const assetSchema = z.strictObject({
  cid: contentIdSchema,
  sha256: z.string().regex(sha256HexPattern, 'expected 64 lowercase hex digits'),
  size: z.int().min(0),
  mediaType: z.string().max(255).regex(mediaTypePattern, 'expected a lowercase media type such as image/png'),
  dimensions: z
    .strictObject({ width: z.int().min(1).max(manifestLimits.dimension), height: z.int().min(1).max(manifestLimits.dimension) })
    .optional(),
  durationMs: z.int().min(0).optional(),
  title: text(manifestLimits.title).optional(),
  description: text(manifestLimits.description).optional(),
})

export const generationSchema = z
  .strictObject({
    model: z.strictObject({
      name: text(manifestLimits.name),
      version: text(manifestLimits.version),
      weightsHash: z.union([contentIdSchema, sha256RefSchema]).optional(),
      provider: text(manifestLimits.name).optional(),
    }),
    promptHash: sha256RefSchema.optional(),
    /** The prompt itself, only when the creator chooses to disclose it. */
    prompt: text(manifestLimits.prompt).optional(),
    negativePromptHash: sha256RefSchema.optional(),
    parametersHash: sha256RefSchema.optional(),
    seed: z.union([text(manifestLimits.seed), z.int().min(0)]).optional(),
    softwareAgent: softwareAgentSchema.optional(),
  })
  .superRefine((g, ctx) => {
    // A disclosed prompt must be the one the hash commits to.
    if (typeof g.prompt === 'string' && typeof g.promptHash === 'string') {
      const actual = `sha256:${bytesToHex(sha256(new TextEncoder().encode(g.prompt)))}`
      if (actual !== g.promptHash)
        ctx.addIssue({ code: 'custom', path: ['promptHash'], message: 'promptHash is not the SHA-256 of prompt (UTF-8)' })
    }
  })

export const datasetSchema = z.union([
  z.strictObject({ cid: contentIdSchema, name: text(manifestLimits.name).optional(), license: text(manifestLimits.name).optional() }),
  z.strictObject({ id: text(manifestLimits.identifier), name: text(manifestLimits.name).optional(), license: text(manifestLimits.name).optional() }),
])

export const parentSchema = z.strictObject({
  cid: contentIdSchema,
  relation: z.enum(ingredientRelations),
  title: text(manifestLimits.title).optional(),
})

export const editSchema = z.strictObject({
  action: z.enum(c2paActions),
  actor: z.enum(['human', 'ai']),
  softwareAgent: softwareAgentSchema.optional(),
  when: timestampSchema.optional(),
  description: text(manifestLimits.description).optional(),
})

export const licenseSchema = z.union([
  z.strictObject({ spdx: z.string().regex(spdxIdPattern, 'expected an SPDX license identifier') }),
  z.strictObject({
    custom: z.strictObject({
      uri: z.url().max(manifestLimits.uri).optional(),
      termsHash: sha256RefSchema.optional(),
      commercialUse: z.boolean(),
      derivatives: z.boolean(),
      aiTraining: z.enum(trainingMiningUses),
    }),
  }),
])

export const royaltySchema = z.strictObject({
  payee: z.union([didSchema, z.string().regex(evmAddressPattern, 'expected a DID or an EVM address').refine(isEvmAddress, 'EVM address has a bad EIP-55 checksum')]),
  bps: z.int().min(1).max(10_000),
})

export const royaltiesSchema = z
  .array(royaltySchema)
  .min(1)
  .max(manifestLimits.royalties)
  .superRefine((royalties, ctx) => {
    // Runs even when some entries failed their own checks: look only at well-typed ones.
    if (!royalties.every((r) => Number.isSafeInteger(r?.bps) && typeof r?.payee === 'string')) return
    const total = royalties.reduce((sum, r) => sum + r.bps, 0)
    if (total !== 10_000)
      ctx.addIssue({ code: 'custom', message: `royalty shares sum to ${total} bps, not 10000`, params: { code: royaltySplitIssue } })
    const seen = new Set<string>()
    royalties.forEach((r, i) => {
      const key = r.payee.startsWith('0x') ? r.payee.toLowerCase() : r.payee
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: [i, 'payee'], message: 'payee appears twice', params: { code: royaltySplitIssue } })
      seen.add(key)
    })
  })

const trainingMiningEntrySchema = z.strictObject({
  use: z.enum(trainingMiningUses),
  constraintInfo: text(manifestLimits.description).optional(),
})

/** C2PA `c2pa.training-mining` style permissions; an absent entry states nothing. */
export const trainingMiningSchema = z.strictObject(
  Object.fromEntries(trainingMiningEntries.map((k) => [k, trainingMiningEntrySchema.optional()])) as Record<
    TrainingMiningEntry,
    z.ZodOptional<typeof trainingMiningEntrySchema>
  >,
)

export const rightsSchema = z.strictObject({
  owner: didSchema,
  license: licenseSchema,
  royalties: royaltiesSchema,
  trainingMining: trainingMiningSchema.optional(),
})

/**
 * Manifest v1: what an asset is (content address), how it was made (model, prompt and parameter
 * hashes, datasets, parent ingredients, edits, IPTC digital source type), and its rights
 * (owner, licence, royalty split, training-and-mining permissions). Strict: unknown keys fail.
 * Arrays are always present (possibly empty) so one meaning has one canonical JSON form.
 */
export const manifestSchema = z
  .strictObject({
    type: z.literal('mintmark.manifest'),
    version: z.literal(1),
    asset: assetSchema,
    generation: generationSchema.optional(),
    digitalSourceType: z.enum(digitalSourceTypes),
    datasets: z.array(datasetSchema).max(manifestLimits.datasets),
    parents: z.array(parentSchema).max(manifestLimits.parents),
    edits: z.array(editSchema).max(manifestLimits.edits),
    rights: rightsSchema,
    creator: didSchema,
    createdAt: utcTimestampSchema,
  })
  .meta({
    $id: 'https://mintmark.dev/schema/manifest.v1.schema.json',
    title: 'Mintmark manifest v1',
    description: 'A Mintmark asset manifest. Canonicalized with RFC 8785 (JCS) before hashing and signing.',
  })

export type Manifest = z.infer<typeof manifestSchema>
export type ManifestAsset = z.infer<typeof assetSchema>
export type ManifestGeneration = z.infer<typeof generationSchema>
export type ManifestDataset = z.infer<typeof datasetSchema>
export type ManifestParent = z.infer<typeof parentSchema>
export type ManifestEdit = z.infer<typeof editSchema>
export type ManifestRights = z.infer<typeof rightsSchema>
export type ManifestLicense = z.infer<typeof licenseSchema>
export type Royalty = z.infer<typeof royaltySchema>
