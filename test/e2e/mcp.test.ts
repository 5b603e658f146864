import { existsSync, promises as fsp } from 'node:fs'
import path from 'node:path'
import { type AppContext, initHome, openApp, register } from '@mintmark/app'
import { buyLicense, createOffer, royalties } from '@mintmark/app/chain'
import { getDevAccounts } from '@mintmark/chain'
import { decodeLogEntry, verifyStatementSignature } from '@mintmark/core'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AgentPolicy, createAgent, createApiKey, setAgentPolicy } from '../../apps/server/src/index.js'
import { type TestServer, makeHome, serve } from '../../apps/server/test/helpers.js'

// The MCP server as agents use it: the SDK's own client over Streamable HTTP (/mcp on the running
// server) and over stdio (a child process), the dev chain through the app.
const accounts = getDevAccounts()
const addr = (i: number) => (accounts[i] ?? accounts[0]).address
const eth = '0x0000000000000000000000000000000000000000'
const policy: AgentPolicy = {
  chains: [31337],
  currencies: [{ currency: eth, maxPricePerLicence: '1000', dailyBudget: '2500' }],
  licences: { spdx: ['CC-BY-NC-4.0', 'CC-BY-4.0', 'CC0-1.0'] },
}

type ToolAnswer = { ok?: Record<string, any>; error?: { code: string; message: string } }
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  const r = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text: string }[]; structuredContent?: Record<string, any> }
  if (r.isError) return { error: JSON.parse(r.content[0]?.text ?? '{}') }
  return { ok: r.structuredContent as Record<string, any> }
}

async function registerFile(app: AppContext, dir: string, name: string, body: string, template: Omit<Parameters<typeof register>[1], 'files'>) {
  const file = path.join(dir, name)
  await fsp.writeFile(file, body)
  const r = await register(app, { files: [file], ...template })
  return r.registered[0]?.cid as string
}

describe('MCP over Streamable HTTP', () => {
  let env: Awaited<ReturnType<typeof makeHome>>
  let server: TestServer
  let client: Client
  let agent: { did: string; evmAddress: string }
  let app: AppContext
  const cids: Record<string, string> = {}
  const offers: Record<string, string> = {}

  beforeAll(async () => {
    env = await makeHome('mintmark-mcp-')
    agent = await createAgent({ home: env.home, name: 'shopper', evmPrivateKey: accounts[7]?.privateKey, policy })
    const { token } = await createApiKey({ home: env.home, principal: agent.did, scopes: ['verify'] })
    server = await serve(env.home)
    app = server.service.app
    const nc = { digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-NC-4.0' } } as const
    cids.fox = await registerFile(app, env.work, 'fox.txt', 'a red fox\n', { ...nc, title: 'A red fox in snow', royalties: [{ payee: addr(2), bps: 10_000 }] })
    cids.studio = await registerFile(app, env.work, 'studio.txt', 'studio shot\n', { ...nc, license: { spdx: 'LicenseRef-Studio' }, title: 'Studio fox', royalties: [{ payee: addr(2), bps: 10_000 }] })
    cids.parent = await registerFile(app, env.work, 'parent.txt', 'parent art\n', { ...nc, title: 'Parent artwork', royalties: [{ payee: addr(3), bps: 10_000 }] })
    cids.open = await registerFile(app, env.work, 'open.txt', 'open data\n', { digitalSourceType: 'digitalCapture', license: { spdx: 'CC0-1.0' }, title: 'Open fox data' })
    offers.fox = (await createOffer(app, { cid: cids.fox, price: 1000n })).offerHash
    offers.foxDear = (await createOffer(app, { cid: cids.fox, price: 5000n })).offerHash
    offers.studio = (await createOffer(app, { cid: cids.studio, price: 100n })).offerHash
    offers.parent = (await createOffer(app, { cid: cids.parent, price: 1000n, derivativeShares: [{ payee: addr(4), bps: 1000 }] })).offerHash
    await server.service.catchUp()
    client = new Client({ name: 'test-agent', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  })
  afterAll(async () => {
    await client?.close()
    await server?.close()
    await fsp.rm(env.work, { recursive: true, force: true })
  })

  it('lists the tools with input and output schemas, read tools marked readOnlyHint', async () => {
    const { tools } = await client.listTools()
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]))
    for (const name of ['search_assets', 'get_asset', 'get_provenance', 'verify_file', 'list_offers', 'purchase_license', 'register_asset', 'download_asset', 'agent_decisions', 'get_agent_policy']) {
      expect(byName[name]?.inputSchema.type).toBe('object')
      expect(byName[name]?.outputSchema?.type).toBe('object')
    }
    for (const name of ['search_assets', 'get_asset', 'get_provenance', 'verify_file', 'list_offers', 'agent_decisions', 'get_agent_policy']) expect(byName[name]?.annotations?.readOnlyHint).toBe(true)
    for (const name of ['purchase_license', 'register_asset', 'download_asset']) expect(byName[name]?.annotations?.readOnlyHint).toBe(false)
    // The same zod objects as the HTTP routes: the search input has the route's query fields.
    expect(Object.keys(byName.search_assets?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['q', 'license', 'maxPrice', 'cursor']))
    expect(byName.purchase_license?.inputSchema.required).toEqual(['offerHash'])
  })

  it('refuses /mcp without an agent’s API key', async () => {
    const r = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' })
    expect(r.status).toBe(401)
    expect(((await r.json()) as { code: string }).code).toBe('AUTH_REQUIRED')
    const { token } = await createApiKey({ home: env.home, principal: env.creator.did, scopes: ['verify'] })
    const notAgent = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
    expect(((await notAgent.json()) as { code: string }).code).toBe('AGENT_NOT_FOUND')
  })

  it('searches, reads records and offers, buys within budget, and only then downloads', async () => {
    const found = await call(client, 'search_assets', { q: 'fox' })
    expect(found.ok?.items.map((i: { cid: string }) => i.cid)).toEqual(expect.arrayContaining([cids.fox, cids.studio, cids.open]))
    expect((await call(client, 'get_asset', { cid: cids.fox })).ok?.asset.cid).toBe(cids.fox)
    const listed = await call(client, 'list_offers', { cid: cids.fox })
    expect(listed.ok?.offers.map((o: { offerHash: string }) => o.offerHash).sort()).toEqual([offers.fox, offers.foxDear].sort())
    expect((await call(client, 'download_asset', { cid: cids.fox })).error?.code).toBe('LICENSE_REQUIRED')
    const open = await call(client, 'download_asset', { cid: cids.open })
    expect(open.ok?.basis.kind).toBe('open')
    expect(Buffer.from(open.ok?.contentBase64, 'base64').toString()).toBe('open data\n')

    const bought = await call(client, 'purchase_license', { offerHash: offers.fox, reason: 'cheapest fox' })
    expect(bought.ok).toMatchObject({ amount: '1000', buyer: agent.evmAddress, assetCid: cids.fox, budget: { spentToday: '1000', dailyBudget: '2500' } })
    expect(bought.ok?.decisions.paid).toBeGreaterThan(bought.ok?.decisions.chose)
    const got = await call(client, 'download_asset', { cid: cids.fox })
    expect(got.ok?.basis).toMatchObject({ kind: 'licence', offerHash: offers.fox, balance: '1' })
    expect(Buffer.from(got.ok?.contentBase64, 'base64').toString()).toBe('a red fox\n')
  })

  it('refuses outside the policy and over budget (per licence, per day, under concurrency) before any transaction', async () => {
    const balance = () => app.chains.list().then(([c]) => c?.publicClient.getBalance({ address: agent.evmAddress as `0x${string}` }))
    const before = await balance()
    const dear = await call(client, 'purchase_license', { offerHash: offers.foxDear })
    expect(dear.error).toMatchObject({ code: 'AGENT_BUDGET_EXCEEDED' })
    expect(dear.error?.message).toMatch(/per licence/)
    expect((await call(client, 'purchase_license', { offerHash: offers.studio })).error?.code).toBe('AGENT_POLICY_DENIED')
    expect(await balance()).toBe(before)
    // 1000 of 2500 spent: two concurrent 1000 purchases, only one fits in the day's budget.
    const both = await Promise.all([call(client, 'purchase_license', { offerHash: offers.fox }), call(client, 'purchase_license', { offerHash: offers.fox })])
    expect(both.filter((r) => r.ok).length).toBe(1)
    expect(both.find((r) => r.error)?.error?.code).toBe('AGENT_BUDGET_EXCEEDED')
    const status = await call(client, 'get_agent_policy')
    expect(status.ok?.spend.budgets[0]).toMatchObject({ spent: '2000', reserved: '0', dailyBudget: '2500' })
    // The owner raises the budget through the admin route; the same purchase now goes through.
    const { token: admin } = await createApiKey({ home: env.home, principal: env.creator.did, scopes: ['admin'] })
    const r = await fetch(`${server.url}/v1/agents/shopper/policy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...policy, currencies: [{ currency: eth, maxPricePerLicence: '1000', dailyBudget: '3000' }] }),
    })
    expect(r.status).toBe(200)
    expect((await call(client, 'purchase_license', { offerHash: offers.fox })).ok?.budget.spentToday).toBe('3000')
    await setAgentPolicy({ home: env.home, agent: 'shopper', policy })
  })

  it('registers a derivative whose offer pays the parent’s derivative share', async () => {
    const registered = await call(client, 'register_asset', {
      contentBase64: Buffer.from('derived art\n').toString('base64'),
      digitalSourceType: 'compositeWithTrainedAlgorithmicMedia',
      parents: [{ cid: cids.parent, relation: 'parentOf' }],
      license: { spdx: 'CC-BY-NC-4.0' },
      royalties: [
        { payee: agent.evmAddress, bps: 9000 },
        { payee: addr(4), bps: 1000 },
      ],
      title: 'Derived artwork',
      mediaType: 'text/plain',
    })
    expect(registered.ok).toMatchObject({ creator: agent.did, created: true, mediaType: 'text/plain' })
    const cid = registered.ok?.cid as string
    const provenance = await call(client, 'get_provenance', { cid })
    expect(provenance.ok?.lineage.ancestors).toEqual([expect.objectContaining({ cid: cids.parent, relation: 'parentOf' })])
    expect(provenance.ok?.verification.verdict).toBe('verified')
    const doc = await createOffer(app, { cid, price: 2000n })
    expect(doc.requiredShares).toEqual([{ account: addr(4), bps: 1000 }])
    const owed = async () => BigInt((await royalties(app, { accounts: [addr(4)] })).chains[0]?.accounts[0]?.owed.find((o) => o.currency === eth)?.amount ?? '0')
    const before = await owed()
    await buyLicense(app, { offer: doc.offerHash })
    expect((await owed()) - before).toBe(200n)
  })

  it('logs every decision, signed by the agent’s key, and they verify', async () => {
    const { ok } = await call(client, 'agent_decisions', { limit: 100 })
    const items = ok?.items as { logIndex: number; action: string; verified: boolean; decision: Record<string, any> }[]
    expect(items.every((i) => i.verified)).toBe(true)
    const actions = items.map((i) => i.action)
    for (const a of ['searched', 'chose', 'paid', 'refused', 'registered', 'downloaded']) expect(actions).toContain(a)
    expect(items.find((i) => i.action === 'searched')?.decision).toMatchObject({ query: { q: 'fox' }, results: expect.arrayContaining([cids.fox]) })
    const refusals = items.filter((i) => i.action === 'refused').map((i) => i.decision.refusal.code)
    expect(refusals).toEqual(expect.arrayContaining(['AGENT_BUDGET_EXCEEDED', 'AGENT_POLICY_DENIED']))
    const paid = items.filter((i) => i.action === 'paid')
    expect(paid).toHaveLength(3)
    expect(paid[0]?.decision).toMatchObject({ agent: agent.did, offer: { offerHash: offers.fox, amount: '1000' }, txHash: expect.stringMatching(/^0x/) })
    // Independently of the tool: the log entries are statements signed by the agent's did:key.
    for (const i of items) {
      const stored = await app.store.getEntry(i.logIndex)
      const entry = decodeLogEntry(stored?.data as Uint8Array)
      expect(entry.signature.kid).toBe(agent.did)
      expect(verifyStatementSignature(entry).ok).toBe(true)
    }
    // Decision records are not offered as assets.
    expect((await call(client, 'search_assets', { q: 'decision' })).ok?.items).toEqual([])
    await server.service.catchUp()
    const http = (await (await fetch(`${server.url}/v1/search?q=decision`)).json()) as { items: unknown[] }
    expect(http.items).toEqual([])
  })
})

describe('MCP over stdio', () => {
  const main = path.resolve(import.meta.dirname, '../../apps/server/dist/mcp/stdio-main.js')
  let work: string
  let home: string
  let client: Client
  let agent: { did: string; evmAddress: string }
  let cid: string
  let offer: string
  let dear: string

  beforeAll(async () => {
    expect(existsSync(main), 'build apps/server first (npx tsc -b apps/server)').toBe(true)
    work = await fsp.mkdtemp(path.join((await import('node:os')).tmpdir(), 'mintmark-mcp-stdio-'))
    home = path.join(work, '.mintmark')
    await initHome({ home })
    agent = await createAgent({ home, name: 'stdio-agent', evmPrivateKey: accounts[8]?.privateKey, policy })
    // Set up with the app, then close it (and its dev chain) before the MCP process opens the home.
    const app = await openApp({ home, env: {} })
    try {
      cid = await registerFile(app, work, 'cat.txt', 'a cat\n', { digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-NC-4.0' }, title: 'A black cat', royalties: [{ payee: addr(2), bps: 10_000 }] })
      offer = (await createOffer(app, { cid, price: 700n })).offerHash
      dear = (await createOffer(app, { cid, price: 1001n })).offerHash
    } finally {
      await app.close()
    }
    client = new Client({ name: 'stdio-test-agent', version: '1.0.0' })
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [main, '--home', home, '--agent', 'stdio-agent'], stderr: 'pipe' }))
  })
  afterAll(async () => {
    await client?.close()
    await fsp.rm(work, { recursive: true, force: true })
  })

  it('searches, buys within budget, is refused over it, registers and verifies by path, and its decisions verify', async () => {
    const { tools } = await client.listTools()
    expect(tools.find((t) => t.name === 'get_asset')?.annotations?.readOnlyHint).toBe(true)
    expect((await call(client, 'search_assets', { q: 'cat' })).ok?.items.map((i: { cid: string }) => i.cid)).toEqual([cid])
    expect((await call(client, 'purchase_license', { offerHash: offer })).ok).toMatchObject({ amount: '700', buyer: agent.evmAddress })
    expect((await call(client, 'purchase_license', { offerHash: dear })).error?.code).toBe('AGENT_BUDGET_EXCEEDED')
    expect((await call(client, 'purchase_license', { offerHash: offer, quantity: 3 })).error?.code).toBe('AGENT_BUDGET_EXCEEDED')
    const file = path.join(work, 'kitten.txt')
    await fsp.writeFile(file, 'a kitten, derived\n')
    const reg = await call(client, 'register_asset', { path: file, digitalSourceType: 'compositeWithTrainedAlgorithmicMedia', parents: [{ cid, relation: 'parentOf' }], license: { spdx: 'CC0-1.0' } })
    expect(reg.ok).toMatchObject({ creator: agent.did, created: true })
    expect((await call(client, 'verify_file', { path: file })).ok?.verdict).toBe('verified')
    const saveTo = path.join(work, 'cat-copy.txt')
    expect((await call(client, 'download_asset', { cid, saveTo })).ok?.savedTo).toBe(saveTo)
    expect(await fsp.readFile(saveTo, 'utf8')).toBe('a cat\n')
    const decisions = await call(client, 'agent_decisions')
    const items = decisions.ok?.items as { action: string; verified: boolean }[]
    expect(items.map((i) => i.action)).toEqual(['searched', 'chose', 'paid', 'refused', 'refused', 'registered', 'downloaded'])
    expect(items.every((i) => i.verified)).toBe(true)
  })
})
