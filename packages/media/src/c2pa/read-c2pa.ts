import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import { MintmarkError } from '@mintmark/core'
import { type Asset, BMFF, JPEG, PNG } from '@trustnxt/c2pa-ts/asset'
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf'
import {
  ActionAssertion,
  IngredientAssertion,
  type Manifest,
  ManifestStore,
  TrainingAndDataMiningAssertion,
  UnknownAssertion,
  ValidationResult,
} from '@trustnxt/c2pa-ts/manifest'
import { ingredientMetadataKeys, mintmarkReferenceLabel, rawAssertionContent, softBindingLabel } from './c2pa-assertions.js'

export type ReadC2paOptions = {
  /**
   * PEM certificates (roots or intermediates) to trust. Without them, `signer.trusted` is
   * undefined and trust is not part of `valid` (c2pa-ts checks the certificate profile only).
   * With them, a signer whose chain does not reach an anchor adds `signingCredential.untrusted`.
   */
  trustAnchorsPem?: string | readonly string[] | undefined
}

export type C2paAction = { action: string; digitalSourceType?: string; softwareAgent?: string }

export type C2paIngredient = {
  title?: string
  format?: string
  relationship: string
  instanceId?: string
  /** Content hash Mintmark wrote for the parent (ingredient metadata `org.mintmark.hash`). */
  hash?: string
  /** CID Mintmark wrote for the parent (ingredient metadata `org.mintmark.cid`). */
  cid?: string
  /** Label of the ingredient's own manifest in this store, when it carries one. */
  manifest?: string
  /** Failure codes recorded for the ingredient when it was added. */
  validationStatus?: string[]
}

export type C2paSigner = {
  subject: string
  issuer: string
  serialNumber: string
  notBefore: string
  notAfter: string
  /** COSE algorithm, e.g. `ES256`, `Ed25519`. */
  algorithm?: string
  /** Certificates in the COSE `x5chain` after the signer's own. */
  chainLength: number
  /** RFC 3161 time of signing, when the manifest has a timestamp. */
  timestamp?: string
  /** Whether the chain reaches one of `trustAnchorsPem`; undefined when none were given. */
  trusted?: boolean
}

export type C2paSoftBinding = { alg: string; value: string }

export type C2paMintmarkReference = {
  statementHash?: string
  logIndex?: number
  bundleUrl?: string
  cid?: string
  [key: string]: unknown
}

export type C2paManifestSummary = {
  label: string
  claimGenerator: string
  title?: string
  format?: string
  instanceId?: string
  actions: C2paAction[]
  /** The digital source type of the manifest's first action that declares one. */
  digitalSourceType?: string
  ingredients: C2paIngredient[]
  /** `c2pa.training-mining` / `cawg.training-mining` entries, keyed as in the assertion. */
  trainingMining?: Record<string, { use: string; constraintInfo?: string }>
  softBindings: C2paSoftBinding[]
  mintmark?: C2paMintmarkReference
  /** Every assertion label, in store order. */
  assertions: string[]
  signer?: C2paSigner
}

export type C2paValidationEntry = { code: string; success: boolean; url?: string; explanation?: string }

export type ReadC2paReturnType =
  | { present: false }
  | (C2paManifestSummary & {
      present: true
      /** No failure code: signature, hashed URIs, hard binding (and trust, when anchors were given). */
      valid: boolean
      /** The spec's failure codes (empty when valid), as c2pa-rs's `validation_status`. */
      validationStatus: string[]
      /** Every status entry, successes included. */
      validationResults: C2paValidationEntry[]
      /** Every manifest in the store, the active one last. */
      manifests: C2paManifestSummary[]
    })

const coseAlgorithms: Record<number, string> = { [-7]: 'ES256', [-35]: 'ES384', [-36]: 'ES512', [-37]: 'PS256', [-38]: 'PS384', [-39]: 'PS512', [-8]: 'Ed25519' }

/**
 * Reads and validates the C2PA manifest store embedded in a JPEG, PNG or HEIF/BMFF file with
 * c2pa-ts: claim signature (COSE), certificate profile, hashed assertion references, the hard
 * binding (data hash) and action/ingredient consistency. A manifest that does not validate is a
 * result (`valid: false` with the spec's codes), never an error.
 *
 * @throws MintmarkError `INPUT_INVALID` (not bytes), `MEDIA_TYPE_UNSUPPORTED` (not JPEG/PNG/BMFF),
 * `IMAGE_INVALID` (the container itself cannot be parsed), `KEY_INVALID` (a trust anchor is not a certificate).
 */
export async function readC2pa(bytes: Uint8Array, options: ReadC2paOptions = {}): Promise<ReadC2paReturnType> {
  const anchors = parseAnchors(options.trustAnchorsPem)
  const asset = openAsset(bytes)
  let jumbf: Uint8Array | undefined
  try {
    jumbf = asset.getManifestJUMBF()
  } catch (error) {
    return invalid(error)
  }
  if (jumbf === undefined) return { present: false }

  let store: ManifestStore
  let result: ValidationResult
  try {
    store = ManifestStore.read(SuperBox.fromBuffer(jumbf as Uint8Array<ArrayBuffer>))
    result = await store.validate(asset)
  } catch (error) {
    return invalid(error)
  }
  const active = store.getActiveManifest()
  if (active === undefined) return invalid(new Error('The manifest store holds no manifest.'))
  let manifests: C2paManifestSummary[]
  try {
    manifests = store.manifests.map((m) => summarize(m, anchors))
  } catch (error) {
    return invalid(error)
  }
  const summary = manifests[manifests.length - 1] as C2paManifestSummary
  const validationResults: C2paValidationEntry[] = result.statusEntries.map((e) => ({
    code: e.code,
    success: e.success !== false,
    ...(e.url !== undefined ? { url: e.url } : {}),
    ...(e.explanation !== undefined ? { explanation: e.explanation } : {}),
  }))
  if (summary.signer?.trusted === false) {
    validationResults.push({ code: 'signingCredential.untrusted', success: false, explanation: 'no trust anchor issued the signer chain' })
  }
  const validationStatus = validationResults.filter((e) => !e.success).map((e) => e.code)
  return { present: true, valid: validationStatus.length === 0, validationStatus, validationResults, ...summary, manifests }
}

function invalid(error: unknown): ReadC2paReturnType {
  const result = ValidationResult.fromError(error instanceof Error ? error : new Error(String(error)))
  const validationResults = result.statusEntries.map((e) => ({
    code: e.code,
    success: false,
    ...(e.explanation !== undefined ? { explanation: e.explanation } : {}),
  }))
  return {
    present: true,
    valid: false,
    validationStatus: validationResults.map((e) => e.code),
    validationResults,
    label: '',
    claimGenerator: '',
    actions: [],
    ingredients: [],
    softBindings: [],
    assertions: [],
    manifests: [],
  }
}

/** @internal */
export function openAsset(bytes: Uint8Array): Asset {
  if (!(bytes instanceof Uint8Array)) {
    throw new MintmarkError('INPUT_INVALID', 'C2PA input must be a Uint8Array.', { fields: ['bytes'] })
  }
  const kinds = [
    ['jpeg', JPEG],
    ['png', PNG],
    ['bmff', BMFF],
  ] as const
  for (const [name, Kind] of kinds) {
    let readable = false
    try {
      readable = Kind.canRead(bytes)
    } catch {
      readable = false
    }
    if (!readable) continue
    try {
      return new Kind(bytes)
    } catch (error) {
      throw new MintmarkError('IMAGE_INVALID', `The ${name} container cannot be parsed for C2PA.`, {
        cause: error,
        details: error instanceof Error ? error.message : String(error),
      })
    }
  }
  throw new MintmarkError('MEDIA_TYPE_UNSUPPORTED', 'C2PA manifests are read from JPEG, PNG and HEIF/BMFF files only.', {
    details: 'no JPEG, PNG or BMFF signature',
  })
}

function summarize(manifest: Manifest, anchors: NodeX509Certificate[] | undefined): C2paManifestSummary {
  const claim = manifest.claim
  const actions: C2paAction[] = []
  const ingredients: C2paIngredient[] = []
  const softBindings: C2paSoftBinding[] = []
  let trainingMining: C2paManifestSummary['trainingMining']
  let mintmark: C2paMintmarkReference | undefined
  const labels: string[] = []
  for (const assertion of manifest.assertions?.assertions ?? []) {
    labels.push(assertion.fullLabel ?? '')
    if (assertion instanceof ActionAssertion) {
      for (const a of assertion.actions) {
        actions.push({
          action: String(a.action),
          ...(a.digitalSourceType ? { digitalSourceType: String(a.digitalSourceType) } : {}),
          ...(a.softwareAgent?.name ? { softwareAgent: [a.softwareAgent.name, a.softwareAgent.version].filter(Boolean).join(' ') } : {}),
        })
      }
    } else if (assertion instanceof IngredientAssertion) {
      ingredients.push(toIngredient(assertion))
    } else if (assertion instanceof TrainingAndDataMiningAssertion) {
      trainingMining = {}
      for (const [key, entry] of Object.entries(assertion.entries)) {
        trainingMining[key] = { use: String(entry.choice), ...(entry.constraintInfo ? { constraintInfo: entry.constraintInfo } : {}) }
      }
    } else if (assertion instanceof UnknownAssertion) {
      const content = rawAssertionContent(assertion)
      if (assertion.label === softBindingLabel && isRecord(content) && typeof content.alg === 'string' && Array.isArray(content.blocks)) {
        for (const block of content.blocks) {
          if (isRecord(block) && typeof block.value === 'string') softBindings.push({ alg: content.alg, value: block.value })
        }
      } else if (assertion.label === mintmarkReferenceLabel && isRecord(content)) {
        mintmark = { ...content }
      }
    }
  }
  const digitalSourceType = actions.find((a) => a.digitalSourceType)?.digitalSourceType
  const signer = signerInfo(manifest, anchors)
  return {
    label: manifest.label ?? '',
    claimGenerator: [claim?.claimGeneratorName, claim?.claimGeneratorVersion].filter(Boolean).join('/'),
    ...(claim?.title ? { title: claim.title } : {}),
    ...(claim?.format ? { format: claim.format } : {}),
    ...(claim?.instanceID ? { instanceId: claim.instanceID } : {}),
    actions,
    ...(digitalSourceType ? { digitalSourceType } : {}),
    ingredients,
    ...(trainingMining ? { trainingMining } : {}),
    softBindings,
    ...(mintmark ? { mintmark } : {}),
    assertions: labels,
    ...(signer ? { signer } : {}),
  }
}

function toIngredient(a: IngredientAssertion): C2paIngredient {
  const metadata = isRecord(a.metadata) ? a.metadata : {}
  const hash = metadata[ingredientMetadataKeys.hash]
  const cid = metadata[ingredientMetadataKeys.cid]
  const manifestUri = a.activeManifest?.uri ?? a.c2pa_manifest?.uri
  const failures = [
    ...(a.validationStatus ?? []).map(String),
    ...(a.validationResults?.activeManifest.failure ?? []).map((s) => String(s.code)),
  ]
  return {
    ...(a.title ? { title: a.title } : {}),
    ...(a.format ? { format: a.format } : {}),
    relationship: String(a.relationship ?? ''),
    ...(a.instanceID ? { instanceId: a.instanceID } : {}),
    ...(typeof hash === 'string' ? { hash } : {}),
    ...(typeof cid === 'string' ? { cid } : {}),
    ...(manifestUri ? { manifest: manifestUri.replace(/^self#jumbf=\/c2pa\//, '') } : {}),
    ...(failures.length ? { validationStatus: failures } : {}),
  }
}

function signerInfo(manifest: Manifest, anchors: NodeX509Certificate[] | undefined): C2paSigner | undefined {
  const data = manifest.signature?.signatureData
  const certificate = data?.certificate
  if (!data || !certificate) return undefined
  const algorithm = data.algorithm ? coseAlgorithms[data.algorithm.coseIdentifier] : undefined
  const timestamp = data.timestamp
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    serialNumber: certificate.serialNumber,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    ...(algorithm ? { algorithm } : {}),
    chainLength: data.chainCertificates.length,
    ...(timestamp ? { timestamp: timestamp.toISOString() } : {}),
    ...(anchors ? { trusted: chainReachesAnchor(certificate.rawData, data.chainCertificates.map((c) => c.rawData), anchors) } : {}),
  }
}

function chainReachesAnchor(leaf: ArrayBuffer, chain: ArrayBuffer[], anchors: NodeX509Certificate[]): boolean {
  try {
    let current = new NodeX509Certificate(new Uint8Array(leaf))
    const pool = chain.map((c) => new NodeX509Certificate(new Uint8Array(c)))
    for (let depth = 0; depth <= pool.length; depth++) {
      if (anchors.some((a) => a.fingerprint256 === current.fingerprint256)) return true
      if (anchors.some((a) => current.checkIssued(a) && current.verify(a.publicKey))) return true
      const issuer = pool.find((c) => current.checkIssued(c) && current.verify(c.publicKey))
      if (!issuer || issuer === current) return false
      current = issuer
    }
  } catch {
    return false
  }
  return false
}

function parseAnchors(pem: string | readonly string[] | undefined): NodeX509Certificate[] | undefined {
  if (pem === undefined) return undefined
  const blocks = (typeof pem === 'string' ? [pem] : pem).flatMap((p) => p.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
  if (blocks.length === 0) throw new MintmarkError('KEY_INVALID', 'trustAnchorsPem holds no PEM certificate.', { fields: ['trustAnchorsPem'] })
  try {
    return blocks.map((b) => new NodeX509Certificate(b))
  } catch (error) {
    throw new MintmarkError('KEY_INVALID', 'A trust anchor is not a valid X.509 certificate.', { cause: error, fields: ['trustAnchorsPem'] })
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
