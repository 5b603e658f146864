import { bundleSchema, digitalSourceTypes, isDid, logEntrySchema, manifestSchema } from '@mintmark/core'
import { z } from 'zod'
import { aiTrainingValues, sourceGroups } from './search/classify.js'

/**
 * The zod schemas of the HTTP API. The same objects describe the MCP tools' inputs and outputs
 * (see operations.ts), and generate the OpenAPI document. Query-string inputs accept both the
 * string form (HTTP) and the JSON form (MCP).
 */
const m = manifestSchema.shape

export const cidSchema = m.asset.shape.cid.describe('CIDv1 (base32) of the content')
export const didSchema = z
  .string()
  .max(2048)
  .regex(/^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/, 'expected a DID (did:method:id)')
  .refine(isDid, 'expected a DID')
  .refine((s) => !s.includes('..'), 'a DID here may not contain ".."')
  .describe('A DID, e.g. did:key:z6Mk…')

/** Integer from a query string or JSON. */
const intInput = (min: number, max: number) =>
  z
    .union([z.int(), z.string().regex(/^-?\d{1,16}$/, 'expected an integer')])
    .transform((v) => Number(v))
    .pipe(z.int().min(min).max(max))

/** Boolean from a query string (`true`/`false`/`1`/`0`) or JSON. */
const boolInput = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1')

const isoTime = z.iso.datetime({ offset: true }).max(64)

export const cidParamsSchema = z.strictObject({ cid: cidSchema })
export const didParamsSchema = z.strictObject({ did: didSchema })
export const emptySchema = z.strictObject({})

// --- register -------------------------------------------------------------------------------

/** What describes an asset registered by the server's own creator key (the CLI's register flags). */
export const registerTemplateSchema = z
  .strictObject({
    digitalSourceType: m.digitalSourceType,
    generation: m.generation,
    datasets: m.datasets.optional(),
    parents: m.parents.optional(),
    edits: m.edits.optional(),
    license: m.rights.shape.license,
    royalties: m.rights.shape.royalties.optional(),
    trainingMining: m.rights.shape.trainingMining,
    title: m.asset.shape.title,
    description: m.asset.shape.description,
  })
  .meta({ id: 'RegisterTemplate', description: 'How the asset was made and on what terms; the server signs the manifest with its creator key.' })

export const registerByCidSchema = registerTemplateSchema
  .extend({ cid: cidSchema })
  .meta({ id: 'RegisterByCid', description: 'Register a blob already in the store, by CID.' })

export const signedStatementSchema = z
  .strictObject({ statement: manifestSchema, signature: logEntrySchema.shape.signature })
  .meta({ id: 'SignedStatement', description: 'A manifest signed by its creator (Ed25519 over "mintmark/statement/v1\\n" + JCS(statement)).' })

export const registerJsonSchema = z.union([signedStatementSchema, registerByCidSchema])

export const registerQuerySchema = z.strictObject({
  filename: z
    .string()
    .max(255)
    .regex(/^[^/\\\u0000]+$/, 'a file name, not a path')
    .refine((s) => s !== '.' && s !== '..', 'a file name, not a path')
    .optional()
    .describe('Original file name (raw uploads): the default title, and a hint for the media type.'),
})

export const registerResultSchema = z
  .object({
    cid: cidSchema,
    logIndex: z.int(),
    leafHash: z.string(),
    creator: z.string(),
    created: z.boolean().describe('false when this creator had already registered this content (the existing record is returned)'),
    sha256: z.string().optional(),
    size: z.int().optional(),
    mediaType: z.string().optional(),
  })
  .meta({ id: 'RegisterResult' })

// --- records --------------------------------------------------------------------------------

export const statementSchema = manifestSchema
export const lineageEdgeSchema = z.object({ cid: z.string(), relation: z.string(), entryIndex: z.int() })

export const assetRecordSchema = z
  .object({
    asset: z.object({ cid: z.string(), sha256: z.string(), size: z.int(), mediaType: z.string() }),
    statement: statementSchema.optional(),
    claims: z.array(
      z.object({
        logIndex: z.int(),
        leafHash: z.string(),
        creator: z.string(),
        createdAt: z.string(),
        prior: z.array(z.object({ index: z.int(), leafHash: z.string() })),
        statement: statementSchema,
      }),
    ),
    lineage: z.object({ parents: z.array(lineageEdgeSchema), children: z.array(lineageEdgeSchema) }),
    log: z.object({ origin: z.string(), treeSize: z.int(), checkpointSize: z.int().nullable() }),
    contentStored: z.boolean().describe('Whether this server holds the content bytes.'),
  })
  .meta({ id: 'AssetRecord' })

export const bundleOutputSchema = bundleSchema.meta({ id: 'ProvenanceBundle' })

export const bundleQuerySchema = z.strictObject({ logIndex: intInput(0, Number.MAX_SAFE_INTEGER).optional().describe('A later claim on the asset (default: the first).') })

export const lineageQuerySchema = z.strictObject({
  depth: intInput(1, 10).optional().describe('Levels to follow each way (default 3, at most 10).'),
})

const lineageNodeSchema = z.object({
  cid: z.string(),
  relation: z.string(),
  depth: z.int(),
  /** The asset this edge connects to (one level closer to the root). */
  via: z.string(),
  entryIndex: z.int(),
})
export const lineageResultSchema = z
  .object({ cid: z.string(), depth: z.int(), ancestors: z.array(lineageNodeSchema), descendants: z.array(lineageNodeSchema), truncated: z.boolean() })
  .meta({ id: 'Lineage' })

export const statementsQuerySchema = z.strictObject({
  limit: intInput(1, 100).optional(),
  cursor: z.string().max(64).regex(/^\d+$/, 'expected a cursor from nextCursor').optional(),
})
export const statementsResultSchema = z
  .object({
    creator: z.string(),
    items: z.array(z.object({ logIndex: z.int(), cid: z.string(), createdAt: z.string(), firstClaim: z.boolean(), statement: statementSchema })),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'CreatorStatements' })

// --- log ------------------------------------------------------------------------------------

export const checkpointSchema = z
  .object({ origin: z.string(), size: z.int(), rootHash: z.string(), note: z.string(), createdAt: z.string(), logKey: z.string() })
  .meta({ id: 'Checkpoint' })

export const inclusionQuerySchema = z
  .strictObject({ cid: cidSchema.optional(), index: intInput(0, Number.MAX_SAFE_INTEGER).optional() })
  .refine((q) => (q.cid === undefined) !== (q.index === undefined), { message: 'give exactly one of cid or index', path: ['cid'] })
export const inclusionProofSchema = z
  .object({ logIndex: z.int(), treeSize: z.int(), leafHash: z.string(), rootHash: z.string(), hashes: z.array(z.string()), checkpoint: z.string() })
  .meta({ id: 'InclusionProof' })

export const consistencyQuerySchema = z.strictObject({
  from: intInput(1, Number.MAX_SAFE_INTEGER),
  to: intInput(1, Number.MAX_SAFE_INTEGER).optional().describe('Default: the size of the latest checkpoint.'),
})
export const consistencyProofSchema = z
  .object({ oldSize: z.int(), newSize: z.int(), oldRoot: z.string(), newRoot: z.string(), hashes: z.array(z.string()) })
  .meta({ id: 'ConsistencyProof' })

// --- verify ---------------------------------------------------------------------------------

export const verifyBundleBodySchema = z
  .strictObject({
    bundle: z.unknown().describe('A provenance bundle (application/vnd.mintmark.bundle.v1+json), checked by the verifier.'),
    trustedLogKeys: z.array(z.string().max(1024)).max(16).optional().describe('Log verifier keys to trust (default: the bundle\'s own, not pinned).'),
  })
  .meta({ id: 'VerifyBundleRequest' })

const checkSchema = z.object({ code: z.string(), status: z.enum(['pass', 'fail', 'skip']), detail: z.string(), error: z.string().optional() })
export const verifyReportSchema = z
  .object({
    verdict: z.enum(['verified', 'failed', 'unknown']),
    checks: z.array(checkSchema),
    asset: z.unknown().optional(),
    statement: z.unknown().optional(),
    entry: z.unknown().optional(),
    log: z.unknown().optional(),
    claims: z.array(z.object({ logIndex: z.int(), creator: z.string(), createdAt: z.string() })).optional(),
  })
  .meta({ id: 'VerifyReport', description: 'The same report `mintmark verify --json` prints.' })

// --- search ---------------------------------------------------------------------------------

export const searchQuerySchema = z.strictObject({
  q: z.string().min(1).max(256).optional().describe('Free text over title, description and disclosed prompt (all words must match).'),
  mediaType: z
    .string()
    .max(255)
    .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:\/(?:\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126}))?$/, 'a media type (image/png), or a top-level type (image or image/*)')
    .optional(),
  sourceType: z.enum(digitalSourceTypes).optional().describe('IPTC digital source type'),
  source: z.enum(sourceGroups).optional().describe('ai | human | composite (groups of digital source types)'),
  model: z.string().min(1).max(256).optional().describe('Generating model name (case-insensitive)'),
  creator: didSchema.optional(),
  license: z.string().regex(/^(?:LicenseRef-)?[A-Za-z0-9][A-Za-z0-9.+-]{0,99}$|^custom$/, 'an SPDX licence id').optional(),
  commercialUse: boolInput.optional(),
  derivatives: boolInput.optional(),
  aiTraining: z.enum(aiTrainingValues).optional(),
  minWidth: intInput(1, 1_000_000).optional(),
  minHeight: intInput(1, 1_000_000).optional(),
  createdAfter: isoTime.optional(),
  createdBefore: isoTime.optional(),
  hasParents: boolInput.optional(),
  minPrice: intInput(0, Number.MAX_SAFE_INTEGER).optional().describe('Offer price, smallest currency unit (filled when offers are indexed)'),
  maxPrice: intInput(0, Number.MAX_SAFE_INTEGER).optional(),
  currency: z.string().min(1).max(64).optional(),
  chainId: intInput(1, Number.MAX_SAFE_INTEGER).optional(),
  maxRoyaltyBps: intInput(0, 10_000).optional(),
  hasAnchor: boolInput.optional(),
  sort: z.enum(['created', 'created-asc', 'relevance']).optional().describe('Default: relevance with q, else created (newest first).'),
  limit: intInput(1, 100).optional(),
  cursor: z.string().max(512).optional().describe('nextCursor of the previous page (same query).'),
})
export type SearchQuery = z.output<typeof searchQuerySchema>

const searchHitSchema = z.object({
  cid: z.string(),
  logIndex: z.int(),
  mediaType: z.string(),
  title: z.string().nullable(),
  creator: z.string(),
  createdAt: z.string(),
  digitalSourceType: z.string(),
  sourceGroup: z.string(),
  model: z.string().nullable(),
  license: z.string(),
  commercialUse: z.boolean().nullable(),
  derivatives: z.boolean().nullable(),
  aiTraining: z.string().nullable(),
  width: z.int().nullable(),
  height: z.int().nullable(),
  hasParents: z.boolean(),
  price: z.int().nullable(),
  currency: z.string().nullable(),
  chainId: z.int().nullable(),
  royaltyBps: z.int().nullable(),
  hasAnchor: z.boolean().nullable(),
})
export const searchResultSchema = z.object({ items: z.array(searchHitSchema), nextCursor: z.string().nullable() }).meta({ id: 'SearchResult' })

// --- service --------------------------------------------------------------------------------

export const healthSchema = z.object({
  status: z.enum(['ok', 'draining']),
  logSize: z.int(),
  searchIndexed: z.int().describe('Log entries the search index has caught up with.'),
  uptimeSeconds: z.number(),
})
export const textSchema = z.string()
export const bytesSchema = z.string().meta({ format: 'binary' })
export const openApiSchema = z.record(z.string(), z.unknown())
