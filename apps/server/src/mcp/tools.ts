import { createHash } from 'node:crypto'
import { promises as fsp, readFileSync } from 'node:fs'
import path from 'node:path'
import { type AppContext, sniffMediaType, verifyFile, verifyOffline } from '@mintmark/app'
import { buyLicense, parseOfferDocument } from '@mintmark/app/chain'
import { MintmarkError, canonicalize, createManifest, decodeLogEntry, errorCodes, manifestSchema, signStatement } from '@mintmark/core'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { toMintmarkError, toProblem } from '../http/problem.js'
import * as market from '../market.js'
import * as ops from '../operations.js'
import type { ServiceContext } from '../operations.js'
import {
  agentInfoSchema,
  agentRegisterInputSchema,
  agentRegisterResultSchema,
  assetRecordSchema,
  cidParamsSchema,
  decisionsInputSchema,
  decisionsResultSchema,
  downloadInputSchema,
  downloadResultSchema,
  emptySchema,
  offersResultSchema,
  provenanceInputSchema,
  provenanceResultSchema,
  purchaseInputSchema,
  purchaseResultSchema,
  searchQuerySchema,
  searchResultSchema,
  verifyFileInputSchema,
  verifyReportSchema,
} from '../schemas.js'
import { licenceFacts } from '../search/classify.js'
import { type AgentIdentity, type AgentState, agentInfoOf, checkPolicy, utcDay } from './agents.js'
import { listDecisions, recordDecision } from './decisions.js'

export type McpTransportKind = 'http' | 'stdio'

export type CreateMcpServerOptions = {
  /** The agent the session acts as; without one only the read tools work. */
  agent?: AgentIdentity | undefined
  /** The agents database (policies, spend). */
  agents: AgentState
  /** `stdio` lets tools read and write paths on this machine; `http` takes content as base64 only. */
  transport: McpTransportKind
}

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/**
 * The asset record for tools: the same schema, with the manifest copied without its JSON Schema
 * `$id` (a record holds several manifests, and a validator refuses one $id for two subschemas).
 */
const toolStatementSchema = manifestSchema.extend({})
export const assetRecordToolSchema = assetRecordSchema.extend({
  statement: toolStatementSchema.optional(),
  claims: z.array(assetRecordSchema.shape.claims.element.extend({ statement: toolStatementSchema })),
})

/** Largest content returned inline by download_asset (base64 in the JSON-RPC answer). */
export const maxInlineDownloadBytes = 16 * 1024 * 1024

/** The tool error: the stable Mintmark code and message, as text (JSON) and in `_meta`. */
export function toolError(error: unknown): CallToolResult {
  const problem = toProblem(error)
  const e = toMintmarkError(error)
  const body = { code: problem.code, message: problem.title, status: problem.status, retry: errorCodes[e.code].retry, ...(problem.detail ? { detail: problem.detail } : {}), ...(problem.fields ? { fields: problem.fields } : {}) }
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(body) }], _meta: { 'mintmark/error': body } }
}

/**
 * The MCP server over the service methods: the same zod schemas as the HTTP routes describe the
 * tools' inputs and outputs; read tools carry `readOnlyHint`. Every failure is a tool error with
 * the stable Mintmark code. Decisions of the agent (search, choice, payment, refusal, registration,
 * download) are signed by its key and appended to the log.
 *
 * @example
 * const mcp = createMcpServer(service, { agent, agents, transport: 'stdio' })
 * await mcp.connect(new StdioServerTransport())
 */
export function createMcpServer(s: ServiceContext, options: CreateMcpServerOptions): McpServer {
  const server = new McpServer({ name: 'mintmark', version }, { capabilities: { tools: {} } })
  const { agent, agents } = options
  const stdio = options.transport === 'stdio'

  type Config = { title: string; description: string; input: z.ZodObject; output: z.ZodObject; readOnly: boolean; destructive?: boolean; idempotent?: boolean; openWorld?: boolean }
  const register = server.registerTool.bind(server) as unknown as (
    name: string,
    config: { title: string; description: string; inputSchema: z.ZodObject; outputSchema: z.ZodObject; annotations: Record<string, unknown> },
    cb: (args: unknown) => Promise<CallToolResult>,
  ) => void
  function tool<I>(name: string, c: Config, run: (args: I) => Promise<unknown>): void {
    register(
      name,
      {
        title: c.title,
        description: c.description,
        // extend({}): the same schema without the root's registry id, so its JSON Schema is an
        // inline object (MCP requires type "object" at the root) rather than a $ref.
        inputSchema: c.input.extend({}),
        outputSchema: c.output.extend({}),
        annotations: { title: c.title, readOnlyHint: c.readOnly, destructiveHint: c.destructive ?? false, idempotentHint: c.idempotent ?? c.readOnly, openWorldHint: c.openWorld ?? false },
      },
      async (args) => {
        try {
          // Outputs are parsed with their schema: unknown keys are dropped (the JSON Schema forbids them).
          const out = c.output.parse(await run(args as I)) as Record<string, unknown>
          return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out }
        } catch (error) {
          return toolError(error)
        }
      },
    )
  }
  const needAgent = (): AgentIdentity => {
    if (!agent) throw new MintmarkError('AGENT_NOT_FOUND', 'This session acts as no agent: connect with an agent’s API key (HTTP) or name (stdio).')
    return agent
  }
  const actorOf = (a: AgentIdentity) => ({ id: a.did, kind: 'did' as const, did: a.did, scopes: [] })
  /** Content from base64, or (stdio only) a path; written to a private work file. */
  async function contentFile(input: { contentBase64?: string | undefined; path?: string | undefined }, dir: string, name: string): Promise<string> {
    if ((input.contentBase64 === undefined) === (input.path === undefined))
      throw new MintmarkError('INPUT_INVALID', 'Give exactly one of contentBase64 or path.', { fields: ['contentBase64', 'path'] })
    if (input.path !== undefined) {
      if (!stdio) throw new MintmarkError('INPUT_INVALID', 'Paths are only read over the stdio transport; send contentBase64.', { fields: ['path'] })
      const file = path.resolve(input.path)
      await fsp.access(file).catch((cause) => {
        throw new MintmarkError('FILE_NOT_FOUND', `Cannot read ${file}.`, { cause })
      })
      return file
    }
    const file = path.join(dir, name)
    await fsp.writeFile(file, Buffer.from(input.contentBase64 as string, 'base64'), { mode: 0o600 })
    return file
  }
  async function withWorkDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    await fsp.mkdir(s.uploadsDir, { recursive: true, mode: 0o700 })
    const dir = await fsp.mkdtemp(path.join(s.uploadsDir, 'mcp-'))
    try {
      return await fn(dir)
    } finally {
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => {})
    }
  }
  const firstStatement = async (cid: string) => {
    const first = (await s.app.store.entriesForAsset(cid))[0]
    if (!first) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${cid} in this log.`)
    return { index: first.index, statement: decodeLogEntry(first.data).statement }
  }

  // --- read tools ------------------------------------------------------------------------------

  tool<z.output<typeof searchQuerySchema>>(
    'search_assets',
    {
      title: 'Search assets',
      description:
        'Search registered assets by free text and filters (media type, source, model, creator, licence, commercial use, derivatives, AI training, size, dates, price). Same query as GET /v1/search; page with nextCursor. The query and result ids are recorded as the agent’s signed decision.',
      input: searchQuerySchema,
      output: searchResultSchema,
      readOnly: true,
    },
    async (input) => {
      const { items, nextCursor } = await ops.search(s, input)
      if (agent) await recordDecision(s, agent, 'searched', { query: JSON.parse(canonicalize(JSON.parse(JSON.stringify(input)))), results: items.map((i) => i.cid) })
      return { items, nextCursor }
    },
  )

  tool<{ cid: string }>(
    'get_asset',
    { title: 'Get an asset', description: 'The record of an asset: every claim (signed manifests), lineage edges, log position, whether its content is stored here.', input: cidParamsSchema, output: assetRecordToolSchema, readOnly: true },
    (input) => ops.getAssetRecord(s, input),
  )

  tool<z.output<typeof provenanceInputSchema>>(
    'get_provenance',
    {
      title: 'Provenance of an asset',
      description: 'Ancestors and descendants (depth-limited), and the verification report of the asset’s first claim: its provenance bundle checked offline against this log’s key (signature, inclusion proof, checkpoint, content when stored).',
      input: provenanceInputSchema,
      output: provenanceResultSchema,
      readOnly: true,
    },
    async (input) => {
      const lineage = await ops.getLineage(s, input)
      const bundle = await ops.getBundle(s, { cid: input.cid })
      const verification = await withWorkDir(async (dir) => {
        const bundlePath = path.join(dir, 'bundle.json')
        await fsp.writeFile(bundlePath, JSON.stringify(bundle), { mode: 0o600 })
        let file: string | undefined
        if (await s.app.blobs.has(input.cid)) {
          file = path.join(dir, 'content')
          await fsp.writeFile(file, await s.app.blobs.get(input.cid), { mode: 0o600 })
        }
        return verifyOffline({ bundlePath, file, trustedLogKeys: [s.app.logKey] })
      })
      return { cid: input.cid, logIndex: bundle.inclusion.logIndex, lineage, verification }
    },
  )

  tool<z.output<typeof verifyFileInputSchema>>(
    'verify_file',
    {
      title: 'Verify a file',
      description: 'Verify content against this log, as `mintmark verify <file> --json`: by exact hash, C2PA reference, watermark or perceptual fingerprint. Content as base64, or a path on the server’s machine (stdio only).',
      input: verifyFileInputSchema,
      output: verifyReportSchema,
      readOnly: true,
    },
    (input) => withWorkDir(async (dir) => verifyFile(s.app, await contentFile(input, dir, 'upload'))),
  )

  tool<{ cid: string }>(
    'list_offers',
    { title: 'List licence offers', description: 'The signed licence offers recorded in this home for an asset (price in base units, currency 0x0… = ETH, payees, derivative shares).', input: cidParamsSchema, output: offersResultSchema, readOnly: true },
    async ({ cid }) => market.listOffers(s, { cid }),
  )

  tool<z.output<typeof decisionsInputSchema>>(
    'agent_decisions',
    {
      title: 'Agent decisions',
      description: 'The decisions an agent recorded in the log (searched, chose, paid, refused, failed, registered, downloaded), with log indexes, each checked: entry signature, leaf hash, content hash and decision signature by the agent’s did:key.',
      input: decisionsInputSchema,
      output: decisionsResultSchema,
      readOnly: true,
    },
    async (input) => {
      const did = input.did ?? needAgent().did
      return listDecisions(s, { did, limit: input.limit, cursor: input.cursor })
    },
  )

  tool<Record<string, never>>(
    'get_agent_policy',
    { title: 'Agent policy and spend', description: 'The calling agent’s policy (set by its owner) and today’s spend per budget (UTC).', input: emptySchema, output: agentInfoSchema, readOnly: true },
    async () => agentInfoOf(agents, needAgent().name, s.now()),
  )

  // --- write tools -----------------------------------------------------------------------------

  tool<z.output<typeof purchaseInputSchema>>(
    'purchase_license',
    {
      title: 'Buy a licence',
      description:
        'Buy licence tokens under an offer (by hash, from list_offers) with the agent’s EVM account. Refused before any transaction when outside the owner’s policy (AGENT_POLICY_DENIED: chain, currency, licence kind) or budget (AGENT_BUDGET_EXCEEDED: price per licence, daily budget). The choice, payment or refusal is recorded as a signed decision.',
      input: purchaseInputSchema,
      output: purchaseResultSchema,
      readOnly: false,
      openWorld: true,
    },
    async (input) => {
      const a = needAgent()
      const row = await s.app.store.getOffer(input.offerHash.toLowerCase())
      if (!row) throw new MintmarkError('OFFER_NOT_FOUND', `No offer ${input.offerHash} in this home.`)
      const doc = parseOfferDocument(JSON.parse(row.document))
      const quantity = input.quantity ?? 1
      const price = BigInt(doc.offer.price)
      const amount = price * BigInt(quantity)
      const facts = licenceFacts((await firstStatement(doc.assetCid)).statement)
      const offer = { offerHash: doc.offerHash, assetCid: doc.assetCid, chainId: doc.chainId, currency: doc.offer.currency, price: doc.offer.price, quantity, amount: amount.toString(), license: facts.license }
      const now = s.now()
      const day = utcDay(now)
      let budget: ReturnType<typeof checkPolicy>
      let reservation: { id: string; spentBefore: bigint }
      try {
        const record = await agents.get(a.name)
        if (!record) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${a.name} in this home.`)
        budget = checkPolicy(record.policy, { chainId: doc.chainId, currency: doc.offer.currency, price, quantity, license: facts.license, commercial: facts.commercial, derivatives: facts.derivatives })
        reservation = await agents.reserve({ agent: a.name, day, key: budget.key, amount, limit: budget.dailyBudget, offerHash: doc.offerHash, now })
      } catch (error) {
        const e = toMintmarkError(error)
        if (e.code === 'AGENT_POLICY_DENIED' || e.code === 'AGENT_BUDGET_EXCEEDED')
          await recordDecision(s, a, 'refused', { offer, ...(input.reason ? { reason: input.reason } : {}), refusal: { code: e.code, message: e.shortMessage, ...(e.details ? { detail: e.details } : {}) } })
        throw error
      }
      let chose: number
      try {
        chose = (await recordDecision(s, a, 'chose', { offer, ...(input.reason ? { reason: input.reason } : {}) })).logIndex
      } catch (error) {
        await agents.settle(reservation.id, 'released', undefined, s.now())
        throw error
      }
      let bought: Awaited<ReturnType<typeof buyLicense>>
      try {
        bought = await buyLicense(asBuyer(s.app, a), { offer: doc, quantity })
      } catch (error) {
        const e = toMintmarkError(error)
        // Only failures that certainly paid nothing give the reservation back; a timeout keeps it.
        const unpaid = ['CHAIN_INSUFFICIENT_FUNDS', 'CHAIN_TX_REVERTED', 'LICENSE_OFFER_EXPIRED', 'LICENSE_SIGNATURE_INVALID', 'LICENSE_CURRENCY_NOT_ALLOWED', 'INPUT_INVALID', 'CHAIN_ID_MISMATCH', 'CHAIN_NOT_CONFIGURED']
        if (unpaid.includes(e.code)) await agents.settle(reservation.id, 'released', undefined, s.now())
        await recordDecision(s, a, 'failed', { offer, failure: { code: e.code, message: e.shortMessage } }).catch(() => undefined)
        throw error
      }
      await agents.settle(reservation.id, 'paid', bought.txHash, s.now())
      let paid: number | null = null
      try {
        paid = (await recordDecision(s, a, 'paid', { offer, txHash: bought.txHash, blockNumber: bought.blockNumber, tokenId: bought.tokenId, buyer: bought.buyer })).logIndex
      } catch {
        // paid is null: the payment stands, its record failed (the tx hash is in the answer)
      }
      return {
        offerHash: bought.offerHash,
        assetCid: doc.assetCid,
        chainId: bought.chainId,
        tokenId: bought.tokenId,
        quantity: bought.quantity,
        amount: bought.amount,
        currency: bought.currency,
        buyer: bought.buyer,
        txHash: bought.txHash,
        blockNumber: bought.blockNumber,
        budget: { key: budget.key, day, dailyBudget: budget.dailyBudget.toString(), spentToday: (reservation.spentBefore + amount).toString() },
        decisions: { chose, paid },
      }
    },
  )

  tool<z.output<typeof agentRegisterInputSchema>>(
    'register_asset',
    {
      title: 'Register what the agent made',
      description:
        'Register content the agent generated or derived, signed by the agent’s did:key: how it was made, its parents (so offers on it must carry the shares the parents’ offers require, and royalties flow upstream), licence and royalty split. Content as base64, or a path (stdio only). The content is stored here.',
      input: agentRegisterInputSchema,
      output: agentRegisterResultSchema,
      readOnly: false,
    },
    async (input) => {
      const a = needAgent()
      return withWorkDir(async (dir) => {
        const file = await contentFile(input, dir, 'content')
        const put = await s.app.blobs.putFile(file)
        const head = new Uint8Array((await fsp.readFile(file)).subarray(0, 4096))
        const mediaType = input.mediaType ?? sniffMediaType(head, input.path ? path.basename(input.path) : '')
        const manifest = createManifest(
          dropUndefined({
            asset: { cid: put.cid, sha256: put.sha256, size: put.size, mediaType, title: input.title, description: input.description },
            digitalSourceType: input.digitalSourceType,
            generation: input.generation,
            datasets: input.datasets,
            parents: input.parents,
            edits: input.edits,
            rights: { owner: a.did, license: input.license, royalties: input.royalties ?? [{ payee: a.evmAddress, bps: 10_000 }], trainingMining: input.trainingMining },
            creator: a.did,
            createdAt: s.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          }) as Parameters<typeof createManifest>[0],
        )
        const signed = await signStatement(manifest, a.signer)
        const r = await ops.registerSigned(s, signed, actorOf(a))
        const decision = await recordDecision(s, a, 'registered', { cid: r.cid, logIndex: r.logIndex, parents: manifest.parents, royalties: manifest.rights.royalties, license: manifest.rights.license })
        return { ...r, sha256: put.sha256, size: put.size, mediaType, decisionLogIndex: decision.logIndex }
      })
    },
  )

  tool<z.output<typeof downloadInputSchema>>(
    'download_asset',
    {
      title: 'Download content (licence-checked)',
      description:
        'The content bytes of an asset, served only when the agent’s EVM account holds a licence token of one of the asset’s offers, or when its licence is open (an SPDX licence known to allow commercial use and derivatives, e.g. CC0-1.0, CC-BY-4.0, MIT). Else LICENSE_REQUIRED. Base64 inline (up to 16 MiB) or, over stdio, written to saveTo.',
      input: downloadInputSchema,
      output: downloadResultSchema,
      readOnly: false,
      idempotent: true,
      openWorld: true,
    },
    async (input) => {
      const a = needAgent()
      const { statement } = await firstStatement(input.cid)
      const facts = licenceFacts(statement)
      const basis = await licenceBasis(s, a, input.cid, facts)
      if (input.saveTo !== undefined && !stdio) throw new MintmarkError('INPUT_INVALID', 'saveTo is only available over the stdio transport.', { fields: ['saveTo'] })
      const bytes = await s.app.blobs.get(input.cid)
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      let saved: { savedTo: string } | { contentBase64: string }
      if (input.saveTo !== undefined) {
        const to = path.resolve(input.saveTo)
        await fsp.writeFile(to, bytes, { flag: 'wx', mode: 0o644 }).catch((cause: NodeJS.ErrnoException) => {
          throw new MintmarkError('FILE_NOT_WRITABLE', `Cannot write ${to}${cause.code === 'EEXIST' ? ' (it exists)' : ''}.`, { cause })
        })
        saved = { savedTo: to }
      } else {
        if (bytes.byteLength > maxInlineDownloadBytes) throw new MintmarkError('BODY_TOO_LARGE', `The content is ${bytes.byteLength} bytes, more than returned inline; use GET /v1/assets/${input.cid}/content.`)
        saved = { contentBase64: Buffer.from(bytes).toString('base64') }
      }
      const decision = await recordDecision(s, a, 'downloaded', { cid: input.cid, basis })
      return { cid: input.cid, mediaType: statement.asset.mediaType, size: bytes.byteLength, sha256, basis, ...saved, decisionLogIndex: decision.logIndex }
    },
  )

  return server
}

const balanceOfAbi = [
  {
    type: 'function',
    name: 'balanceOf',
    stateMutability: 'view',
    inputs: [
      { name: 'account', type: 'address' },
      { name: 'id', type: 'uint256' },
    ],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const

/** Open licences: SPDX ids known to allow commercial use and derivatives. */
function isOpen(facts: ReturnType<typeof licenceFacts>): boolean {
  return facts.license !== 'custom' && facts.commercial === true && facts.derivatives === true
}

/** Why the agent may have the content: a licence token it holds, else an open licence; LICENSE_REQUIRED otherwise. */
async function licenceBasis(s: ServiceContext, a: AgentIdentity, cid: string, facts: ReturnType<typeof licenceFacts>) {
  const rows = await s.app.store.offersForAsset(cid)
  if (rows.length) {
    const chains = await s.app.chains.list()
    for (const row of rows) {
      const doc = parseOfferDocument(JSON.parse(row.document))
      const chain = chains.find((c) => c.chainId === doc.chainId)
      if (!chain) continue
      const balance = await chain.publicClient.readContract({ address: doc.contract as `0x${string}`, abi: balanceOfAbi, functionName: 'balanceOf', args: [a.evmAddress, BigInt(doc.offerHash)] })
      if (balance > 0n) return { kind: 'licence' as const, license: facts.license, offerHash: doc.offerHash, chainId: doc.chainId, balance: balance.toString() }
    }
  }
  if (isOpen(facts)) return { kind: 'open' as const, license: facts.license, offerHash: null, chainId: null, balance: null }
  throw new MintmarkError('LICENSE_REQUIRED', `The agent holds no licence for ${cid}, and its ${facts.license} licence is not open.`, {
    metaMessages: rows.length ? ['Buy one with purchase_license (offers: list_offers).'] : ['This home has no offer for it.'],
  })
}

/** The app context with the agent's EVM account as the buyer on every chain (app's buyLicense pays with `chain.buyer()`). */
function asBuyer(app: AppContext, a: AgentIdentity): AppContext {
  const chains = app.chains
  return {
    ...app,
    chains: {
      ...chains,
      list: async (names) => (await chains.list(names)).map((c) => ({ ...c, buyer: async () => a.account })),
    },
  }
}

function dropUndefined<T>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T
}

