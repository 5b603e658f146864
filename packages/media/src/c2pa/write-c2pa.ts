import { constants, X509Certificate as NodeX509Certificate, randomUUID, verify } from 'node:crypto'
import { MintmarkError } from '@mintmark/core'
import { X509Certificate } from '@peculiar/x509'
import { JPEG, PNG } from '@trustnxt/c2pa-ts/asset'
import { CoseAlgorithmIdentifier, LocalSigner } from '@trustnxt/c2pa-ts/cose'
import {
  type Action,
  ActionAssertion,
  type ActionType,
  ClaimVersion,
  DataHashAssertion,
  type DigitalSourceType,
  type HashedURI,
  IngredientAssertion,
  ManifestStore,
  RelationshipType,
  TrainingAndDataMiningAssertion,
  type TrainingAndDataMiningChoice,
} from '@trustnxt/c2pa-ts/manifest'
import { CborAssertion, ingredientMetadataKeys, mintmarkReferenceLabel, softBindingAlgorithms, softBindingLabel } from './c2pa-assertions.js'

export type C2paSigningAlgorithm = 'es256' | 'es384' | 'es512' | 'ps256' | 'ps384' | 'ps512' | 'ed25519'

export type C2paSignerInput = {
  /** The signing certificate first, then its intermediates (PEM). */
  certificateChainPem: string
  /** PKCS#8 private key (PEM `BEGIN PRIVATE KEY`). */
  privateKeyPem: string
  alg: C2paSigningAlgorithm
}

export type C2paActionInput = {
  /** e.g. `c2pa.created`, `c2pa.opened`, `c2pa.edited`. */
  action: string
  /** Full IPTC URI, or its last segment (`trainedAlgorithmicMedia`). */
  digitalSourceType?: string | undefined
  softwareAgent?: { name: string; version?: string | undefined } | undefined
  /** Ingredients (indexes into `manifest.ingredients`) the action used. Default: for `c2pa.opened` the parentOf ones, for `c2pa.placed` the componentOf ones, for `c2pa.created` the inputTo ones. */
  ingredients?: readonly number[] | undefined
  description?: string | undefined
}

export type C2paIngredientInput = {
  title: string
  /** Default `parentOf`. */
  relationship?: 'parentOf' | 'componentOf' | 'inputTo' | undefined
  /** Media type of the ingredient, e.g. `image/png`. */
  format?: string | undefined
  /** Content hash of the parent (e.g. `sha256:…`), kept in ingredient metadata. */
  hash?: string | undefined
  /** CID of the parent, kept in ingredient metadata. */
  cid?: string | undefined
}

export type C2paTrainingMiningUse = 'allowed' | 'notAllowed' | 'constrained'
export type C2paTrainingMiningInput = Partial<
  Record<'aiTraining' | 'aiGenerativeTraining' | 'aiInference' | 'dataMining', C2paTrainingMiningUse | { use: C2paTrainingMiningUse; constraintInfo?: string }>
>

export type C2paManifestInput = {
  title: string
  claimGenerator: { name: string; version?: string | undefined }
  actions: readonly C2paActionInput[]
  ingredients?: readonly C2paIngredientInput[] | undefined
  /** Written as `c2pa.training-mining`, from the licence terms. */
  trainingMining?: C2paTrainingMiningInput | undefined
  /** Written as `c2pa.soft-binding` assertions (one per binding). */
  softBinding?: { watermarkPayload?: string | undefined; pdqHash?: string | undefined } | undefined
  /** Written as the `org.mintmark.reference` assertion. */
  mintmark?: { statementHash: string; logIndex?: number | undefined; bundleUrl?: string | undefined; cid?: string | undefined } | undefined
}

export type WriteC2paParameters = { manifest: C2paManifestInput; signer: C2paSignerInput }

const coseIds: Record<C2paSigningAlgorithm, CoseAlgorithmIdentifier> = {
  es256: CoseAlgorithmIdentifier.ES256,
  es384: CoseAlgorithmIdentifier.ES384,
  es512: CoseAlgorithmIdentifier.ES512,
  ps256: CoseAlgorithmIdentifier.PS256,
  ps384: CoseAlgorithmIdentifier.PS384,
  ps512: CoseAlgorithmIdentifier.PS512,
  ed25519: CoseAlgorithmIdentifier.Ed25519,
}
const tdmKeys = {
  aiTraining: 'c2pa.ai_training',
  aiGenerativeTraining: 'c2pa.ai_generative_training',
  aiInference: 'c2pa.ai_inference',
  dataMining: 'c2pa.data_mining',
} as const
const iptcPrefix = 'http://cv.iptc.org/newscodes/digitalsourcetype/'

/**
 * Embeds a signed C2PA manifest (claim v2) in a JPEG or PNG with c2pa-ts: actions (with digital
 * source type), ingredients, a `c2pa.training-mining` assertion, `c2pa.soft-binding` assertions
 * (watermark payload, PDQ hash), Mintmark's log reference and a SHA-256 data-hash hard binding,
 * signed with COSE by the given certificate chain. An existing manifest store is replaced.
 *
 * @throws MintmarkError `INPUT_INVALID` (bad manifest fields), `MEDIA_TYPE_UNSUPPORTED` (not
 * JPEG/PNG), `IMAGE_INVALID` (container not parseable), `KEY_INVALID` (certificate or key
 * unreadable or not matching `alg`), `C2PA_SIGN_FAILED` (the library could not build or sign).
 */
export async function writeC2pa(imageBytes: Uint8Array, parameters: WriteC2paParameters): Promise<Uint8Array> {
  const { manifest: input, signer: signerInput } = parameters
  if (!(imageBytes instanceof Uint8Array)) throw new MintmarkError('INPUT_INVALID', 'Image bytes must be a Uint8Array.', { fields: ['imageBytes'] })
  validateManifest(input)
  const asset = openWritableAsset(imageBytes)
  const signer = await createSigner(signerInput)
  try {
    const store = new ManifestStore()
    const manifest = store.createManifest({
      claimVersion: ClaimVersion.V2,
      assetFormat: asset.mimeType,
      instanceID: `xmp:iid:${randomUUID()}`,
      defaultHashAlgorithm: 'SHA-256',
      signer,
    })
    const claim = manifest.claim as NonNullable<typeof manifest.claim>
    claim.title = input.title
    claim.claimGeneratorName = input.claimGenerator.name
    claim.claimGeneratorVersion = input.claimGenerator.version

    const ingredientRefs: Array<{ relationship: string; ref: () => HashedURI }> = []
    for (const [i, ingredient] of (input.ingredients ?? []).entries()) {
      const assertion = IngredientAssertion.createV3((ingredient.relationship ?? 'parentOf') as RelationshipType)
      assertion.title = ingredient.title
      if (ingredient.format) assertion.format = ingredient.format
      const metadata: Record<string, string> = {}
      if (ingredient.hash) metadata[ingredientMetadataKeys.hash] = ingredient.hash
      if (ingredient.cid) metadata[ingredientMetadataKeys.cid] = ingredient.cid
      if (Object.keys(metadata).length) assertion.metadata = metadata
      if (i > 0) assertion.labelSuffix = i
      manifest.addAssertion(assertion)
      ingredientRefs.push({ relationship: assertion.relationship as string, ref: () => manifest.createAssertionReference(assertion) })
    }

    const actions = new ActionAssertion()
    actions.actions = input.actions.map((a): Action => {
      const linked =
        a.ingredients ??
        ingredientRefs.flatMap((r, i) => {
          const wanted = a.action === 'c2pa.opened' ? 'parentOf' : a.action === 'c2pa.placed' ? 'componentOf' : a.action === 'c2pa.created' ? 'inputTo' : undefined
          return wanted === r.relationship ? [i] : []
        })
      const refs = linked.map((i) => {
        const r = ingredientRefs[i]
        if (!r) throw new MintmarkError('INPUT_INVALID', `Action ${a.action} names ingredient ${i}, which does not exist.`, { fields: ['manifest.actions'] })
        return r.ref()
      })
      const parameters: NonNullable<Action['parameters']> = {}
      if (refs.length) parameters.ingredients = refs
      if (a.description) parameters.description = a.description
      return {
        action: a.action as ActionType,
        ...(a.digitalSourceType ? { digitalSourceType: toDigitalSourceType(a.digitalSourceType) } : {}),
        ...(a.softwareAgent ? { softwareAgent: { name: a.softwareAgent.name, ...(a.softwareAgent.version ? { version: a.softwareAgent.version } : {}) } } : {}),
        ...(Object.keys(parameters).length ? { parameters } : {}),
      }
    })
    manifest.addAssertion(actions)

    if (input.trainingMining) {
      const tdm = new TrainingAndDataMiningAssertion(false)
      for (const [name, value] of Object.entries(input.trainingMining)) {
        if (value === undefined) continue
        const entry = typeof value === 'string' ? { use: value } : value
        tdm.entries[tdmKeys[name as keyof typeof tdmKeys]] = {
          choice: entry.use as TrainingAndDataMiningChoice,
          ...(entry.constraintInfo ? { constraintInfo: entry.constraintInfo } : {}),
        }
      }
      if (Object.keys(tdm.entries).length) manifest.addAssertion(tdm)
    }

    const bindings: Array<[string, string]> = []
    if (input.softBinding?.watermarkPayload) bindings.push([softBindingAlgorithms.watermark, input.softBinding.watermarkPayload])
    if (input.softBinding?.pdqHash) bindings.push([softBindingAlgorithms.pdq, input.softBinding.pdqHash])
    for (const [i, [alg, value]] of bindings.entries()) {
      manifest.addAssertion(new CborAssertion(softBindingLabel, { alg, blocks: [{ scope: {}, value }] }, i > 0 ? i : undefined))
    }
    if (input.mintmark) {
      const reference = Object.fromEntries(Object.entries(input.mintmark).filter(([, v]) => v !== undefined))
      manifest.addAssertion(new CborAssertion(mintmarkReferenceLabel, reference))
    }

    const dataHash = DataHashAssertion.create('SHA-256')
    manifest.addAssertion(dataHash)
    await asset.ensureManifestSpace(store.measureSize())
    await dataHash.updateWithAsset(asset)
    await manifest.sign(signer)
    await asset.writeManifestJUMBF(store.getBytes())
    return await asset.getDataRange()
  } catch (error) {
    if (error instanceof MintmarkError) throw error
    throw new MintmarkError('C2PA_SIGN_FAILED', 'The C2PA manifest could not be built or signed.', {
      cause: error,
      details: error instanceof Error ? error.message : String(error),
    })
  }
}

function openWritableAsset(bytes: Uint8Array): JPEG | PNG {
  const Kind = JPEG.canRead(bytes) ? JPEG : PNG.canRead(bytes) ? PNG : undefined
  if (!Kind) throw new MintmarkError('MEDIA_TYPE_UNSUPPORTED', 'C2PA manifests are written to JPEG and PNG files only.', { details: 'no JPEG or PNG signature' })
  try {
    return new Kind(bytes)
  } catch (error) {
    throw new MintmarkError('IMAGE_INVALID', 'The image container cannot be parsed for C2PA.', {
      cause: error,
      details: error instanceof Error ? error.message : String(error),
    })
  }
}

async function createSigner(input: C2paSignerInput): Promise<LocalSigner> {
  const algorithm = coseIds[input.alg]
  if (algorithm === undefined) throw new MintmarkError('INPUT_INVALID', `Unsupported C2PA signing algorithm ${String(input.alg)}.`, { fields: ['signer.alg'] })
  const pems = input.certificateChainPem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  const keyMatch = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(input.privateKeyPem ?? '')
  if (pems.length === 0 || !keyMatch?.[1]) {
    throw new MintmarkError('KEY_INVALID', 'The C2PA signer needs a PEM certificate chain and a PKCS#8 PEM private key.', {
      fields: [...(pems.length === 0 ? ['signer.certificateChainPem'] : []), ...(keyMatch ? [] : ['signer.privateKeyPem'])],
    })
  }
  let certificates: X509Certificate[]
  try {
    certificates = pems.map((p) => new X509Certificate(p))
  } catch (error) {
    throw new MintmarkError('KEY_INVALID', 'A certificate in the C2PA signer chain cannot be parsed.', { cause: error, fields: ['signer.certificateChainPem'] })
  }
  const privateKey = new Uint8Array(Buffer.from(keyMatch[1].replace(/\s+/g, ''), 'base64'))
  const [leaf, ...chain] = certificates as [X509Certificate, ...X509Certificate[]]
  const signer = new LocalSigner(privateKey, algorithm, leaf, chain)
  // Sign and verify a probe now, so a key that does not match the certificate or `alg` fails here
  // with KEY_INVALID rather than producing a manifest that never validates.
  try {
    const probe = new TextEncoder().encode('mintmark c2pa signer probe')
    const signature = await signer.sign(probe)
    const key = new NodeX509Certificate(pems[0] as string).publicKey
    const hash = input.alg === 'ed25519' ? null : `sha${input.alg.slice(2)}`
    // c2pa-ts returns ECDSA signatures DER-encoded from its signer and converts them for COSE.
    const ok = (['ieee-p1363', 'der'] as const).some((dsaEncoding) =>
      verify(hash, probe, { key, dsaEncoding, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature),
    )
    if (!ok) throw new Error('signature does not verify with the certificate key')
  } catch (error) {
    throw new MintmarkError('KEY_INVALID', `The private key does not sign for the certificate with ${input.alg}.`, {
      cause: error,
      details: error instanceof Error ? error.message : String(error),
      fields: ['signer.privateKeyPem'],
    })
  }
  return signer
}

function validateManifest(input: C2paManifestInput): void {
  const bad: string[] = []
  if (typeof input?.title !== 'string' || input.title === '') bad.push('manifest.title')
  if (typeof input?.claimGenerator?.name !== 'string' || input.claimGenerator.name === '') bad.push('manifest.claimGenerator.name')
  if (!Array.isArray(input?.actions) || input.actions.length === 0 || !input.actions.every((a) => typeof a?.action === 'string' && a.action !== '')) {
    bad.push('manifest.actions')
  } else if (!input.actions.some((a) => a.action === 'c2pa.created' || a.action === 'c2pa.opened')) {
    bad.push('manifest.actions')
  }
  for (const [i, ingredient] of (input?.ingredients ?? []).entries()) {
    if (typeof ingredient?.title !== 'string' || ingredient.title === '') bad.push(`manifest.ingredients.${i}.title`)
    if (ingredient?.relationship !== undefined && !Object.values(RelationshipType).includes(ingredient.relationship as RelationshipType)) {
      bad.push(`manifest.ingredients.${i}.relationship`)
    }
  }
  for (const [name, value] of Object.entries(input?.trainingMining ?? {})) {
    const use = typeof value === 'string' ? value : value?.use
    if (!(name in tdmKeys) || !['allowed', 'notAllowed', 'constrained'].includes(String(use))) bad.push(`manifest.trainingMining.${name}`)
  }
  if (input?.mintmark !== undefined && (typeof input.mintmark.statementHash !== 'string' || input.mintmark.statementHash === '')) bad.push('manifest.mintmark.statementHash')
  if (bad.length) {
    throw new MintmarkError('INPUT_INVALID', 'The C2PA manifest input is incomplete or malformed.', {
      fields: bad,
      metaMessages: ['A standard manifest needs a title, a claim generator and a c2pa.created or c2pa.opened action.'],
    })
  }
}

function toDigitalSourceType(value: string): DigitalSourceType {
  return (value.includes(':') ? value : `${iptcPrefix}${value}`) as DigitalSourceType
}
