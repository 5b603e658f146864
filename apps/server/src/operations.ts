import { promises as fsp } from 'node:fs'
import path from 'node:path'
import {
  type AppContext,
  type RegisterTemplate,
  type createStatementAppender,
  prepareSignedStatement,
  exportBundle,
  logConsistency,
  logProve,
  register,
  verifyBytes,
  verifyFile,
  verifyOffline,
} from '@mintmark/app'
import { MintmarkError, canonicalize, decodeLogEntry, parseContentId } from '@mintmark/core'
import type { z } from 'zod'
import { agentInfoOf } from './mcp/agents.js'
import { assetCacheFor } from './read-cache.js'
import type { AgentPolicy } from './schemas.js'
import type {
  bundleQuerySchema,
  consistencyQuerySchema,
  inclusionQuerySchema,
  lineageQuerySchema,
  registerTemplateSchema,
  searchQuerySchema,
  statementsQuerySchema,
} from './schemas.js'
import type { SearchState } from './search/search-index.js'
import type { AgentState } from './mcp/agents.js'

/**
 * The service methods behind the HTTP routes, over plain inputs (already validated by the route's
 * zod schemas) and returning plain data. The MCP tools will call the same functions with the same
 * schemas. `actor` is who asks (see auth.ts).
 */
export type ServiceContext = {
  app: AppContext
  search: SearchState
  appender: ReturnType<typeof createStatementAppender>
  /** The home's creator DID: the only principal that may have the server sign for it. */
  creatorDid: string
  /** Brings the search index up to date with the log (serialised). */
  catchUp: () => Promise<void>
  /** Where uploads are written while they are processed. */
  uploadsDir: string
  now: () => Date
  /** Agents, their policies and spend (docs/adr/0011-mcp-and-agent-budgets.md); absent in contexts without them. */
  agents?: AgentState | undefined
}

export type Actor = { id: string; kind: 'anonymous' | 'apiKey' | 'did'; did?: string | undefined; scopes: readonly string[] }

/** An asset's record, from the read cache (read-cache.ts says why a cached record is never stale). */
export async function getAssetRecord(s: ServiceContext, input: { cid: string }) {
  const v = await assetCacheFor(s.app).get(input.cid)
  return { ...v.record, contentStored: v.contentStored }
}

export function getBundle(s: ServiceContext, input: { cid: string } & z.output<typeof bundleQuerySchema>) {
  return exportBundle(s.app, input.cid, input.logIndex)
}

/** Ancestors and descendants of an asset, breadth-first, each edge once, up to `depth` levels and 1,000 nodes per side. */
export async function getLineage(s: ServiceContext, input: { cid: string } & z.output<typeof lineageQuerySchema>) {
  const cid = parseContentId(input.cid)
  if (!(await s.app.store.getAsset(cid))) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${cid} in this log.`)
  const depth = input.depth ?? 3
  const maxNodes = 1000
  let truncated = false
  const walk = async (next: (c: string) => Promise<{ cid: string; relation: string; entryIndex: number }[]>) => {
    const out: { cid: string; relation: string; depth: number; via: string; entryIndex: number }[] = []
    const seen = new Set<string>([cid as string])
    let frontier: string[] = [cid]
    for (let d = 1; d <= depth && frontier.length; d++) {
      const following: string[] = []
      for (const c of frontier)
        for (const e of await next(c)) {
          if (out.length >= maxNodes) {
            truncated = true
            return out
          }
          out.push({ cid: e.cid, relation: e.relation, depth: d, via: c, entryIndex: e.entryIndex })
          if (!seen.has(e.cid)) {
            seen.add(e.cid)
            following.push(e.cid)
          }
        }
      frontier = following
    }
    if (frontier.length && depth > 0) for (const c of frontier) if ((await next(c)).length) {
      truncated = true
      break
    }
    return out
  }
  const ancestors = await walk((c) => s.app.store.parentsOf(c))
  const descendants = await walk((c) => s.app.store.childrenOf(c))
  return { cid, depth, ancestors, descendants, truncated }
}

export async function getCreatorStatements(s: ServiceContext, input: { did: string } & z.output<typeof statementsQuerySchema>) {
  const limit = input.limit ?? 50
  const after = input.cursor === undefined ? -1 : Number(input.cursor)
  const rows = await s.search.statementsBy(input.did, after, limit + 1)
  const page = rows.slice(0, limit)
  const items = []
  for (const r of page) {
    const stored = await s.app.store.getEntry(r.idx)
    if (!stored) throw new MintmarkError('STORE_CORRUPT', `The search index names log entry ${r.idx}, which the log does not hold.`)
    const entry = decodeLogEntry(stored.data)
    items.push({ logIndex: r.idx, cid: r.cid, createdAt: entry.statement.createdAt, firstClaim: !entry.prior?.length, statement: entry.statement })
  }
  const last = page[page.length - 1]
  return { creator: input.did, items, nextCursor: rows.length > limit && last ? String(last.idx) : null }
}

export async function getLatestCheckpoint(s: ServiceContext) {
  const c = await s.app.store.latestCheckpoint()
  if (!c) throw new MintmarkError('CHECKPOINT_NOT_FOUND', 'The log has no checkpoint yet.')
  return {
    origin: s.app.config.logOrigin,
    size: c.size,
    rootHash: Buffer.from(c.rootHash).toString('hex'),
    note: c.note,
    createdAt: c.createdAt,
    logKey: s.app.logKey,
  }
}

export async function getInclusionProof(s: ServiceContext, input: z.output<typeof inclusionQuerySchema>) {
  if (input.index !== undefined && input.index >= (await s.app.store.size()))
    throw new MintmarkError('LOG_ENTRY_NOT_FOUND', `No log entry ${input.index}.`)
  return logProve(s.app, input.cid ?? String(input.index))
}

export async function getConsistencyProof(s: ServiceContext, input: z.output<typeof consistencyQuerySchema>) {
  const to = input.to ?? (await s.app.store.latestCheckpoint())?.size
  if (to === undefined) throw new MintmarkError('CHECKPOINT_NOT_FOUND', 'The log has no checkpoint yet.')
  return logConsistency(s.app, input.from, to)
}

export function search(s: ServiceContext, input: z.output<typeof searchQuerySchema>) {
  if (input.createdAfter && input.createdBefore && Date.parse(input.createdAfter) >= Date.parse(input.createdBefore))
    throw new MintmarkError('INPUT_INVALID', 'createdAfter must be before createdBefore.', { fields: ['createdAfter', 'createdBefore'] })
  return s.search.search(input)
}

/** Registers a statement signed by its creator; the actor must be that creator. */
export async function registerSigned(s: ServiceContext, body: unknown, actor: Actor) {
  const { draft, statement } = await prepareSignedStatement(body, { now: s.now(), store: s.app.store })
  if (statement.creator !== actor.did)
    throw new MintmarkError('AUTH_FORBIDDEN', 'A principal may only register statements it created (statement.creator must be the caller’s DID).', {
      fields: ['statement.creator'],
    })
  const r = await s.appender.append(draft)
  await s.catchUp()
  return { cid: statement.asset.cid, logIndex: r.index, leafHash: r.leafHash, creator: statement.creator, created: r.created }
}

/** Registers a file with the server's creator key (the CLI's `register`); only that creator may ask. */
export async function registerFile(s: ServiceContext, input: { file: string; template: z.output<typeof registerTemplateSchema> }, actor: Actor) {
  assertOperator(s, actor)
  const result = await register(s.app, { ...(dropUndefined(input.template) as RegisterTemplate), files: [input.file], concurrency: 1 })
  await s.catchUp()
  const done = result.registered[0]
  if (done) return { cid: done.cid, logIndex: done.logIndex, leafHash: done.leafHash, creator: s.creatorDid, created: true, sha256: done.sha256, size: done.size, mediaType: done.mediaType }
  const skipped = result.skipped[0]
  if (!skipped) throw new MintmarkError('INTERNAL', 'Register returned no result for the upload.')
  const existing = (await s.app.store.entriesForAsset(skipped.cid)).find((e) => e.creator === s.creatorDid)
  const asset = await s.app.store.getAsset(skipped.cid)
  if (!existing || !asset) throw new MintmarkError('INTERNAL', 'Register skipped an asset that the log does not hold.')
  return {
    cid: skipped.cid,
    logIndex: existing.index,
    leafHash: Buffer.from(existing.leafHash).toString('hex'),
    creator: s.creatorDid,
    created: false,
    sha256: asset.sha256,
    size: asset.size,
    mediaType: asset.mediaType,
  }
}

/** Registers a blob the store already holds, by CID, with the server's creator key. */
export async function registerByCid(s: ServiceContext, input: { cid: string; template: z.output<typeof registerTemplateSchema>; workDir: string }, actor: Actor) {
  assertOperator(s, actor)
  const cid = parseContentId(input.cid)
  const bytes = await s.app.blobs.get(cid)
  const file = path.join(input.workDir, cid)
  await fsp.writeFile(file, bytes, { mode: 0o600 })
  return registerFile(s, { file, template: input.template }, actor)
}

export function verifyUploadedFile(s: ServiceContext, file: string) {
  return verifyFile(s.app, file)
}

export function verifyUploadedBytes(s: ServiceContext, bytes: Uint8Array, name: string) {
  return verifyBytes(s.app, bytes, name)
}

/** Verifies a bundle (and optionally a file against it) with nothing but the bundle, as `mintmark verify --bundle --offline`. */
export async function verifyBundleFile(input: { bundlePath: string; file?: string | undefined; trustedLogKeys?: readonly string[] | undefined }) {
  return verifyOffline({ bundlePath: input.bundlePath, file: input.file, ...(input.trustedLogKeys ? { trustedLogKeys: input.trustedLogKeys } : {}) })
}

function assertOperator(s: ServiceContext, actor: Actor): void {
  if (actor.did !== s.creatorDid)
    throw new MintmarkError('AUTH_FORBIDDEN', 'Only the server’s own creator may register with its key; sign your statement and post {statement, signature}.')
}

function dropUndefined<T extends object>(o: T): T {
  return JSON.parse(canonicalize(JSON.parse(JSON.stringify(o)))) as T
}

/** An agent's policy and today's spend (admin). */
export async function getAgent(s: ServiceContext, input: { agent: string }) {
  if (!s.agents) throw new MintmarkError('AGENT_NOT_FOUND', 'This service has no agents.')
  return agentInfoOf(s.agents, input.agent, s.now())
}

/** Replaces an agent's policy (admin). */
export async function setAgentPolicyOp(s: ServiceContext, input: { agent: string; policy: AgentPolicy }) {
  if (!s.agents) throw new MintmarkError('AGENT_NOT_FOUND', 'This service has no agents.')
  if (!(await s.agents.get(input.agent))) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${input.agent} in this home.`)
  await s.agents.setPolicy(input.agent, input.policy, s.now())
  return agentInfoOf(s.agents, input.agent, s.now())
}
