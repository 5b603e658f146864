import type { MintmarkError } from '@mintmark/core'
import { type Address, createPublicClient, hashDomain, http, keccak256, toHex, zeroAddress } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { chainOf, closedPort, makeWalletClient, type TestChain, useDevChain } from '../../test/helpers.js'
import {
  cancelOffer,
  getOfferDigest,
  getOwed,
  hashOffer,
  mintmarkLicensesAbi,
  type Offer,
  offerDomain,
  purchaseLicense,
  signOffer,
  withdrawRoyalties,
} from '../index.js'
import { mockErc20Abi, mockErc20Bytecode } from '../testing.js'

let node: TestChain
let seller: Address
let buyer: Address
let payees: [Address, Address, Address]
let usd: Address
let expiry: bigint
let nonce = 0n

beforeAll(async () => {
  node = await useDevChain()
  const addresses = node.accounts.map((a) => a.address)
  seller = addresses[1] as Address
  payees = [addresses[2], addresses[3], addresses[4]] as [Address, Address, Address]
  buyer = addresses[5] as Address
  const { timestamp } = await node.publicClient.getBlock()
  expiry = timestamp + 3600n
  usd = await deployToken()
  await node.wallet(0).writeContract({ address: node.contracts.licenses, abi: mintmarkLicensesAbi, functionName: 'setCurrencyAllowed', args: [usd, true] })
  await node.wallet(5).writeContract({ address: usd, abi: mockErc20Abi, functionName: 'mint', args: [buyer, 10n ** 24n] })
})
afterAll(() => node?.cleanup())

async function deployToken(): Promise<Address> {
  const hash = await node.wallet(0).deployContract({ abi: mockErc20Abi, bytecode: mockErc20Bytecode })
  const { contractAddress } = await node.publicClient.waitForTransactionReceipt({ hash })
  return contractAddress as Address
}

/** A fresh offer (new nonce, so a new id) from dev account 1. */
function makeOffer(overrides: Partial<Offer> = {}): Offer {
  nonce += 1n
  return {
    assetId: keccak256(toHex('asset/1')),
    termsHash: keccak256(toHex('terms/commercial-v1')),
    seller,
    currency: zeroAddress,
    price: 1_000_003n,
    maxSupply: 100,
    expiry,
    nonce,
    payees: [{ account: payees[0], bps: 10_000 }],
    ...overrides,
  }
}

const sign = async (offer: Offer, signerIndex = 1) => (await signOffer(node.wallet(signerIndex), { address: node.contracts.licenses, offer })).signature
const owed = (account: Address, currency: Address = zeroAddress) => getOwed(node.publicClient, { address: node.contracts.licenses, account, currency })
const read = <name extends 'hashOffer' | 'offerDigest' | 'domainSeparator' | 'computeSplit'>(functionName: name, args: unknown[]) =>
  node.publicClient.readContract({ address: node.contracts.licenses, abi: mintmarkLicensesAbi, functionName, args } as never) as Promise<unknown>

const rejection = async (promise: Promise<unknown>): Promise<MintmarkError> => {
  try {
    await promise
  } catch (error) {
    return error as MintmarkError
  }
  throw new Error('expected a rejection')
}

/** The contract's rule, written out: floors, then one wei each, in order, to fractional shares. */
function expectedSplit(amount: bigint, bps: readonly number[]): bigint[] {
  const shares = bps.map((b) => (amount * BigInt(b)) / 10_000n)
  let dust = amount - shares.reduce((s, x) => s + x, 0n)
  return shares.map((share, i) => {
    if (dust > 0n && (amount * BigInt(bps[i] ?? 0)) % 10_000n !== 0n) {
      dust -= 1n
      return share + 1n
    }
    return share
  })
}

test('the EIP-712 Offer definition matches the contract: struct hash, digest and domain', async () => {
  const offer = makeOffer({
    payees: [
      { account: payees[0], bps: 3333 },
      { account: payees[1], bps: 3333 },
      { account: payees[2], bps: 3334 },
    ],
  })
  expect(hashOffer(offer)).toBe(await read('hashOffer', [offer]))
  expect(getOfferDigest({ offer, chainId: node.chainId, address: node.contracts.licenses })).toBe(await read('offerDigest', [offer]))
  const domain = offerDomain({ chainId: node.chainId, address: node.contracts.licenses })
  const EIP712Domain = [
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ] as const
  expect(hashDomain({ domain: { ...domain, chainId: BigInt(domain.chainId) }, types: { EIP712Domain } })).toBe(await read('domainSeparator', []))
  // Any field changes the hash (it is the licence token id).
  expect(hashOffer({ ...offer, maxSupply: 101 })).not.toBe(hashOffer(offer))
  expect(() => hashOffer({ ...offer, seller: '0x1234' })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
})

describe('purchases', () => {
  test('one payee, ETH: the payee is owed the price and withdraws exactly that', async () => {
    const offer = makeOffer()
    const payee = payees[0]
    const before = await owed(payee)
    const bought = await purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer, signature: await sign(offer), quantity: 1 })
    expect(bought).toMatchObject({ offerHash: hashOffer(offer), tokenId: BigInt(hashOffer(offer)), amount: offer.price, approvalTransactionHash: undefined })
    expect((await owed(payee)) - before).toBe(offer.price)

    const balance = await node.publicClient.getBalance({ address: payee })
    const withdrawn = await withdrawRoyalties(node.wallet(2), { address: node.contracts.licenses })
    const receipt = await node.publicClient.getTransactionReceipt({ hash: withdrawn.transactionHash })
    expect(withdrawn.amount).toBe(before + offer.price)
    expect((await node.publicClient.getBalance({ address: payee })) - balance + receipt.gasUsed * receipt.effectiveGasPrice).toBe(withdrawn.amount)
    expect(await owed(payee)).toBe(0n)
  })

  test('three payees, three licences: credits sum to price × quantity, split as the contract rounds', async () => {
    const bps = [3333, 3333, 3334]
    const offer = makeOffer({ payees: payees.map((account, i) => ({ account, bps: bps[i] as number })) })
    const before = await Promise.all(payees.map((p) => owed(p)))
    const bought = await purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer, signature: await sign(offer), quantity: 3 })
    const amount = offer.price * 3n
    expect(bought.amount).toBe(amount)
    const credited = (await Promise.all(payees.map((p) => owed(p)))).map((o, i) => o - (before[i] as bigint))
    expect(credited.reduce((s, x) => s + x, 0n)).toBe(amount)
    expect(credited).toEqual(expectedSplit(amount, bps))
    expect(credited).toEqual(await read('computeSplit', [amount, offer.payees]))
    const licences = await node.publicClient.readContract({ address: node.contracts.licenses, abi: mintmarkLicensesAbi, functionName: 'balanceOf', args: [buyer, bought.tokenId] })
    expect(licences).toBe(3n)

    for (const [i, payee] of payees.entries()) {
      const all = await owed(payee)
      const { amount: paid, to } = await withdrawRoyalties(node.wallet(2 + i), { address: node.contracts.licenses, to: node.accounts[9]?.address })
      expect([paid, to]).toEqual([all, node.accounts[9]?.address])
    }
  })

  test('an ERC-20 offer: the exact amount is approved, then paid and credited; withdraw pays the token', async () => {
    const offer = makeOffer({ currency: usd, price: 5_000_000n, payees: [{ account: payees[1], bps: 4000 }, { account: payees[2], bps: 6000 }] })
    const bought = await purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer, signature: await sign(offer), quantity: 2 })
    expect(bought.approvalTransactionHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect([await owed(payees[1], usd), await owed(payees[2], usd)]).toEqual([4_000_000n, 6_000_000n])
    await withdrawRoyalties(node.wallet(4), { address: node.contracts.licenses, currency: usd })
    expect(await node.publicClient.readContract({ address: usd, abi: mockErc20Abi, functionName: 'balanceOf', args: [payees[2]] })).toBe(6_000_000n)
  })
})

describe('refusals name their cause', () => {
  test('expired offer → LICENSE_OFFER_EXPIRED', async () => {
    const { timestamp } = await node.publicClient.getBlock()
    const offer = makeOffer({ expiry: timestamp - 1n })
    const error = await rejection(purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer, signature: await sign(offer), quantity: 1 }))
    expect(error.code).toBe('LICENSE_OFFER_EXPIRED')
    expect(error.shortMessage).toBe('The licence offer has expired (MintmarkLicensesOfferExpired).')
  })

  test('tampered offer or another key’s signature → LICENSE_SIGNATURE_INVALID', async () => {
    const offer = makeOffer()
    const signature = await sign(offer)
    const cheaper = await rejection(purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer: { ...offer, price: 1n }, signature, quantity: 1 }))
    expect(cheaper.code).toBe('LICENSE_SIGNATURE_INVALID')
    const redirected = { ...offer, payees: [{ account: buyer, bps: 10_000 }] }
    expect((await rejection(purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer: redirected, signature, quantity: 1 }))).code).toBe(
      'LICENSE_SIGNATURE_INVALID',
    )
    const forged = await sign(offer, 5)
    expect((await rejection(purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer, signature: forged, quantity: 1 }))).code).toBe(
      'LICENSE_SIGNATURE_INVALID',
    )
  })

  test('currency not allowed → LICENSE_CURRENCY_NOT_ALLOWED, and nothing was approved', async () => {
    const other = await deployToken()
    const offer = makeOffer({ currency: other })
    const error = await rejection(purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer, signature: await sign(offer), quantity: 1 }))
    expect(error.code).toBe('LICENSE_CURRENCY_NOT_ALLOWED')
    expect(await node.publicClient.readContract({ address: other, abi: mockErc20Abi, functionName: 'allowance', args: [buyer, node.contracts.licenses] })).toBe(0n)
  })

  test('unfunded key → CHAIN_INSUFFICIENT_FUNDS, for ETH and for an ERC-20', async () => {
    const pauper = makeWalletClient(node.chain, generatePrivateKey())
    const offer = makeOffer()
    const eth = await rejection(purchaseLicense(pauper, { address: node.contracts.licenses, offer, signature: await sign(offer), quantity: 1 }))
    expect(eth.code).toBe('CHAIN_INSUFFICIENT_FUNDS')
    const tokenOffer = makeOffer({ currency: usd })
    const token = await rejection(purchaseLicense(pauper, { address: node.contracts.licenses, offer: tokenOffer, signature: await sign(tokenOffer), quantity: 1 }))
    expect(token.code).toBe('CHAIN_INSUFFICIENT_FUNDS')
    expect(token.details).toContain(`${pauper.account.address} holds 0`)
  })

  test('wrong RPC URL → CHAIN_RPC_UNREACHABLE; RPC of another chain → CHAIN_ID_MISMATCH', async () => {
    const offer = makeOffer()
    const signature = await sign(offer)
    const url = `http://127.0.0.1:${await closedPort()}`
    const nowhere = makeWalletClient(chainOf(node.chainId, url), node.accounts[5]?.privateKey ?? '0x')
    expect((await rejection(purchaseLicense(nowhere, { address: node.contracts.licenses, offer, signature, quantity: 1 }))).code).toBe('CHAIN_RPC_UNREACHABLE')
    const reader = createPublicClient({ transport: http(url, { retryCount: 0 }) })
    expect((await rejection(getOwed(reader, { address: node.contracts.licenses, account: buyer }))).code).toBe('CHAIN_RPC_UNREACHABLE')
    const elsewhere = makeWalletClient(chainOf(1, node.rpcUrl), node.accounts[5]?.privateKey ?? '0x')
    expect((await rejection(purchaseLicense(elsewhere, { address: node.contracts.licenses, offer, signature, quantity: 1 }))).code).toBe('CHAIN_ID_MISMATCH')
  })

  test('a cancelled offer, a non-seller cancelling, nothing to withdraw → CHAIN_TX_REVERTED naming the error', async () => {
    const offer = makeOffer()
    const signature = await sign(offer)
    const notSeller = await rejection(cancelOffer(node.wallet(5), { address: node.contracts.licenses, offer }))
    expect(notSeller.shortMessage).toBe('MintmarkLicenses.cancelOffer reverted with MintmarkLicensesNotSeller.')
    expect(await cancelOffer(node.wallet(1), { address: node.contracts.licenses, offer })).toMatchObject({ offerHash: hashOffer(offer) })
    const cancelled = await rejection(purchaseLicense(node.wallet(5), { address: node.contracts.licenses, offer, signature, quantity: 1 }))
    expect([cancelled.code, cancelled.shortMessage]).toEqual(['CHAIN_TX_REVERTED', 'MintmarkLicenses.purchase reverted with MintmarkLicensesOfferIsCancelled.'])
    const nothingOwed = await rejection(withdrawRoyalties(node.wallet(7), { address: node.contracts.licenses }))
    expect(nothingOwed.shortMessage).toBe('MintmarkLicenses.withdraw reverted with MintmarkLicensesNothingOwed.')
  })
})
