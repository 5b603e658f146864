import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { register } from '@mintmark/app'
import { buyLicense, createOffer } from '@mintmark/app/chain'
import { getDevAccounts } from '@mintmark/chain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, makeHome, serve } from '../../apps/server/test/helpers.js'

// `mintmark serve`'s background workers and the market routes, on the server's own dev chain:
// the anchorer puts new checkpoints on chain by itself, the chain indexer records a purchase, and
// the routes show offers, chains, royalties owed and licences bought and sold.
let env: Awaited<ReturnType<typeof makeHome>>
let server: TestServer
const accounts = getDevAccounts()
const payee = accounts[2]?.address as string
const upstream = accounts[3]?.address as string
const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as Record<string, any> })

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  env = await makeHome('mintmark-market-')
  server = await serve(env.home, { workers: { anchorEveryMs: 200, indexEveryMs: 200 } })
})
afterAll(async () => {
  await server?.close()
  await fsp.rm(env.work, { recursive: true, force: true })
})

describe('background workers and market routes', () => {
  let cid: string
  let offerHash: string
  let seller: string

  it('anchors new checkpoints without being asked', async () => {
    const file = path.join(env.work, 'fox.txt')
    await fsp.writeFile(file, 'a fox, anchored by the worker\n')
    const app = server.service.app
    const { registered } = await register(app, {
      files: [file],
      digitalSourceType: 'trainedAlgorithmicMedia',
      license: { spdx: 'CC-BY-4.0' },
      royalties: [
        { payee: env.creator.did, bps: 7000 },
        { payee: upstream as `0x${string}`, bps: 3000 },
      ],
    })
    cid = registered[0]?.cid as string
    const size = await app.store.size()
    const anchored = await until('an anchor', async () => {
      const h = await json(await fetch(`${server.url}/healthz`))
      return h.body.workers?.anchorer.anchoredSize >= size ? h.body.workers : undefined
    })
    expect(anchored.anchorer.failures).toBe(0)
    const rows = (await app.store.listAnchors()).filter((a) => a.treeSize >= size)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((a) => a.status !== 'pending' && a.blockNumber !== null)).toBe(true)
  })

  it('lists chains with contract addresses, the dev RPC URL and the indexer position', async () => {
    const r = await json(await fetch(`${server.url}/v1/chains`))
    expect(r.status).toBe(200)
    const dev = r.body.chains[0]
    expect(dev).toMatchObject({ dev: true, chainId: expect.any(Number), rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/) })
    expect(dev.contracts.licenses).toMatch(/^0x[0-9a-fA-F]{40}$/)
    const chainId = await (await fetch(dev.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) })).json()
    expect(Number.parseInt((chainId as { result: string }).result, 16)).toBe(dev.chainId)
  })

  it('lists an asset’s offers; unknown assets and bad addresses are typed errors', async () => {
    const doc = await createOffer(server.service.app, { cid, price: 5000n, payees: { [env.creator.did]: payee } })
    offerHash = doc.offerHash
    seller = doc.offer.seller
    const r = await json(await fetch(`${server.url}/v1/assets/${cid}/offers`))
    expect(r.status).toBe(200)
    expect(r.body.offers).toHaveLength(1)
    expect(r.body.offers[0]).toMatchObject({ offerHash, price: '5000', expired: false, document: { offer: { payees: [{ account: payee, bps: 7000 }, { account: upstream, bps: 3000 }] } } })
    const unknown = await json(await fetch(`${server.url}/v1/assets/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/offers`))
    expect(unknown).toMatchObject({ status: 404, body: { code: 'ASSET_NOT_FOUND' } })
    const bad = await json(await fetch(`${server.url}/v1/accounts/0x12/royalties`))
    expect(bad).toMatchObject({ status: 400, body: { code: 'INPUT_INVALID' } })
  })

  it('after a purchase: royalties owed to each payee, the licence held by the buyer and sold by the seller (the operator)', async () => {
    const bought = await buyLicense(server.service.app, { offer: offerHash, quantity: 2 })
    const owed = async (account: string) => {
      const r = await json(await fetch(`${server.url}/v1/accounts/${account}/royalties`))
      expect(r.status).toBe(200)
      return BigInt(r.body.chains[0].owed.find((o: { currency: string }) => /^0x0{40}$/.test(o.currency)).amount)
    }
    expect(await owed(payee)).toBe(7000n)
    expect(await owed(upstream)).toBe(3000n)
    const held = await until('the indexer to see the purchase', async () => {
      const r = await json(await fetch(`${server.url}/v1/accounts/${bought.buyer}/licenses`))
      return r.body.licenses.length ? r.body : undefined
    })
    expect(held.licenses[0]).toMatchObject({ offerHash, assetCid: cid, quantity: 2, amount: '10000', tokenId: bought.tokenId, txHash: bought.txHash, seller })
    const sold = await json(await fetch(`${server.url}/v1/accounts/${seller}/sales`))
    expect(sold.body.licenses.map((l: { txHash: string }) => l.txHash)).toEqual([bought.txHash])
    const none = await json(await fetch(`${server.url}/v1/accounts/${upstream}/licenses`))
    expect(none.body.licenses).toEqual([])
  })
})
