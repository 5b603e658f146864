import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type DevChain, getDevAccounts, startDevChain } from '@mintmark/chain'
import { findFreePort } from '@mintmark/chain/testing'
import { generatePrivateKey } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

// The built CLI as a user runs it, against real anvil nodes: the home's own dev chain (started
// and stopped by each command, state on disk) and two configured chains started by the test.
let work: string
const accounts = getDevAccounts()
const addressOf = (i: number) => (accounts[i] ?? accounts[0]).address
const started: DevChain[] = []

const cli = (home: string, args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--home', home], { env, cwd: work })
const json = async (home: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await cli(home, [...args, '--json'], env)
  let body: any
  try {
    body = JSON.parse(r.stdout)
  } catch {
    body = undefined
  }
  return { ...r, body }
}

async function writeFiles(dir: string, names: string[]) {
  await fsp.mkdir(dir, { recursive: true })
  for (const n of names) await fsp.writeFile(path.join(dir, `${n}.txt`), `asset ${n} ${dir}\n`)
}


async function configure(home: string, chains: unknown[]) {
  const file = path.join(home, 'config.json')
  const config = JSON.parse(await fsp.readFile(file, 'utf8'))
  await fsp.writeFile(file, JSON.stringify({ ...config, chains }, null, 2))
}

async function keyFile(name: string, key: string, mode = 0o600): Promise<string> {
  const file = path.join(work, name)
  await fsp.writeFile(file, `${key}\n`, { mode })
  await fsp.chmod(file, mode)
  return file
}

const anchorChecks = (body: { checks: { code: string }[] }) => body.checks.filter((c) => c.code === 'CHAIN_ANCHOR')

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-e2e-chain-'))
})
afterAll(async () => {
  await Promise.all(started.map((c) => c.stop()))
  await fsp.rm(work, { recursive: true, force: true })
})

describe('the local dev chain', () => {
  let home: string
  let did = ''
  let cid = ''
  const payee = addressOf(2)
  const coPayee = addressOf(3)

  it('init and register three files', async () => {
    home = path.join(work, 'dev-home')
    const init = await json(home, ['init'])
    expect(init.code, init.stderr).toBe(0)
    did = init.body.creator
    await writeFiles(path.join(work, 'dev'), ['a', 'b', 'c'])
    const r = await json(home, ['register', 'dev', '--royalty', `${did}=70%`, '--royalty', `${coPayee}=30%`])
    expect(r.code, r.stderr).toBe(0)
    cid = r.body.registered.find((a: { file: string }) => a.file.endsWith('a.txt')).cid
  })

  it('anchor creates the log and anchors size 3; after more registrations the next anchor carries a consistency proof', async () => {
    const first = await json(home, ['anchor'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.body.chains).toEqual([
      expect.objectContaining({ chain: 'dev', chainId: 31337, treeSize: 3, status: 'final', previousSize: 0, createdLog: true, consistencyProofLength: 0 }),
    ])
    await writeFiles(path.join(work, 'dev2'), ['d', 'e'])
    expect((await cli(home, ['register', 'dev2'])).code).toBe(0)
    const second = await json(home, ['anchor'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.body.chains[0]).toMatchObject({ treeSize: 5, previousSize: 3, status: 'final', createdLog: false })
    expect(second.body.chains[0].consistencyProofLength).toBeGreaterThan(0)
    expect(second.body.chains[0].blockNumber).toBeGreaterThan(first.body.chains[0].blockNumber)
  })

  it('a new process sees the anchor: chain status reads it from the restarted dev chain', async () => {
    const r = await json(home, ['chain', 'status'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.local.size).toBe(5)
    expect(r.body.chains[0]).toMatchObject({
      name: 'dev',
      chainId: 31337,
      reachable: true,
      anchored: { treeSize: 5, rootHash: r.body.local.rootHash },
      upToDate: true,
      counts: { pending: 0, included: 0, final: 2 },
      contracts: { anchor: { hasCode: true }, licenses: { hasCode: true } },
    })
    expect(r.body.chains[0].rpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const human = await cli(home, ['chain', 'status'])
    expect(human.stdout).toContain('anchored   size 5')
  })

  it('export bundle carries the anchor; verify checks it locally and offline with --rpc; a tampered anchor root fails', async () => {
    const bundlePath = path.join(work, 'bundle.json')
    const exported = await cli(home, ['export', 'bundle', cid, '-o', bundlePath])
    expect(exported.code, exported.stderr).toBe(0)
    const bundle = JSON.parse(await fsp.readFile(bundlePath, 'utf8'))
    expect(bundle.inclusion.treeSize).toBe(5)
    expect(bundle.anchors).toEqual([expect.objectContaining({ chainId: 31337, treeSize: 5 })])

    const local = await json(home, ['verify', 'dev/a.txt'])
    expect(local.code, local.stderr).toBe(0)
    expect(anchorChecks(local.body)).toEqual([expect.objectContaining({ status: 'pass' })])
    const human = await cli(home, ['verify', 'dev/a.txt'])
    expect(human.stdout).toMatch(/anchor: {2}✓ Checkpoint size 5 is anchored on chain 31337 in block \d+/)

    const noRpc = await json(home, ['verify', 'dev/a.txt', '--bundle', bundlePath, '--offline'])
    expect(anchorChecks(noRpc.body)).toEqual([expect.objectContaining({ status: 'skip' })])

    // The test runs the home's dev chain itself (same state directory) while no command does.
    const node = await startDevChain({ dir: path.join(home, 'chain', 'dev') })
    try {
      const offline = await json(home, ['verify', 'dev/a.txt', '--bundle', bundlePath, '--offline', '--rpc', `31337=${node.rpcUrl}`])
      expect(offline.code, offline.stderr).toBe(0)
      expect(offline.body.verdict).toBe('verified')
      expect(anchorChecks(offline.body)).toEqual([expect.objectContaining({ status: 'pass' })])

      const tamperedPath = path.join(work, 'tampered.json')
      await fsp.writeFile(tamperedPath, JSON.stringify({ ...bundle, anchors: [{ ...bundle.anchors[0], rootHash: 'ab'.repeat(32) }] }))
      const tampered = await json(home, ['verify', 'dev/a.txt', '--bundle', tamperedPath, '--offline', '--rpc', `31337=${node.rpcUrl}`])
      expect(tampered.code).toBe(1)
      expect(tampered.body.verdict).toBe('failed')
      expect(anchorChecks(tampered.body)).toEqual([expect.objectContaining({ status: 'fail', error: 'ANCHOR_MISMATCH' })])
    } finally {
      await node.stop()
    }
  })

  it('offer create → license buy → royalties owed sum to the price → withdraw pays them', async () => {
    const offerPath = path.join(work, 'offer.json')
    const missing = await json(home, ['offer', 'create', cid, '--price', '0.01ETH'])
    expect(missing.code).toBe(2)
    expect(missing.body.error.code).toBe('OFFER_PAYEE_UNRESOLVED')

    const created = await json(home, ['offer', 'create', cid, '--price', '0.01ETH', '--payee', `${did}=${payee}`, '--supply', '10', '--expires', '7d', '-o', offerPath])
    expect(created.code, created.stderr).toBe(0)
    expect(created.body.offer.payees).toEqual([
      { account: payee, bps: 7000 },
      { account: coPayee, bps: 3000 },
    ])
    expect(created.body).toMatchObject({ chainId: 31337, offer: { price: '10000000000000000', maxSupply: 10, seller: accounts[0].address } })

    const bought = await json(home, ['license', 'buy', offerPath])
    expect(bought.code, bought.stderr).toBe(0)
    expect(bought.body).toMatchObject({ tokenId: BigInt(created.body.offerHash).toString(), amount: '10000000000000000', quantity: 1 })
    expect(bought.body.buyer).not.toBe(accounts[0].address)
    expect(bought.body.txHash).toMatch(/^0x[0-9a-f]{64}$/)

    const owed = await json(home, ['royalties', '--account', payee, '--account', coPayee])
    expect(owed.code, owed.stderr).toBe(0)
    const amounts = owed.body.chains[0].accounts.map((a: { owed: { amount: string }[] }) => BigInt(a.owed[0]?.amount ?? 0))
    expect(amounts).toEqual([7_000_000_000_000_000n, 3_000_000_000_000_000n])
    expect(amounts.reduce((s: bigint, x: bigint) => s + x, 0n)).toBe(10_000_000_000_000_000n)

    const withdrawn = await json(home, ['royalties', '--account', payee, '--account', coPayee, '--withdraw'])
    expect(withdrawn.code, withdrawn.stderr).toBe(0)
    expect(withdrawn.body.chains[0].accounts.map((a: { withdrawn: { amount: string }[] }) => a.withdrawn[0]?.amount)).toEqual([
      '7000000000000000',
      '3000000000000000',
    ])
    const after = await json(home, ['royalties', '--account', payee, '--account', coPayee])
    expect(after.body.chains[0].accounts.map((a: { owed: { amount: string }[] }) => a.owed[0]?.amount)).toEqual(['0', '0'])
  })

  it("a derivative's offer must carry the shares its parent's offer requires", async () => {
    const upstream = addressOf(4)
    const parent = await json(home, ['offer', 'create', cid, '--price', '1000wei', '--payee', `${did}=${payee}`, '--derivative-share', `${upstream}=10%`])
    expect(parent.code, parent.stderr).toBe(0)
    await writeFiles(path.join(work, 'child1'), ['x'])
    await writeFiles(path.join(work, 'child2'), ['y'])
    const c1 = await json(home, ['register', 'child1', '--parent', cid, '--royalty', `${did}=100%`])
    const c2 = await json(home, ['register', 'child2', '--parent', cid, '--royalty', `${did}=90%`, '--royalty', `${upstream}=10%`])
    expect([c1.code, c2.code]).toEqual([0, 0])
    const refused = await json(home, ['offer', 'create', c1.body.registered[0].cid, '--price', '1000wei', '--payee', `${did}=${payee}`])
    expect(refused.code).toBe(2)
    expect(refused.body.error.code).toBe('OFFER_REQUIRED_SHARE_MISSING')
    const ok = await json(home, ['offer', 'create', c2.body.registered[0].cid, '--price', '1000wei', '--payee', `${did}=${payee}`])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.body.requiredShares).toEqual([{ account: upstream, bps: 1000 }])
    const bought = await json(home, ['license', 'buy', ok.body.offerHash])
    expect(bought.code, bought.stderr).toBe(0)
  })
})

describe('configured chains', () => {
  let a: DevChain
  let b: DevChain
  beforeAll(async () => {
    ;[a, b] = await Promise.all([
      startDevChain({ dir: path.join(work, 'anvil-a'), chainId: 31401 }),
      startDevChain({ dir: path.join(work, 'anvil-b'), chainId: 31402 }),
    ])
    started.push(a, b)
  })
  const chainEntry = (node: DevChain, name: string, extra: Record<string, unknown> = {}) => ({
    name,
    chainId: node.chainId,
    rpcUrl: node.rpcUrl,
    contracts: node.contracts,
    confirmations: 1,
    ...extra,
  })

  it('anchors on two chains and verify reports both', async () => {
    const home = path.join(work, 'two-home')
    expect((await cli(home, ['init'])).code).toBe(0)
    await configure(home, [chainEntry(a, 'alpha', { keyFile: await keyFile('alpha.key', accounts[0].privateKey) }), chainEntry(b, 'beta')])
    await writeFiles(path.join(work, 'two'), ['p', 'q'])
    expect((await cli(home, ['register', 'two'])).code).toBe(0)
    const anchored = await json(home, ['anchor'], { MINTMARK_CHAIN_KEY: accounts[0].privateKey })
    expect(anchored.code, anchored.stderr).toBe(0)
    expect(anchored.body.chains.map((c: { chain: string; chainId: number; status: string }) => [c.chain, c.chainId, c.status])).toEqual([
      ['alpha', 31401, 'final'],
      ['beta', 31402, 'final'],
    ])
    const local = await json(home, ['verify', 'two/p.txt'])
    expect(local.code, local.stderr).toBe(0)
    const checks = anchorChecks(local.body)
    expect(checks).toHaveLength(2)
    expect(checks.map((c: any) => c.status)).toEqual(['pass', 'pass'])
    expect(checks.map((c: any) => c.detail).join('\n')).toMatch(/chain 31401[\s\S]*chain 31402/)
    const only = await json(home, ['chain', 'status', '--chain', 'beta'])
    expect(only.body.chains).toEqual([expect.objectContaining({ name: 'beta', upToDate: true })])
    const unknown = await json(home, ['anchor', '--chain', 'gamma'])
    expect(unknown.code).toBe(2)
    expect(unknown.body.error.code).toBe('CHAIN_NOT_CONFIGURED')
  })

  it('a wrong RPC URL is a typed error naming the chain (exit 3), and nothing is marked anchored', async () => {
    const home = path.join(work, 'wrong-rpc-home')
    expect((await cli(home, ['init'])).code).toBe(0)
    await configure(home, [chainEntry(a, 'gone', { rpcUrl: `http://127.0.0.1:${await findFreePort()}/v3/secret-api-key` })])
    await writeFiles(path.join(work, 'wrong'), ['w'])
    expect((await cli(home, ['register', 'wrong'])).code).toBe(0)
    const r = await json(home, ['anchor'], { MINTMARK_CHAIN_KEY: accounts[0].privateKey })
    expect(r.code).toBe(3)
    expect(r.body.error).toMatchObject({ code: 'CHAIN_RPC_UNREACHABLE' })
    expect(r.body.error.title).toContain('chain gone (31401)')
    expect(r.stderr).not.toContain('secret-api-key')
    const status = await json(home, ['chain', 'status'])
    expect(status.code, status.stderr).toBe(0)
    expect(status.body.chains[0]).toMatchObject({ reachable: false, anchored: null, counts: { included: 0, final: 0 } })
  })

  it('a key that cannot anchor (unfunded, no role) or is exposed is a typed user error, and nothing is marked anchored', async () => {
    const home = path.join(work, 'bad-key-home')
    expect((await cli(home, ['init'])).code).toBe(0)
    await configure(home, [chainEntry(a, 'alpha', { keyFile: await keyFile('open.key', accounts[0].privateKey, 0o644) })])
    await writeFiles(path.join(work, 'badkey'), ['k'])
    expect((await cli(home, ['register', 'badkey'])).code).toBe(0)
    const exposed = await json(home, ['anchor'])
    expect(exposed.code).toBe(2)
    expect(exposed.body.error.code).toBe('CHAIN_KEY_MISSING')

    await configure(home, [chainEntry(a, 'alpha')])
    const stranger = await json(home, ['anchor'], { MINTMARK_CHAIN_KEY: generatePrivateKey() })
    expect(stranger.code).toBe(2)
    expect(['CHAIN_INSUFFICIENT_FUNDS', 'CHAIN_TX_REVERTED']).toContain(stranger.body.error.code)
    expect(stranger.body.error.title).toContain('chain alpha (31401)')
    const status = await json(home, ['chain', 'status'])
    expect(status.body.chains[0].counts).toEqual({ pending: 0, included: 0, final: 0 })
  })
})
