import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { getDevAccounts } from '@mintmark/chain'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { initHome } from './home.js'
import { buyLicense, createOffer, parsePrice, royalties } from './offers.js'
import { type AppContext, openApp } from './open-app.js'
import { register } from './register.js'

// Offers, licences and royalties from the app over its own dev chain.
let work: string
let ctx: AppContext
let did: string
const accounts = getDevAccounts()
const addressOf = (i: number) => (accounts[i] ?? accounts[0]).address

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-app-offers-'))
  const home = path.join(work, '.mintmark')
  did = (await initHome({ home })).creator
  ctx = await openApp({ home, env: {} })
})
afterAll(async () => {
  await ctx?.close()
  await fsp.rm(work, { recursive: true, force: true })
})

it('parsePrice reads ETH, gwei, wei and base units', () => {
  expect(parsePrice('0.01ETH')).toBe(10_000_000_000_000_000n)
  expect(parsePrice('5gwei')).toBe(5_000_000_000n)
  expect(parsePrice('1000')).toBe(1000n)
  expect(() => parsePrice('1.5')).toThrow(expect.objectContaining({ code: 'USAGE_INVALID' }))
})

it('creates an offer from the split, buys it, and the payees are owed the price and withdraw it', async () => {
  const file = path.join(work, 'a.txt')
  await fsp.writeFile(file, 'asset a\n')
  const { registered } = await register(ctx, {
    files: [file],
    digitalSourceType: 'trainedAlgorithmicMedia',
    license: { spdx: 'CC-BY-4.0' },
    royalties: [
      { payee: did as `did:${string}`, bps: 6000 },
      { payee: addressOf(3), bps: 4000 },
    ],
  })
  const cid = registered[0]?.cid as string
  await expect(createOffer(ctx, { cid, price: 1000n })).rejects.toMatchObject({ code: 'OFFER_PAYEE_UNRESOLVED' })
  const doc = await createOffer(ctx, { cid, price: 1001n, payees: { [did]: addressOf(2) } })
  expect(doc.offer.payees).toEqual([
    { account: addressOf(2), bps: 6000 },
    { account: addressOf(3), bps: 4000 },
  ])
  expect((await ctx.store.getOffer(doc.offerHash))?.assetCid).toBe(cid)
  const bought = await buyLicense(ctx, { offer: doc.offerHash, quantity: 2 })
  expect(bought).toMatchObject({ amount: '2002', quantity: 2, tokenId: BigInt(doc.offerHash).toString() })
  const owed = await royalties(ctx, { accounts: [addressOf(2), addressOf(3)] })
  const amounts = owed.chains[0]?.accounts.map((a) => BigInt(a.owed[0]?.amount ?? 0)) ?? []
  expect(amounts.reduce((s, x) => s + x, 0n)).toBe(2002n)
  const paid = await royalties(ctx, { accounts: [addressOf(2), addressOf(3)], withdraw: true })
  expect(paid.chains[0]?.accounts.map((a) => a.withdrawn[0]?.amount)).toEqual(amounts.map(String))
  await expect(buyLicense(ctx, { offer: `0x${'00'.repeat(32)}` })).rejects.toMatchObject({ code: 'OFFER_NOT_FOUND' })
})

it('requires the shares that offers on its training dataset and model weights ask of derivatives', async () => {
  const dataset = path.join(work, 'dataset.bin')
  const weights = path.join(work, 'weights.bin')
  await fsp.writeFile(dataset, 'a training dataset\n')
  await fsp.writeFile(weights, 'model weights\n')
  const up = await register(ctx, { files: [dataset, weights], digitalSourceType: 'digitalCapture', license: { spdx: 'CC-BY-4.0' }, royalties: [{ payee: addressOf(4), bps: 10_000 }] })
  const [datasetCid, weightsCid] = [dataset, weights].map((f) => up.registered.find((r) => r.file === f)?.cid as string)
  // The dataset's owner asks 10% of every derivative, the model's owner 5%.
  await createOffer(ctx, { cid: datasetCid as string, price: 1n, derivativeShares: [{ payee: addressOf(4), bps: 1000 }] })
  await createOffer(ctx, { cid: weightsCid as string, price: 1n, derivativeShares: [{ payee: addressOf(5), bps: 500 }] })
  const made = (name: string, royaltySplit: { payee: `0x${string}`; bps: number }[]) => {
    const file = path.join(work, name)
    return fsp.writeFile(file, `${name}\n`).then(() =>
      register(ctx, {
        files: [file],
        digitalSourceType: 'trainedAlgorithmicMedia',
        license: { spdx: 'CC-BY-4.0' },
        datasets: [{ cid: datasetCid as string }],
        generation: { model: { name: 'm', version: '1', weightsHash: weightsCid as string } },
        royalties: royaltySplit,
      }),
    )
  }
  const short = await made('short.txt', [{ payee: addressOf(6), bps: 9000 }, { payee: addressOf(4), bps: 1000 }])
  await expect(createOffer(ctx, { cid: short.registered[0]?.cid as string, price: 100n })).rejects.toMatchObject({ code: 'OFFER_REQUIRED_SHARE_MISSING' })
  const fair = await made('fair.txt', [{ payee: addressOf(6), bps: 8500 }, { payee: addressOf(4), bps: 1000 }, { payee: addressOf(5), bps: 500 }])
  const doc = await createOffer(ctx, { cid: fair.registered[0]?.cid as string, price: 100n })
  expect(doc.requiredShares).toEqual(expect.arrayContaining([{ account: addressOf(4), bps: 1000 }, { account: addressOf(5), bps: 500 }]))
})
