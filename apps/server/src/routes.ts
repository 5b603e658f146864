import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { MintmarkError, parseJson } from '@mintmark/core'
import type { z } from 'zod'
import type { BucketName } from './http/rate-limit.js'
import { problemSchema } from './http/problem.js'
import * as market from './market.js'
import * as ops from './operations.js'
import { assetResponse } from './read-cache.js'
import type { Actor, ServiceContext } from './operations.js'
import {
  addressParamsSchema,
  agentInfoSchema,
  agentParamsSchema,
  agentPolicySchema,
  assetRecordSchema,
  bundleOutputSchema,
  bundleQuerySchema,
  bytesSchema,
  chainsResultSchema,
  checkpointSchema,
  cidParamsSchema,
  consistencyProofSchema,
  consistencyQuerySchema,
  didParamsSchema,
  emptySchema,
  healthSchema,
  inclusionProofSchema,
  inclusionQuerySchema,
  lineageQuerySchema,
  lineageResultSchema,
  offersResultSchema,
  openApiSchema,
  purchasesResultSchema,
  registerByCidSchema,
  registerQuerySchema,
  registerResultSchema,
  registerTemplateSchema,
  royaltiesResultSchema,
  searchQuerySchema,
  searchResultSchema,
  signedStatementSchema,
  statementsQuerySchema,
  statementsResultSchema,
  textSchema,
  verifyBundleBodySchema,
  verifyReportSchema,
} from './schemas.js'
import type { ApiKeyScope } from './server-db.js'

/** Who may call a route: anyone, or a caller with an API key holding `scope` (or, when `didSigned`, an RFC 9421 signature by a did:key). */
export type AuthRule = { type: 'public' } | { type: 'credentials'; scope: ApiKeyScope; didSigned: boolean }

/** How a body arrives: JSON, a raw upload (any other media type), or multipart/form-data. */
export type BodyKind = 'json' | 'file' | 'multipart'

export type RequestBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'file'; file: string; size: number; contentType: string }
  /** A raw upload small enough to keep in memory (routes with `inMemoryUpTo`); never written to disk. */
  | { kind: 'bytes'; bytes: Buffer; size: number; contentType: string }
  | { kind: 'multipart'; form: FormData }

export type RouteRequest = {
  params: Record<string, unknown>
  query: Record<string, unknown>
  body: RequestBody
  headers: Headers
  actor: Actor
  /** A private directory for this request's files, removed when the response is sent. */
  workDir: () => Promise<string>
}

export type RouteResult = { status: number; json: unknown; headers?: Record<string, string> } | Response

export type RouteDefinition = {
  operationId: string
  method: 'GET' | 'POST'
  /** OpenAPI path template (`/v1/assets/{cid}`). */
  path: string
  summary: string
  description?: string
  tags: string[]
  auth: AuthRule
  bucket: BucketName
  /** Largest body accepted (after decoding); 0 = no body. */
  bodyLimit: number
  body?: {
    kinds: readonly BodyKind[]
    json?: z.ZodType
    description: string
    /** Raw uploads with a Content-Length up to this many bytes (and no Content-Encoding) are read to memory, not to a file. */
    inMemoryUpTo?: number
  }
  params: z.ZodType
  query: z.ZodType
  responses: Record<number, { description: string; schema: z.ZodType; contentType?: string }>
  /** Honours Idempotency-Key. */
  idempotent?: boolean
  handler: (req: RouteRequest, s: ServiceContext) => Promise<RouteResult>
}

export type RouteLimits = {
  /** Raw and multipart uploads (register, verify). */
  maxUploadBytes: number
  /** JSON bodies. */
  maxJsonBytes: number
}

export const defaultRouteLimits: RouteLimits = { maxUploadBytes: 256 * 1024 * 1024, maxJsonBytes: 4 * 1024 * 1024 }

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: 'Problem (RFC 9457) with a stable code', schema: problemSchema, contentType: 'application/problem+json' }]))

const ok = (json: unknown, status = 200): RouteResult => ({ status, json })

/** Maximum size of the template header of raw uploads (node's header limit is raised to fit). */
export const maxTemplateHeaderBytes = 48 * 1024

/** The route table: every HTTP route, its schemas, auth rule, body limit and rate-limit bucket. */
export type MetaHandlers = {
  health: () => z.output<typeof healthSchema> | Promise<z.output<typeof healthSchema>>
  metrics: () => string | Promise<string>
  openapi: () => unknown
  docs: () => string
}

const noMeta: MetaHandlers = {
  health: () => {
    throw new MintmarkError('INTERNAL', 'Not served.')
  },
  metrics: () => '',
  openapi: () => ({}),
  docs: () => '',
}

export function createRoutes(limits: RouteLimits = defaultRouteLimits, meta: MetaHandlers = noMeta): RouteDefinition[] {
  const cidRoute = { params: cidParamsSchema, bodyLimit: 0, auth: { type: 'public' } as const }
  return [
    {
      operationId: 'registerAsset',
      method: 'POST',
      path: '/v1/assets',
      summary: 'Register an asset',
      description: [
        'Three forms, by Content-Type:',
        '- `application/json` with `{statement, signature}`: a manifest signed by its creator (did:key). The caller must be that creator (RFC 9421 signature by the DID, or an API key whose principal is the DID).',
        '- `application/json` with `{cid, …template}`: a blob the store already holds, signed with the server’s creator key (operator only).',
        '- any other type: the raw file bytes, streamed to disk; the template (same fields) in the `Mintmark-Template` header as base64url JSON (or plain ASCII JSON), optional `?filename=`. Or `multipart/form-data` with a `template` field (JSON) and a `file` field. Signed with the server’s creator key (operator only).',
        'Idempotency-Key: the same key and body replay the first response; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED.',
      ].join('\n'),
      tags: ['assets'],
      auth: { type: 'credentials', scope: 'assets:write', didSigned: true },
      bucket: 'write',
      bodyLimit: limits.maxUploadBytes,
      body: { kinds: ['json', 'file', 'multipart'], json: signedStatementSchema.or(registerByCidSchema), description: 'Signed statement, register-by-CID, raw file or multipart' },
      params: emptySchema,
      query: registerQuerySchema,
      idempotent: true,
      responses: { 201: { description: 'Registered', schema: registerResultSchema }, 200: { description: 'Already registered by this creator', schema: registerResultSchema }, ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      async handler(req, s) {
        const result = await registerRequest(req, s)
        return { status: result.created ? 201 : 200, json: result, headers: { location: `/v1/assets/${result.cid}` } }
      },
    },
    {
      operationId: 'getAsset',
      method: 'GET',
      path: '/v1/assets/{cid}',
      summary: 'The record of an asset: every claim, lineage edges, log position',
      description: 'Sent with a strong ETag; a request whose If-None-Match holds it is answered 304 Not Modified, without a body.',
      tags: ['assets'],
      ...cidRoute,
      bucket: 'read',
      query: emptySchema,
      responses: { 200: { description: 'Asset record', schema: assetRecordSchema }, ...problems(400, 404, 429) },
      handler: async (req, s) => assetResponse(s.app, (req.params as { cid: string }).cid, req.headers.get('if-none-match')),
    },
    {
      operationId: 'getBundle',
      method: 'GET',
      path: '/v1/assets/{cid}/bundle',
      summary: 'The provenance bundle of an asset’s first claim (or of ?logIndex=)',
      tags: ['assets'],
      ...cidRoute,
      bucket: 'read',
      query: bundleQuerySchema,
      responses: { 200: { description: 'Provenance bundle', schema: bundleOutputSchema, contentType: 'application/vnd.mintmark.bundle.v1+json' }, ...problems(400, 404, 429) },
      async handler(req, s) {
        const bundle = await ops.getBundle(s, { ...(req.params as { cid: string }), ...(req.query as z.output<typeof bundleQuerySchema>) })
        return new Response(JSON.stringify(bundle), { headers: { 'content-type': 'application/vnd.mintmark.bundle.v1+json' } })
      },
    },
    {
      operationId: 'getContent',
      method: 'GET',
      path: '/v1/assets/{cid}/content',
      summary: 'The content bytes, re-hashed against the CID before they are served',
      tags: ['assets'],
      ...cidRoute,
      bucket: 'heavyRead',
      query: emptySchema,
      responses: { 200: { description: 'Content', schema: bytesSchema, contentType: 'application/octet-stream' }, ...problems(400, 404, 429, 500) },
      async handler(req, s) {
        const { cid } = req.params as { cid: string }
        const asset = await s.app.store.getAsset(cid)
        const bytes = await s.app.blobs.get(cid)
        return new Response(bytes, {
          headers: {
            'content-type': asset?.mediaType ?? 'application/octet-stream',
            'content-length': String(bytes.byteLength),
            etag: `"${cid}"`,
            'cache-control': 'public, max-age=31536000, immutable',
            'x-content-type-options': 'nosniff',
            'content-security-policy': "default-src 'none'; sandbox",
          },
        })
      },
    },
    {
      operationId: 'getLineage',
      method: 'GET',
      path: '/v1/assets/{cid}/lineage',
      summary: 'Ancestors and descendants of an asset, depth-limited',
      tags: ['assets'],
      ...cidRoute,
      bucket: 'heavyRead',
      query: lineageQuerySchema,
      responses: { 200: { description: 'Lineage', schema: lineageResultSchema }, ...problems(400, 404, 429) },
      handler: async (req, s) => ok(await ops.getLineage(s, { ...(req.params as { cid: string }), ...(req.query as z.output<typeof lineageQuerySchema>) })),
    },
    {
      operationId: 'verify',
      method: 'POST',
      path: '/v1/verify',
      summary: 'Verify a file against this log, or a bundle (with an optional file) on its own',
      description: [
        '- raw body (any type but JSON/multipart): the file; the report is what `mintmark verify <file> --json` prints against this home.',
        '- `application/json` `{bundle, trustedLogKeys?}`: the bundle alone, as `mintmark verify --bundle B --offline`.',
        '- `multipart/form-data` with `bundle` (JSON text or file), `file` and optional `trustedLogKeys` (JSON array): the file against the bundle.',
        'Anchors are not checked against chains here (no RPC from the server on behalf of callers); their checks are skipped.',
      ].join('\n'),
      tags: ['verify'],
      auth: { type: 'public' },
      bucket: 'verify',
      bodyLimit: limits.maxUploadBytes,
      body: { kinds: ['file', 'json', 'multipart'], json: verifyBundleBodySchema, description: 'File, bundle JSON, or both (multipart)', inMemoryUpTo: 16 * 1024 * 1024 },
      params: emptySchema,
      query: emptySchema,
      responses: { 200: { description: 'Verification report (also when the verdict is not "verified")', schema: verifyReportSchema }, ...problems(400, 413, 415, 422, 429) },
      handler: async (req, s) => ok(await verifyRequest(req, s)),
    },
    {
      operationId: 'getCreatorStatements',
      method: 'GET',
      path: '/v1/creators/{did}/statements',
      summary: 'Statements signed by a creator, in log order',
      tags: ['creators'],
      auth: { type: 'public' },
      bucket: 'read',
      bodyLimit: 0,
      params: didParamsSchema,
      query: statementsQuerySchema,
      responses: { 200: { description: 'Statements', schema: statementsResultSchema }, ...problems(400, 429) },
      handler: async (req, s) => ok(await ops.getCreatorStatements(s, { ...(req.params as { did: string }), ...(req.query as z.output<typeof statementsQuerySchema>) })),
    },
    {
      operationId: 'getOffers',
      method: 'GET',
      path: '/v1/assets/{cid}/offers',
      summary: 'The signed licence offers recorded for an asset (price, currency, payees, expiry)',
      tags: ['market'],
      ...cidRoute,
      bucket: 'read',
      query: emptySchema,
      responses: { 200: { description: 'Offers', schema: offersResultSchema }, ...problems(400, 404, 429) },
      handler: async (req, s) => ok(await market.listOffers(s, req.params as { cid: string })),
    },
    {
      operationId: 'getChains',
      method: 'GET',
      path: '/v1/chains',
      summary: 'The chains this log is anchored on and licences are sold on, with contract addresses',
      tags: ['market'],
      auth: { type: 'public' },
      bucket: 'read',
      bodyLimit: 0,
      params: emptySchema,
      query: emptySchema,
      responses: { 200: { description: 'Chains', schema: chainsResultSchema }, ...problems(429, 503) },
      handler: async (_req, s) => ok(await market.listChains(s)),
    },
    {
      operationId: 'getRoyalties',
      method: 'GET',
      path: '/v1/accounts/{address}/royalties',
      summary: 'Royalties owed to an account, per chain and currency, read from the licences contracts',
      tags: ['market'],
      auth: { type: 'public' },
      bucket: 'heavyRead',
      bodyLimit: 0,
      params: addressParamsSchema,
      query: emptySchema,
      responses: { 200: { description: 'Royalties owed', schema: royaltiesResultSchema }, ...problems(400, 429, 502, 503) },
      handler: async (req, s) => ok(await market.accountRoyalties(s, req.params as { address: string })),
    },
    purchasesRoute('getLicensesHeld', '/v1/accounts/{address}/licenses', 'Licences an account bought, as the chain indexer recorded them', 'buyer'),
    purchasesRoute('getLicensesSold', '/v1/accounts/{address}/sales', 'Licences sold under an account’s offers, as the chain indexer recorded them', 'seller'),
    {
      operationId: 'getLatestCheckpoint',
      method: 'GET',
      path: '/v1/checkpoints/latest',
      summary: 'The latest signed checkpoint (C2SP signed note)',
      tags: ['log'],
      auth: { type: 'public' },
      bucket: 'read',
      bodyLimit: 0,
      params: emptySchema,
      query: emptySchema,
      responses: { 200: { description: 'Checkpoint', schema: checkpointSchema }, ...problems(404, 429) },
      handler: async (_req, s) => ok(await ops.getLatestCheckpoint(s)),
    },
    {
      operationId: 'getInclusionProof',
      method: 'GET',
      path: '/v1/log/proofs/inclusion',
      summary: 'Inclusion proof of an asset’s first claim (?cid=) or of a log index (?index=) at the latest checkpoint',
      tags: ['log'],
      auth: { type: 'public' },
      bucket: 'read',
      bodyLimit: 0,
      params: emptySchema,
      query: inclusionQuerySchema,
      responses: { 200: { description: 'Inclusion proof', schema: inclusionProofSchema }, ...problems(400, 404, 429) },
      handler: async (req, s) => ok(await ops.getInclusionProof(s, req.query as z.output<typeof inclusionQuerySchema>)),
    },
    {
      operationId: 'getConsistencyProof',
      method: 'GET',
      path: '/v1/log/proofs/consistency',
      summary: 'Consistency proof between two tree sizes',
      tags: ['log'],
      auth: { type: 'public' },
      bucket: 'read',
      bodyLimit: 0,
      params: emptySchema,
      query: consistencyQuerySchema,
      responses: { 200: { description: 'Consistency proof', schema: consistencyProofSchema }, ...problems(400, 404, 429) },
      handler: async (req, s) => ok(await ops.getConsistencyProof(s, req.query as z.output<typeof consistencyQuerySchema>)),
    },
    {
      operationId: 'search',
      method: 'GET',
      path: '/v1/search',
      summary: 'Search assets by filters and free text, with cursor pagination',
      tags: ['search'],
      auth: { type: 'public' },
      bucket: 'search',
      bodyLimit: 0,
      params: emptySchema,
      query: searchQuerySchema,
      responses: { 200: { description: 'One page of results', schema: searchResultSchema }, ...problems(400, 429) },
      handler: async (req, s) => ok(await ops.search(s, req.query as z.output<typeof searchQuerySchema>)),
    },
    {
      operationId: 'getAgent',
      method: 'GET',
      path: '/v1/agents/{agent}',
      summary: 'An agent: its keys’ identifiers, the policy its owner set, and today’s spend (admin)',
      tags: ['agents'],
      auth: { type: 'credentials', scope: 'admin', didSigned: false },
      bucket: 'read',
      bodyLimit: 0,
      params: agentParamsSchema,
      query: emptySchema,
      responses: { 200: { description: 'Agent', schema: agentInfoSchema }, ...problems(400, 401, 403, 404, 429) },
      handler: async (req, s) => ok(await ops.getAgent(s, req.params as { agent: string })),
    },
    {
      operationId: 'setAgentPolicy',
      method: 'POST',
      path: '/v1/agents/{agent}/policy',
      summary: 'Replace an agent’s policy: chains, currencies with price and daily limits, licence kinds (admin)',
      tags: ['agents'],
      auth: { type: 'credentials', scope: 'admin', didSigned: false },
      bucket: 'write',
      bodyLimit: limits.maxJsonBytes,
      body: { kinds: ['json'], json: agentPolicySchema, description: 'The new policy' },
      params: agentParamsSchema,
      query: emptySchema,
      responses: { 200: { description: 'Agent with its new policy', schema: agentInfoSchema }, ...problems(400, 401, 403, 404, 415, 422, 429) },
      async handler(req, s) {
        if (req.body.kind !== 'json') throw new MintmarkError('INPUT_INVALID', 'Send the policy as application/json.')
        const policy = parseWith(agentPolicySchema, req.body.value, 'INPUT_INVALID', 'The policy does not match the schema.')
        return ok(await ops.setAgentPolicyOp(s, { agent: (req.params as { agent: string }).agent, policy }))
      },
    },
    {
      operationId: 'health',
      method: 'GET',
      path: '/healthz',
      summary: 'Liveness and readiness',
      tags: ['service'],
      auth: { type: 'public' },
      bucket: 'meta',
      bodyLimit: 0,
      params: emptySchema,
      query: emptySchema,
      responses: { 200: { description: 'Serving', schema: healthSchema }, 503: { description: 'Draining', schema: healthSchema } },
      async handler() {
        const h = await meta.health()
        return ok(h, h.status === 'ok' ? 200 : 503)
      },
    },
    {
      operationId: 'metrics',
      method: 'GET',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tags: ['service'],
      auth: { type: 'public' },
      bucket: 'meta',
      bodyLimit: 0,
      params: emptySchema,
      query: emptySchema,
      responses: { 200: { description: 'Prometheus text format 0.0.4', schema: textSchema, contentType: 'text/plain; version=0.0.4' } },
      handler: async () => new Response(await meta.metrics(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }),
    },
    {
      operationId: 'openapi',
      method: 'GET',
      path: '/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      tags: ['service'],
      auth: { type: 'public' },
      bucket: 'meta',
      bodyLimit: 0,
      params: emptySchema,
      query: emptySchema,
      responses: { 200: { description: 'OpenAPI 3.1', schema: openApiSchema } },
      handler: async () => ok(meta.openapi()),
    },
    {
      operationId: 'docs',
      method: 'GET',
      path: '/docs',
      summary: 'The API reference as an HTML page (generated from the OpenAPI document)',
      tags: ['service'],
      auth: { type: 'public' },
      bucket: 'meta',
      bodyLimit: 0,
      params: emptySchema,
      query: emptySchema,
      responses: { 200: { description: 'HTML', schema: textSchema, contentType: 'text/html' } },
      handler: async () =>
        new Response(meta.docs(), { headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" } }),
    },
  ]
}

// --- register and verify: several body forms -----------------------------------------------

async function registerRequest(req: RouteRequest, s: ServiceContext) {
  const body = req.body
  if (body.kind === 'json') {
    const v = body.value
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'statement' in v) {
      if (req.actor.kind === 'apiKey' && !req.actor.did)
        throw new MintmarkError('AUTH_FORBIDDEN', 'This API key’s principal is not a DID: it cannot register signed statements.')
      return ops.registerSigned(s, v, req.actor)
    }
    const parsed = parseWith(registerByCidSchema, v, 'MANIFEST_SCHEMA_INVALID', 'The register request does not match the schema.')
    const { cid, ...template } = parsed
    return ops.registerByCid(s, { cid, template, workDir: await req.workDir() }, req.actor)
  }
  if (body.kind === 'file') {
    const raw = req.headers.get('mintmark-template')
    if (raw === null)
      throw new MintmarkError('INPUT_INVALID', 'A raw upload needs the Mintmark-Template header (base64url JSON of the register template).', { fields: ['mintmark-template'] })
    const template = parseWith(registerTemplateSchema, decodeTemplateHeader(raw), 'MANIFEST_SCHEMA_INVALID', 'The register template does not match the schema.')
    return ops.registerFile(s, { file: body.file, template }, req.actor)
  }
  if (body.kind === 'multipart') {
    const t = body.form.get('template')
    const f = body.form.get('file')
    if (typeof t !== 'string') throw new MintmarkError('INPUT_INVALID', 'The multipart body needs a `template` field (JSON).', { fields: ['template'] })
    if (f === null || typeof f === 'string') throw new MintmarkError('INPUT_INVALID', 'The multipart body needs a `file` part.', { fields: ['file'] })
    const template = parseWith(registerTemplateSchema, jsonText(t, 'template'), 'MANIFEST_SCHEMA_INVALID', 'The register template does not match the schema.')
    const file = await savePart(f, await req.workDir(), (req.query as { filename?: string }).filename)
    return ops.registerFile(s, { file, template }, req.actor)
  }
  throw new MintmarkError('INPUT_INVALID', 'Registering needs a body.')
}

async function verifyRequest(req: RouteRequest, s: ServiceContext) {
  const body = req.body
  if (body.kind === 'file') return ops.verifyUploadedFile(s, body.file)
  if (body.kind === 'bytes') return ops.verifyUploadedBytes(s, body.bytes, (req.query.filename as string | undefined) ?? 'upload')
  if (body.kind === 'json') {
    const { bundle, trustedLogKeys } = parseWith(verifyBundleBodySchema, body.value, 'INPUT_INVALID', 'The verify request does not match the schema.')
    const dir = await req.workDir()
    const bundlePath = path.join(dir, 'bundle.json')
    await fsp.writeFile(bundlePath, JSON.stringify(bundle ?? null), { mode: 0o600 })
    return ops.verifyBundleFile({ bundlePath, trustedLogKeys })
  }
  if (body.kind === 'multipart') {
    const dir = await req.workDir()
    const f = body.form.get('file')
    const b = body.form.get('bundle')
    const keys = body.form.get('trustedLogKeys')
    const file = f !== null && typeof f !== 'string' ? await savePart(f, dir, undefined) : undefined
    if (b === null) {
      if (!file) throw new MintmarkError('INPUT_INVALID', 'The multipart body needs a `file` part, a `bundle` part, or both.', { fields: ['file', 'bundle'] })
      return ops.verifyUploadedFile(s, file)
    }
    const bundlePath = path.join(dir, 'bundle.json')
    await fsp.writeFile(bundlePath, typeof b === 'string' ? b : new Uint8Array(await b.arrayBuffer()), { mode: 0o600 })
    let trustedLogKeys: string[] | undefined
    if (typeof keys === 'string') {
      const parsed = jsonText(keys, 'trustedLogKeys')
      if (!Array.isArray(parsed) || parsed.length > 16 || !parsed.every((k) => typeof k === 'string' && k.length <= 1024))
        throw new MintmarkError('INPUT_INVALID', 'trustedLogKeys must be a JSON array of log key strings.', { fields: ['trustedLogKeys'] })
      trustedLogKeys = parsed as string[]
    }
    return ops.verifyBundleFile({ bundlePath, file, trustedLogKeys })
  }
  throw new MintmarkError('INPUT_INVALID', 'Verify needs a body: a file, a bundle, or both.')
}

function decodeTemplateHeader(raw: string): unknown {
  const text = raw.trimStart().startsWith('{') ? raw : Buffer.from(raw.trim(), 'base64url').toString('utf8')
  return jsonText(text, 'mintmark-template')
}

function jsonText(text: string, field: string): unknown {
  try {
    return parseJson(text)
  } catch (e) {
    throw new MintmarkError('JSON_INVALID', `${field} is not valid JSON.`, { fields: [field], cause: e })
  }
}

/** Writes an uploaded part under a safe name (the part's file name is only a hint for the title and media type). */
async function savePart(part: Blob, dir: string, filename: string | undefined): Promise<string> {
  const hinted = filename ?? ((part as File).name || 'upload')
  const name = path.basename(hinted.replace(/[\\/\u0000]/g, '_')).slice(0, 200) || 'upload'
  const file = path.join(dir, name === '.' || name === '..' ? 'upload' : name)
  await fsp.writeFile(file, new Uint8Array(await part.arrayBuffer()), { flag: 'wx', mode: 0o600 })
  return file
}

/** Parses with a schema and turns failures into one coded error naming the fields. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, code: 'INPUT_INVALID' | 'MANIFEST_SCHEMA_INVALID', message: string): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const at = (i: { path: readonly PropertyKey[] }) => i.path.map(String).join('.') || '(root)'
  throw new MintmarkError(code, message, {
    fields: [...new Set(r.error.issues.map(at))],
    details: r.error.issues.slice(0, 5).map((i) => `${at(i)}: ${i.message}`).join('; '),
  })
}

/** Licence purchases per account, by role: what the chain indexer saw it buy or sell. */
function purchasesRoute(operationId: string, path: string, summary: string, role: 'buyer' | 'seller'): RouteDefinition {
  return {
    operationId,
    method: 'GET',
    path,
    summary,
    tags: ['market'],
    auth: { type: 'public' },
    bucket: 'read',
    bodyLimit: 0,
    params: addressParamsSchema,
    query: emptySchema,
    responses: { 200: { description: summary, schema: purchasesResultSchema }, ...problems(400, 429, 503) },
    handler: async (req, s) => ok(await market.accountPurchases(s, { ...(req.params as { address: string }), role })),
  }
}
