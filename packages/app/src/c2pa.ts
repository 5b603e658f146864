import { promises as fsp } from 'node:fs'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  type LogEntry,
  MintmarkError,
  bundleToJSON,
  canonicalize,
  parseContentId,
  statementSigningPrefix,
} from '@mintmark/core'
import {
  type C2paIngredient,
  type C2paManifestInput,
  type C2paSignerInput,
  type ReadC2paReturnType,
  detectWatermark,
  readC2pa,
  writeC2pa,
} from '@mintmark/media'
import type { C2paEvidenceInput, C2paEvidenceRow } from '@mintmark/storage'
import type { AsyncStore } from '@mintmark/storage'
import { pdqAlgorithm } from './fingerprints.js'
import type { AppContext } from './open-app.js'
import { readWatermarkKey } from './watermark.js'

type C2paRead = Extract<ReadC2paReturnType, { present: true }>
type C2paAction = C2paRead['actions'][number]
type C2paMintmarkReference = NonNullable<C2paRead['mintmark']>
const digitalSourceTypeUri = (type: string) => `http://cv.iptc.org/newscodes/digitalsourcetype/${type}`

/**
 * C2PA Content Credentials found in a file, as the report shows them: imported evidence (signed by
 * whoever made the file, validated by c2pa-ts), never part of this log's own statements.
 */
export type C2paEvidence = {
  present: true
  valid: boolean
  validationStatus: string[]
  claimGenerator: string
  title?: string | undefined
  actions: C2paAction[]
  digitalSourceType?: string | undefined
  ingredients: C2paIngredient[]
  signer?: { subject: string; issuer: string; algorithm?: string | undefined; trusted?: boolean | undefined } | undefined
  /** The `org.mintmark.reference` assertion (statement hash, log index, CID), without the embedded bundle. */
  mintmark?: (Omit<C2paMintmarkReference, 'bundle'> & { hasBundle: boolean }) | undefined
}

/** Containers c2pa-ts reads and writes here. */
export const c2paMediaTypes = new Set(['image/jpeg', 'image/png'])

/**
 * Reads the C2PA manifest of a JPEG or PNG, summarised; undefined when there is none (or the
 * media type carries none we read).
 *
 * @throws MintmarkError `IMAGE_INVALID` when the container cannot be parsed, `KEY_INVALID` for a bad trust anchor.
 */
export async function readC2paEvidence(bytes: Uint8Array, mediaType: string, trustAnchorsPem?: readonly string[]): Promise<C2paEvidence | undefined> {
  if (!c2paMediaTypes.has(mediaType)) return undefined
  const r = await readC2pa(bytes, trustAnchorsPem?.length ? { trustAnchorsPem } : {})
  if (!r.present) return undefined
  const { bundle, ...reference } = (r.mintmark ?? {}) as C2paMintmarkReference
  return {
    present: true,
    valid: r.valid,
    validationStatus: r.validationStatus,
    claimGenerator: r.claimGenerator,
    ...(r.title ? { title: r.title } : {}),
    actions: r.actions,
    ...(r.digitalSourceType ? { digitalSourceType: r.digitalSourceType } : {}),
    ingredients: r.ingredients,
    ...(r.signer
      ? {
          signer: {
            subject: r.signer.subject,
            issuer: r.signer.issuer,
            ...(r.signer.algorithm ? { algorithm: r.signer.algorithm } : {}),
            ...(r.signer.trusted === undefined ? {} : { trusted: r.signer.trusted }),
          },
        }
      : {}),
    ...(r.mintmark ? { mintmark: { ...reference, hasBundle: bundle !== undefined } } : {}),
  }
}

/** The store row of C2PA evidence. */
export function toC2paEvidenceInput(e: C2paEvidence): C2paEvidenceInput {
  return {
    valid: e.valid,
    validationStatus: e.validationStatus,
    claimGenerator: e.claimGenerator,
    digitalSourceType: e.digitalSourceType ?? null,
    document: JSON.stringify(e),
  }
}

/** The C2PA evidence recorded when the asset was registered, if its file carried a manifest. */
export async function storedC2paEvidence(store: Pick<AsyncStore, 'getC2paEvidence'>, cid: string): Promise<(C2paEvidence & { logIndex: number }) | undefined> {
  const row: C2paEvidenceRow | undefined = await store.getC2paEvidence(cid)
  if (!row) return undefined
  return { ...(JSON.parse(row.document) as C2paEvidence), logIndex: row.entryIndex }
}

/** The hash `org.mintmark.reference` names: SHA-256 of the statement's signing input (as the store keys entries). */
export function statementHashOf(statement: LogEntry['statement']): Uint8Array {
  return sha256(new TextEncoder().encode(statementSigningPrefix + canonicalize(statement)))
}

export type ExportC2paParameters = {
  signer: C2paSignerInput
  /** The claim to reference; default the asset's first registration. */
  logIndex?: number | undefined
}

export type ExportC2paReturnType = {
  bytes: Uint8Array
  mediaType: string
  cid: string
  logIndex: number
  statementHash: string
  softBinding: { pdqHash?: string; watermarkPayload?: string }
}

const trainingKeys = { ai_training: 'aiTraining', ai_generative_training: 'aiGenerativeTraining', ai_inference: 'aiInference', data_mining: 'dataMining' } as const

/**
 * The stored image with a signed C2PA manifest carrying its Mintmark provenance: the creation (or
 * opening of parents) with the digital source type, parents as ingredients, training-and-mining
 * permissions from the rights, soft bindings (PDQ hash; the watermark payload when the image
 * carries this home's watermark) and `org.mintmark.reference` (statement hash, log index, CID and
 * the provenance bundle itself). JPEG and PNG only.
 *
 * @throws MintmarkError `ASSET_NOT_FOUND`, `LOG_ENTRY_NOT_FOUND`, `MEDIA_TYPE_UNSUPPORTED`, `KEY_INVALID`, `C2PA_SIGN_FAILED`.
 */
export async function exportC2pa(ctx: AppContext, cidText: string, parameters: ExportC2paParameters): Promise<ExportC2paReturnType> {
  const cid = parseContentId(cidText)
  const asset = await ctx.store.getAsset(cid)
  const entries = await ctx.entriesFor(cid)
  if (!asset || !entries.length) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${cid} in this log.`)
  const chosen = parameters.logIndex === undefined ? entries[0] : entries.find((e) => e.index === parameters.logIndex)
  if (!chosen) throw new MintmarkError('LOG_ENTRY_NOT_FOUND', `Log entry ${parameters.logIndex} is not a claim on ${cid}.`)
  if (!c2paMediaTypes.has(asset.mediaType))
    throw new MintmarkError('MEDIA_TYPE_UNSUPPORTED', `C2PA manifests are written to JPEG and PNG only; ${cid} is ${asset.mediaType}.`)
  const bytes = await ctx.blobs.get(cid)
  const bundle = await ctx.bundleForEntry(chosen.index, chosen.entry)
  const statement = chosen.entry.statement
  const statementHash = bytesToHex(statementHashOf(statement))

  const pdq = (await ctx.store.fingerprintsOf(cid)).find((f) => f.algorithm === pdqAlgorithm)
  const key = await readWatermarkKey(ctx.home)
  const mark = key ? await detectWatermark(bytes, { key }).catch(() => undefined) : undefined
  const softBinding = {
    ...(pdq ? { pdqHash: bytesToHex(pdq.hash) } : {}),
    ...(mark?.found && mark.payload ? { watermarkPayload: bytesToHex(mark.payload) } : {}),
  }

  const parents = statement.parents ?? []
  const agent = statement.generation?.softwareAgent ?? statement.generation?.model
  const softwareAgent = agent ? { name: agent.name, ...(agent.version ? { version: agent.version } : {}) } : undefined
  const source = digitalSourceTypeUri(statement.digitalSourceType)
  const opened = parents.some((p) => p.relation === 'parentOf')
  const actions: C2paManifestInput['actions'] = [
    opened ? { action: 'c2pa.opened' } : { action: 'c2pa.created', digitalSourceType: source, ...(softwareAgent ? { softwareAgent } : {}) },
    ...(parents.some((p) => p.relation === 'componentOf') ? [{ action: 'c2pa.placed' }] : []),
    ...(statement.edits ?? []).map((e) => ({
      action: e.action,
      ...(e.softwareAgent ? { softwareAgent: { name: e.softwareAgent.name, ...(e.softwareAgent.version ? { version: e.softwareAgent.version } : {}) } } : {}),
      ...(e.description ? { description: e.description } : {}),
    })),
    // A derived work still says how it was made.
    ...(opened ? [{ action: 'c2pa.edited', digitalSourceType: source, ...(softwareAgent ? { softwareAgent } : {}) }] : []),
  ]
  const ingredients = []
  for (const p of parents) {
    const known = await ctx.store.getAsset(p.cid)
    ingredients.push({
      title: p.title ?? p.cid,
      relationship: p.relation,
      cid: p.cid,
      ...(known ? { format: known.mediaType, hash: `sha256:${known.sha256}` } : {}),
    })
  }
  const mintmark: NonNullable<C2paManifestInput['mintmark']> & { bundle: unknown } = {
    statementHash,
    logIndex: chosen.index,
    cid,
    bundle: JSON.parse(bundleToJSON(bundle)) as unknown,
  }
  const manifest: C2paManifestInput = {
    title: statement.asset.title ?? cid,
    claimGenerator: { name: 'Mintmark', version: '0.1.0' },
    actions,
    ...(ingredients.length ? { ingredients } : {}),
    ...(trainingMiningOf(statement) ? { trainingMining: trainingMiningOf(statement) } : {}),
    ...(Object.keys(softBinding).length ? { softBinding } : {}),
    mintmark,
  }
  const out = await writeC2pa(bytes, { manifest, signer: parameters.signer })
  return { bytes: out, mediaType: asset.mediaType, cid, logIndex: chosen.index, statementHash, softBinding }
}

/** Training-and-mining permissions from the statement's rights (explicit entries, else a custom licence's aiTraining). */
function trainingMiningOf(statement: LogEntry['statement']): C2paManifestInput['trainingMining'] {
  const rights = statement.rights
  const out: NonNullable<C2paManifestInput['trainingMining']> = {}
  for (const [k, v] of Object.entries(rights.trainingMining ?? {})) {
    if (!v) continue
    out[trainingKeys[k as keyof typeof trainingKeys]] = { use: v.use, ...(v.constraintInfo ? { constraintInfo: v.constraintInfo } : {}) }
  }
  if (!Object.keys(out).length && 'custom' in rights.license) {
    out.aiTraining = rights.license.custom.aiTraining
    out.aiGenerativeTraining = rights.license.custom.aiTraining
  }
  return Object.keys(out).length ? out : undefined
}

/** Reads a PEM file for the C2PA signer. */
export async function readPemFile(file: string, what: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new MintmarkError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `Cannot read the ${what} ${file}.`, { cause })
  }
}
