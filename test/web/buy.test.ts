import { createOffer } from '@mintmark/app/chain'
import { getDevAccounts } from '@mintmark/chain'
import type { Page } from 'playwright-core'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type WebFixture, aiTemplate, openPage, openWebFixture, sampleImage, screenshot, textOf, wait } from './helpers.js'

// Buying a licence in the browser on the real dev chain (anvil, started by the server's app):
// the built-in dev wallet signs, the licences contract pays the split, and the parent's payee
// sees its upstream royalty arrive on its dashboard and withdraws it.

const accounts = getDevAccounts()
const addr = (i: number) => (accounts[i] ?? accounts[0]).address
const parentPayee = addr(4) // the parent's owner: asks 10% of every derivative
const childPayee = addr(6)
const buyer = addr(9) // the dev wallet's default account

let web: WebFixture
let parentCid = ''
let childCid = ''
let childOffer = ''
let expiredOffer = ''
let pricyOffer = ''

beforeAll(async () => {
  // Workers on, with long periods: the test runs the anchorer and the indexer when it needs them.
  web = await openWebFixture('mintmark-web-buy-', { workers: { anchorEveryMs: 3_600_000, indexEveryMs: 3_600_000 } })
  const app = web.server.service.app
  parentCid = await web.register(await sampleImage(21), aiTemplate('Lighthouse', { royalties: [{ payee: parentPayee, bps: 10_000 }] }), 'lighthouse.png')
  childCid = await web.register(
    await sampleImage(22),
    aiTemplate('Lighthouse at night', {
      parents: [{ cid: parentCid, relation: 'parentOf' }],
      royalties: [
        { payee: childPayee, bps: 9000 },
        { payee: parentPayee, bps: 1000 },
      ],
    }),
    'night.png',
  )
  await createOffer(app, { cid: parentCid, price: parseEther('0.02'), derivativeShares: [{ payee: parentPayee, bps: 1000 }] })
  childOffer = (await createOffer(app, { cid: childCid, price: parseEther('0.05') })).offerHash
  expiredOffer = (await createOffer(app, { cid: childCid, price: parseEther('0.01'), expiresInSeconds: 1 })).offerHash
  pricyOffer = (await createOffer(app, { cid: childCid, price: parseEther('1000000') })).offerHash
  await web.server.workers?.anchorNow()
})
afterAll(() => web?.close())

async function useDevWallet(page: Page, index: number) {
  await page.selectOption('.dev-wallet select', String(index))
  await page.click('#dev-wallet-button')
  await textOf(page, '[data-testid="wallet-address"]').toContain(addr(index))
}

describe('buying a licence on the dev chain', () => {
  it('shows the offer’s price and split (upstream marked), buys with the dev wallet and gets the licence token', async () => {
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/assets/${childCid}`)
    const offer = page.locator(`.offer[data-offer="${childOffer}"]`)
    await offer.waitFor()
    await expect.poll(() => offer.locator('.offer-price').textContent(), wait).toContain('0.05 ETH')
    const row = (a: string) => offer.locator(`tr[data-account="${a.toLowerCase()}"]`)
    await expect.poll(() => row(childPayee).textContent(), wait).toContain('0.045 ETH')
    await expect.poll(() => row(parentPayee).textContent(), wait).toMatch(/upstream.*10%.*0\.005 ETH/)
    // The record's anchor on the dev chain, with its block, checked against the chain in the browser.
    await textOf(page, '[data-testid="anchor-block"]').toMatch(/^\d+$/)
    await expect.poll(() => page.locator('[data-record-verdict]').getAttribute('data-record-verdict'), wait).toBe('verified')
    await page.locator('[data-record-verdict] > details > summary').click()
    await expect.poll(() => page.locator('.check[data-code="CHAIN_ANCHOR"]').getAttribute('data-status'), wait).toBe('pass')
    await screenshot(page, 'asset-offers')

    await offer.locator('a.button').click()
    await page.waitForURL(`${web.server.url}/assets/${childCid}/buy/${childOffer}`)
    await textOf(page, '[data-testid="price"]').toContain('0.05 ETH')
    await textOf(page, '[data-testid="price"]').toContain('50000000000000000 wei')
    await useDevWallet(page, 9)
    await page.click('#buy-button')
    await page.locator('[data-testid="receipt"]').waitFor({ timeout: 30_000 })
    await textOf(page, '[data-testid="token-id"]').toBe(BigInt(childOffer).toString())
    await expect.poll(() => page.locator(`[data-testid="receipt"] li[data-account="${parentPayee.toLowerCase()}"]`).textContent(), wait).toContain('0.005 ETH')
    await expect.poll(() => page.locator(`[data-testid="receipt"] li[data-account="${childPayee.toLowerCase()}"]`).textContent(), wait).toContain('0.045 ETH')
    await screenshot(page, 'buy')
    expect(errors).toEqual([])
    await page.close()
  })

  it('the royalty arrives on the parent’s dashboard, and its owner withdraws it; the sale and the licence are listed', async () => {
    await web.server.workers?.indexNow()
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/dashboard?account=${parentPayee}`)
    const owed = page.locator('[data-testid="owed"] tr[data-currency="0x0000000000000000000000000000000000000000"]')
    await expect.poll(() => owed.getAttribute('data-amount'), wait).toBe(parseEther('0.005').toString())
    await expect.poll(() => owed.textContent(), wait).toContain('0.005 ETH')
    await screenshot(page, 'dashboard-royalty')
    // Only the account itself can withdraw: connect it (dev account #4) and withdraw.
    await useDevWallet(page, 4)
    await owed.locator('button', { hasText: 'Withdraw' }).click()
    await textOf(page, '.notice-ok').toContain('Withdrew 0.005 ETH')
    await expect.poll(() => owed.getAttribute('data-amount'), wait).toBe('0')

    // The creator's view: their assets, the derivative made from the parent.
    await page.goto(`${web.server.url}/dashboard?did=${encodeURIComponent(web.env.creator.did)}&account=${accounts[0].address}`)
    const parentTile = page.locator('[data-testid="my-assets"] .tile', { has: page.locator(`a[href="/assets/${parentCid}"]`) })
    await expect.poll(() => parentTile.locator('[data-testid="derivatives-count"]').textContent(), wait).toBe('1 derivative')
    await expect.poll(() => page.locator('[data-testid="sales"] tbody tr').count(), wait).toBe(1)
    await textOf(page, '[data-testid="sales"]').toContain('0.05 ETH')
    await screenshot(page, 'dashboard-creator')
    await page.goto(`${web.server.url}/dashboard?account=${buyer}`)
    await expect.poll(() => page.locator('[data-testid="held"] tbody tr').count(), wait).toBe(1)
    expect(errors).toEqual([])
    await page.close()
  })

  it('explains an expired offer and insufficient funds before anything is signed', async () => {
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/assets/${childCid}/buy/${expiredOffer}`)
    await useDevWallet(page, 9)
    await page.click('#buy-button')
    await expect.poll(() => page.locator('.notice-error').getAttribute('data-code'), wait).toBe('OFFER_EXPIRED')
    await textOf(page, '.notice-error').toContain('Ask the seller for a new one')
    await screenshot(page, 'buy-expired')
    await page.goto(`${web.server.url}/assets/${childCid}/buy/${pricyOffer}`)
    await useDevWallet(page, 8)
    await page.click('#buy-button')
    await expect.poll(() => page.locator('.notice-error').getAttribute('data-code'), wait).toBe('INSUFFICIENT_FUNDS')
    await textOf(page, '.notice-error').toContain('Nothing was paid')
    expect(errors).toEqual([])
    await page.close()
  })

  it('explains a signature rejected in a browser wallet (EIP-1193): nothing is paid', async () => {
    // A stand-in for a wallet extension: it holds dev account #7, forwards reads to the dev chain
    // and answers the signing request as a person pressing "Reject" does (EIP-1193 error 4001).
    const [rpcUrl] = Object.values(await web.server.service.app.chains.rpcUrls([31337]))
    const wallet = await web.browser.newContext({ viewport: { width: 1280, height: 900 } })
    await wallet.addInitScript(
      ({ rpc, account }) => {
        let id = 0
        ;(window as unknown as { ethereum: unknown }).ethereum = {
          async request({ method, params }: { method: string; params?: unknown[] }) {
            if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account]
            if (method === 'eth_sendTransaction') throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
            const r = await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: params ?? [] }) })
            const body = (await r.json()) as { result?: unknown; error?: { code: number; message: string } }
            if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code })
            return body.result
          },
        }
      },
      { rpc: rpcUrl as string, account: addr(7) },
    )
    const { page, errors } = await openPage(wallet)
    await page.goto(`${web.server.url}/assets/${childCid}/buy/${childOffer}`)
    await page.click('text=Connect browser wallet')
    await textOf(page, '[data-testid="wallet-address"]').toContain(addr(7))
    await textOf(page, '[data-testid="wallet-address"]').toContain('browser wallet')
    await page.click('#buy-button')
    await expect.poll(() => page.locator('.notice-error').getAttribute('data-code'), wait).toBe('USER_REJECTED')
    await textOf(page, '.notice-error').toContain('Nothing was signed and nothing was paid')
    await screenshot(page, 'buy-rejected')
    expect(errors).toEqual([])
    await wallet.close()
  })

  it('the log page shows the anchor per chain and checks it against the latest checkpoint in the browser', async () => {
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/log`)
    await textOf(page, '[data-testid="anchored-size-31337"]').toMatch(/^\d+$/)
    await textOf(page, '.chain-anchor[data-chain="31337"]').toContain('The latest checkpoint extends this anchor')
    await screenshot(page, 'log-anchors')
    expect(errors).toEqual([])
    await page.close()
  })
})
