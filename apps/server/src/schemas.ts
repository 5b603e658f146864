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
  workers: z
    .record(
      z.string(),
      z.object({ runs: z.int(), failures: z.int(), lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(), lastSuccessAt: z.string().nullable() }).loose(),
    )
    .optional()
    .describe('The background workers (anchorer, chain indexer) when this process runs them.'),
  sequencer: z
    .object({ role: z.enum(['stopped', 'candidate', 'holder']), epoch: z.int().nullable() })
    .optional()
    .describe('PostgreSQL: this node’s sequencer; the holder appends queued registrations and signs checkpoints.'),
})
export const textSchema = z.string()
export const bytesSchema = z.string().meta({ format: 'binary' })
export const openApiSchema = z.record(z.string(), z.unknown())

// --- agents (MCP server, docs/adr/0011-mcp-and-agent-budgets.md) -------------------------------

const evmAddressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address')
const amountSchema = z.string().regex(/^\d{1,78}$/, 'an amount in the currency’s base units (wei), as a decimal string')
const offerHashSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected an offer hash (0x + 64 hex digits)')
export const agentNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'an agent name: lowercase letters, digits and dashes').describe('Agent name in this home')
export const nativeCurrency = '0x0000000000000000000000000000000000000000'
/** The media type of an agent's decision record (docs/adr/0011): logged as a statement, never listed as an asset. */
export const decisionMediaType = 'application/vnd.mintmark.agent-decision+json'

export const agentPolicySchema = z
  .strictObject({
    chains: z.array(z.int().positive()).max(32).describe('Chain ids the agent may pay on; empty: none.'),
    currencies: z
      .array(
        z.strictObject({
          currency: evmAddressSchema.describe(`${nativeCurrency} for the chain’s native coin (ETH), else an ERC-20 address`),
          chainId: z.int().positive().optional().describe('Only on this chain; absent: on every allowed chain, one shared budget.'),
          maxPricePerLicence: amountSchema.describe('Largest price of one licence.'),
          dailyBudget: amountSchema.describe('Most spent per UTC day under this entry (paid and in-flight purchases count).'),
        }),
      )
      .max(32)
      .describe('Allowed currencies with their limits; a currency not listed is refused.'),
    licences: z
      .strictObject({
        spdx: z.array(z.string().regex(/^(?:LicenseRef-)?[A-Za-z0-9][A-Za-z0-9.+-]{0,99}$/)).max(200).optional().describe('Allowed SPDX ids (case-insensitive); absent: any SPDX id.'),
        custom: z.boolean().optional().describe('Whether custom (non-SPDX) licences are allowed; default false.'),
        commercialUse: z.boolean().optional().describe('true: only licences known to allow commercial use.'),
        derivatives: z.boolean().optional().describe('true: only licences known to allow derivatives.'),
      })
      .describe('Which licence kinds the agent may buy.'),
  })
  .meta({ id: 'AgentPolicy', description: 'What an agent may buy: set by its owner, checked before any transaction.' })
export type AgentPolicy = z.output<typeof agentPolicySchema>

export const agentParamsSchema = z.strictObject({ agent: agentNameSchema })

export const agentSpendSchema = z.object({
  day: z.string(),
  budgets: z.array(z.object({ key: z.string(), currency: z.string(), chainId: z.int().nullable(), dailyBudget: z.string(), spent: z.string(), reserved: z.string() })),
})

export const agentInfoSchema = z
  .object({ name: z.string(), did: z.string(), evmAddress: z.string(), policy: agentPolicySchema, updatedAt: z.string(), spend: agentSpendSchema })
  .meta({ id: 'Agent' })

export const offersResultSchema = z
  .object({
    cid: z.string(),
    offers: z.array(
      z.object({
        offerHash: z.string(),
        chainId: z.int(),
        price: z.string(),
        currency: z.string(),
        expired: z.boolean(),
        createdAt: z.string(),
        document: z.record(z.string(), z.unknown()).describe('The signed offer document (type mintmark.offer).'),
      }),
    ),
  })
  .meta({ id: 'Offers' })

export const addressParamsSchema = z.strictObject({
  address: evmAddressSchema.describe('An EVM account'),
})

export const chainsResultSchema = z
  .object({
    chains: z.array(
      z.object({
        name: z.string(),
        chainId: z.int(),
        dev: z.boolean().describe('The local dev chain this server started.'),
        rpcUrl: z.string().nullable().describe('Given only for the local dev chain.'),
        confirmations: z.int(),
        contracts: z.object({ anchor: z.string(), licenses: z.string() }),
        indexedTo: z.int().nullable().describe('The last block the chain indexer has seen.'),
      }),
    ),
  })
  .meta({ id: 'Chains' })

const owedSchema = z.object({ currency: z.string().describe('0x0… = the native currency'), amount: z.string().describe('Base units (wei)') })
export const royaltiesResultSchema = z
  .object({ account: z.string(), chains: z.array(z.object({ chain: z.string(), chainId: z.int(), owed: z.array(owedSchema) })) })
  .meta({ id: 'RoyaltiesOwed' })

export const purchasesResultSchema = z
  .object({
    account: z.string(),
    licenses: z.array(
      z.object({
        chainId: z.int(),
        offerHash: z.string(),
        tokenId: z.string(),
        assetCid: z.string().nullable(),
        buyer: z.string(),
        seller: z.string(),
        quantity: z.int(),
        amount: z.string(),
        currency: z.string(),
        txHash: z.string(),
        blockNumber: z.int(),
      }),
    ),
    indexedTo: z.record(z.string(), z.int().nullable()).describe('Per chain id, the last block indexed.'),
  })
  .meta({ id: 'LicencePurchases' })

export const purchaseInputSchema = z.strictObject({
  offerHash: offerHashSchema,
  quantity: z.int().min(1).max(1000).optional().describe('Licences to buy (default 1).'),
  reason: z.string().min(1).max(2000).optional().describe('Why the agent chose this offer (recorded in its decision).'),
})
export const purchaseResultSchema = z.object({
  offerHash: z.string(),
  assetCid: z.string(),
  chainId: z.int(),
  tokenId: z.string(),
  quantity: z.int(),
  amount: z.string(),
  currency: z.string(),
  buyer: z.string(),
  txHash: z.string(),
  blockNumber: z.int(),
  budget: z.object({ key: z.string(), day: z.string(), dailyBudget: z.string(), spentToday: z.string() }),
  decisions: z.object({ chose: z.int(), paid: z.int().nullable() }).describe('Log indexes of the decision statements.'),
})

const contentInput = {
  contentBase64: z.string().max(64 * 1024 * 1024).optional().describe('The bytes, base64.'),
  path: z.string().min(1).max(4096).optional().describe('A file on the server’s machine (stdio transport only).'),
}
export const verifyFileInputSchema = z.strictObject(contentInput)

export const agentRegisterInputSchema = registerTemplateSchema
  .extend({
    ...contentInput,
    mediaType: z.string().max(255).optional().describe('Media type (default: sniffed from the bytes).'),
    royalties: m.rights.shape.royalties.optional().describe('Royalty split; carry the shares the parents’ offers require of derivatives. Default: all to the agent’s EVM account.'),
  })
  .meta({ id: 'AgentRegister', description: 'What the agent made: content, how it was made, parents (so royalties flow upstream), licence and split.' })

export const agentRegisterResultSchema = z.object({
  cid: z.string(),
  logIndex: z.int(),
  leafHash: z.string(),
  creator: z.string(),
  created: z.boolean(),
  sha256: z.string(),
  size: z.int(),
  mediaType: z.string(),
  decisionLogIndex: z.int(),
})

export const downloadInputSchema = z.strictObject({
  cid: cidSchema,
  saveTo: z.string().min(1).max(4096).optional().describe('Write the bytes to this path instead of returning them (stdio transport only).'),
})
export const downloadResultSchema = z.object({
  cid: z.string(),
  mediaType: z.string(),
  size: z.int(),
  sha256: z.string(),
  basis: z.object({
    kind: z.enum(['licence', 'open']),
    license: z.string(),
    offerHash: z.string().nullable(),
    chainId: z.int().nullable(),
    balance: z.string().nullable().describe('Licence tokens the agent’s account holds for that offer.'),
  }),
  contentBase64: z.string().optional(),
  savedTo: z.string().optional(),
  decisionLogIndex: z.int(),
})

export const provenanceInputSchema = cidParamsSchema.extend(lineageQuerySchema.shape)
export const provenanceResultSchema = z.object({ cid: z.string(), logIndex: z.int(), lineage: lineageResultSchema, verification: verifyReportSchema })

export const decisionsInputSchema = z.strictObject({
  did: didSchema.optional().describe('The agent’s DID (default: the calling agent).'),
  limit: intInput(1, 100).optional(),
  cursor: z.string().max(64).regex(/^\d+$/, 'expected a cursor from nextCursor').optional(),
})
export const decisionsResultSchema = z
  .object({
    agent: z.string(),
    items: z.array(
      z.object({
        logIndex: z.int(),
        cid: z.string(),
        action: z.string(),
        at: z.string(),
        decision: z.record(z.string(), z.unknown()),
        signature: z.object({ alg: z.string(), kid: z.string(), sig: z.string() }),
        verified: z.boolean(),
        checks: z.object({ entrySignature: z.boolean(), leafHash: z.boolean(), contentHash: z.boolean(), decisionSignature: z.boolean() }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'AgentDecisions' })
