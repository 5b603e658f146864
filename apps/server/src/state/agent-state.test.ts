import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { twoPostgresNodes } from '../../test/helpers.js'
import { type AgentState, agentInfoOf, denyAllPolicy, openAgentStore, toAgentState } from '../mcp/agents.js'
import type { AgentPolicy } from '../schemas.js'
import { createPostgresAgentState } from './postgres-agent-state.js'

/** Two handles on one fresh database (two API nodes), and a cleanup. */
type Factory = () => Promise<{ a: AgentState; b: AgentState; cleanup(): Promise<void> }>

const now = new Date('2026-03-01T12:00:00.000Z')
const native = '0x0000000000000000000000000000000000000000'
const policy: AgentPolicy = {
  chains: [8453],
  currencies: [{ currency: native, chainId: 8453, maxPricePerLicence: '100', dailyBudget: '1000' }],
  licences: { spdx: ['CC-BY-4.0'] },
}
const agent = (name: string, n: number) => ({
  name,
  did: `did:key:z6Mkagent${n}`,
  evmAddress: `0x${String(n).padStart(40, '0')}`,
  policy: denyAllPolicy,
  createdAt: now.toISOString(),
})
const reserveOf = (amount: bigint, offer = 'ab'.repeat(32)) => ({ agent: 'shopper', day: '2026-03-01', key: `8453:${native}`, amount, limit: 1000n, offerHash: offer, now })

function describeAgentState(name: string, make: Factory): void {
  describe(`agent state conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c()
    })
    const open = async () => {
      const made = await make()
      cleanups.push(made.cleanup)
      return made
    }

    it('adds agents once (USAGE_INVALID for a taken name or DID), finds them by name or DID, lists by name', async () => {
      const { a, b } = await open()
      await a.insert(agent('zeta', 1))
      await b.insert(agent('alpha', 2))
      await expect(b.insert(agent('zeta', 3))).rejects.toMatchObject({ code: 'USAGE_INVALID' })
      await expect(a.insert({ ...agent('other', 1) })).rejects.toMatchObject({ code: 'USAGE_INVALID' })
      const zeta = { ...agent('zeta', 1), updatedAt: now.toISOString() }
      expect(await b.get('zeta')).toEqual(zeta)
      expect(await b.get('did:key:z6Mkagent1')).toEqual(zeta)
      expect(await a.get('nobody')).toBeUndefined()
      expect((await a.list()).map((r) => r.name)).toEqual(['alpha', 'zeta'])
    })

    it('replaces a policy (AGENT_NOT_FOUND for an unknown agent) and reports today’s spend with it', async () => {
      const { a, b } = await open()
      await a.insert(agent('shopper', 1))
      const later = new Date('2026-03-01T13:00:00.000Z')
      const updated = await b.setPolicy('shopper', policy, later)
      expect(updated).toMatchObject({ name: 'shopper', policy, updatedAt: later.toISOString(), createdAt: now.toISOString() })
      expect((await a.get('shopper'))?.policy).toEqual(policy)
      await expect(a.setPolicy('nobody', policy, later)).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' })
      const r = await a.reserve(reserveOf(300n))
      await b.settle(r.id, 'paid', '0xfeed', later)
      await b.reserve(reserveOf(50n))
      const info = await agentInfoOf(a, 'shopper', later)
      expect(info.spend).toEqual({ day: '2026-03-01', budgets: [{ key: `8453:${native}`, currency: native, chainId: 8453, dailyBudget: '1000', spent: '300', reserved: '50' }] })
      await expect(agentInfoOf(a, 'nobody', later)).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' })
    })

    it('reserves within the daily budget: paid and in flight count, released does not, a settled reservation stays settled', async () => {
      const { a, b } = await open()
      await a.insert(agent('shopper', 1))
      const r1 = await a.reserve(reserveOf(400n))
      expect(r1.spentBefore).toBe(0n)
      const r2 = await b.reserve(reserveOf(500n))
      expect(r2.spentBefore).toBe(400n)
      const over = b.reserve(reserveOf(101n))
      await expect(over).rejects.toMatchObject({ code: 'AGENT_BUDGET_EXCEEDED' })
      await a.settle(r1.id, 'paid', '0xaa', now)
      await b.settle(r2.id, 'released', undefined, now)
      // A settled reservation is not settled again.
      await a.settle(r2.id, 'paid', '0xbb', now)
      expect(await b.spend('shopper', '2026-03-01')).toEqual(new Map([[`8453:${native}`, { paid: 400n, reserved: 0n }]]))
      expect((await a.reserve(reserveOf(600n))).spentBefore).toBe(400n)
      // Another day, another budget.
      expect((await a.reserve({ ...reserveOf(1000n), day: '2026-03-02' })).spentBefore).toBe(0n)
      expect(await a.spend('shopper', '2026-03-03')).toEqual(new Map())
      // Amounts beyond 64 bits (18-decimal tokens) are exact.
      const big = 10n ** 30n
      await a.reserve({ ...reserveOf(big), key: 'big', limit: 2n * big })
      await expect(b.reserve({ ...reserveOf(big + 1n), key: 'big', limit: 2n * big })).rejects.toMatchObject({ code: 'AGENT_BUDGET_EXCEEDED' })
      expect((await b.spend('shopper', '2026-03-01')).get('big')).toEqual({ paid: 0n, reserved: big })
    })

    it('concurrent reservations on two nodes never together exceed the budget', async () => {
      const { a, b } = await open()
      await a.insert(agent('shopper', 1))
      // 30 reservations of 100 against a budget of 1000: exactly 10 succeed.
      const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).reserve(reserveOf(100n, `${i}`.padStart(64, '0')))))
      const ok = results.filter((r) => r.status === 'fulfilled')
      expect(ok).toHaveLength(10)
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'AGENT_BUDGET_EXCEEDED' })
      expect((await a.spend('shopper', '2026-03-01')).get(`8453:${native}`)).toEqual({ paid: 0n, reserved: 1000n })
    })
  })
}

describeAgentState('sqlite', async () => {
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-agent-state-'))
  const a = toAgentState(openAgentStore(home))
  const b = toAgentState(openAgentStore(home))
  return {
    a,
    b,
    async cleanup() {
      await a.close()
      await b.close()
      await fsp.rm(home, { recursive: true, force: true })
    },
  }
})

const run = postgresOrSkipNotice('PostgreSQL agent state')
let server: TestPostgres
beforeAll(async () => {
  if (run) server = await startTestPostgres()
})
afterAll(async () => {
  await server?.stop()
})

describe.skipIf(!run)('postgres', () => {
  describeAgentState('postgres', () =>
    twoPostgresNodes(server, (pool) => createPostgresAgentState(pool) as Promise<AgentState>),
  )
})
