import { randomBytes, randomUUID } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { settleSync } from '@mintmark/storage'
import { createNodeEd25519Signer } from '@mintmark/app'
import { type Did, MintmarkError, type Signer, didKeyFromPublicKey, generateEd25519KeyPair } from '@mintmark/core'
import { openDurableDb } from '../durable-db.js'
import type { LocalAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { type AgentPolicy, agentNameSchema, agentPolicySchema, nativeCurrency } from '../schemas.js'
import { ed25519PublicKey } from './ed25519.js'

/**
 * Agents of a home (docs/adr/0011-mcp-and-agent-budgets.md): each has its own keys, an Ed25519
 * did:key that signs its decisions and registrations and an EVM account that pays, kept in
 * `<home>/agents/<name>.key.json` (mode 0600), and a policy its owner sets, kept with the spend
 * ledger in `<home>/agents.sqlite` (WAL, synchronous=FULL). Spend is reserved in an IMMEDIATE
 * transaction before any transaction is sent, so concurrent purchases (in one process or several)
 * never together exceed a budget.
 */
export type AgentRecord = { name: string; did: string; evmAddress: string; policy: AgentPolicy; createdAt: string; updatedAt: string }

/** An agent with its keys loaded: what the MCP tools act with. */
export type AgentIdentity = { name: string; did: Did; evmAddress: `0x${string}`; signer: Signer; account: LocalAccount }

/** The default policy: nothing may be bought until the owner says so. */
export const denyAllPolicy: AgentPolicy = { chains: [], currencies: [], licences: {} }

const migrations = [
  `CREATE TABLE agents (
  name TEXT PRIMARY KEY,
  did TEXT NOT NULL UNIQUE,
  evm_address TEXT NOT NULL,
  policy TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE spend (
  id TEXT PRIMARY KEY,
  agent TEXT NOT NULL,
  day TEXT NOT NULL,
  budget_key TEXT NOT NULL,
  amount TEXT NOT NULL,
  offer_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('reserved', 'paid', 'released')),
  tx_hash TEXT,
  created_at TEXT NOT NULL,
  settled_at TEXT
) STRICT;
CREATE INDEX spend_day ON spend (agent, day, budget_key);`,
]

export function agentsDbPath(home: string): string {
  return path.join(path.resolve(home), 'agents.sqlite')
}

function keyFilePath(home: string, name: string): string {
  return path.join(path.resolve(home), 'agents', `${name}.key.json`)
}

export type AgentStore = ReturnType<typeof openAgentStore>

type AgentRow = { name: string; did: string; evm_address: string; policy: string; created_at: string; updated_at: string }
type SpendRow = { budget_key: string; amount: string; status: string }

export function openAgentStore(home: string) {
  const db = openDurableDb(agentsDbPath(home), 'agents', migrations)
  const q = {
    insert: db.prepare('INSERT INTO agents (name, did, evm_address, policy, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
    byName: db.prepare('SELECT * FROM agents WHERE name = ?'),
    byDid: db.prepare('SELECT * FROM agents WHERE did = ?'),
    all: db.prepare('SELECT * FROM agents ORDER BY name'),
    setPolicy: db.prepare('UPDATE agents SET policy = ?, updated_at = ? WHERE name = ?'),
    spendOf: db.prepare("SELECT budget_key, amount, status FROM spend WHERE agent = ? AND day = ? AND status IN ('reserved', 'paid')"),
    reserve: db.prepare("INSERT INTO spend (id, agent, day, budget_key, amount, offer_hash, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'reserved', ?)"),
    settle: db.prepare("UPDATE spend SET status = ?, tx_hash = ?, settled_at = ? WHERE id = ? AND status = 'reserved'"),
  }
  const toRecord = (r: AgentRow): AgentRecord => ({
    name: r.name,
    did: r.did,
    evmAddress: r.evm_address,
    policy: agentPolicySchema.parse(JSON.parse(r.policy)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  })
  const sumBy = (agent: string, day: string) => {
    const out = new Map<string, { paid: bigint; reserved: bigint }>()
    for (const r of q.spendOf.all(agent, day) as SpendRow[]) {
      const s = out.get(r.budget_key) ?? { paid: 0n, reserved: 0n }
      if (r.status === 'paid') s.paid += BigInt(r.amount)
      else s.reserved += BigInt(r.amount)
      out.set(r.budget_key, s)
    }
    return out
  }

  return {
    insert(r: Omit<AgentRecord, 'updatedAt'>): void {
      try {
        q.insert.run(r.name, r.did, r.evmAddress, JSON.stringify(r.policy), r.createdAt, r.createdAt)
      } catch (cause) {
        throw new MintmarkError('USAGE_INVALID', `An agent named ${r.name} (or with its keys) already exists.`, { cause })
      }
    },
    get(nameOrDid: string): AgentRecord | undefined {
      const r = (nameOrDid.startsWith('did:') ? q.byDid.get(nameOrDid) : q.byName.get(nameOrDid)) as AgentRow | undefined
      return r && toRecord(r)
    },
    list(): AgentRecord[] {
      return (q.all.all() as AgentRow[]).map(toRecord)
    },
    setPolicy(name: string, policy: AgentPolicy, now: Date): AgentRecord {
      const parsed = agentPolicySchema.parse(policy)
      if (q.setPolicy.run(JSON.stringify(parsed), now.toISOString(), name).changes === 0) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${name} in this home.`)
      return this.get(name) as AgentRecord
    },
    /** Spend of a UTC day per budget key. */
    spend(agent: string, day: string): Map<string, { paid: bigint; reserved: bigint }> {
      return sumBy(agent, day)
    },
    /**
     * Reserves `amount` under a budget, atomically: the day's paid and in-flight amounts plus this
     * one must stay within `limit`, else AGENT_BUDGET_EXCEEDED and nothing is written.
     */
    reserve(p: { agent: string; day: string; key: string; amount: bigint; limit: bigint; offerHash: string; now: Date }): { id: string; spentBefore: bigint } {
      return db
        .transaction(() => {
          const s = sumBy(p.agent, p.day).get(p.key) ?? { paid: 0n, reserved: 0n }
          const spentBefore = s.paid + s.reserved
          if (spentBefore + p.amount > p.limit) throw budgetExceeded(p, spentBefore)
          const id = randomUUID()
          q.reserve.run(id, p.agent, p.day, p.key, p.amount.toString(), p.offerHash, p.now.toISOString())
          return { id, spentBefore }
        })
        .immediate()
    },
    /** A reservation becomes paid (counts for good) or released (the purchase certainly did not pay). */
    settle(id: string, status: 'paid' | 'released', txHash: string | undefined, now: Date): void {
      q.settle.run(status, txHash ?? null, now.toISOString(), id)
    },
    close(): void {
      db.close()
    },
  }
}

/** One UTC day's spend of an agent per budget key, in base units. */
export type AgentSpend = Map<string, { paid: bigint; reserved: bigint }>

/**
 * The agent store behind one async interface, with the names of {@link AgentStore}'s methods:
 * the SQLite file (through {@link toAgentState}) or PostgreSQL (`createPostgresAgentState` in
 * state/postgres-agent-state.ts), where a reservation is atomic across every API node.
 */
export type AgentState = {
  /** Adds an agent; one with that name or DID already there: USAGE_INVALID. */
  insert(r: Omit<AgentRecord, 'updatedAt'>): Promise<void>
  /** An agent by name, or by DID (`did:…`). */
  get(nameOrDid: string): Promise<AgentRecord | undefined>
  /** Every agent, by name. */
  list(): Promise<AgentRecord[]>
  /** Replaces an agent's policy (checked by its schema); AGENT_NOT_FOUND for an unknown name. */
  setPolicy(name: string, policy: AgentPolicy, now: Date): Promise<AgentRecord>
  /** Spend of a UTC day per budget key. */
  spend(agent: string, day: string): Promise<AgentSpend>
  /** Reserves `amount` under a budget, atomically; over `limit` with what is paid or in flight that day: AGENT_BUDGET_EXCEEDED, nothing written. */
  reserve(p: { agent: string; day: string; key: string; amount: bigint; limit: bigint; offerHash: string; now: Date }): Promise<{ id: string; spentBefore: bigint }>
  /** A reservation becomes paid or released (once; a settled one is left as it is). */
  settle(id: string, status: 'paid' | 'released', txHash: string | undefined, now: Date): Promise<void>
  close(): Promise<void>
}

/** The SQLite agent store seen through {@link AgentState}; closing it closes the file. */
export function toAgentState(store: AgentStore): AgentState {
  const run = settleSync
  return {
    insert: (r) => run(() => store.insert(r)),
    get: (nameOrDid) => run(() => store.get(nameOrDid)),
    list: () => run(() => store.list()),
    setPolicy: (name, policy, now) => run(() => store.setPolicy(name, policy, now)),
    spend: (agent, day) => run(() => store.spend(agent, day)),
    reserve: (p) => run(() => store.reserve(p)),
    settle: (id, status, txHash, now) => run(() => store.settle(id, status, txHash, now)),
    close: () => run(() => store.close()),
  }
}

/** The message of a budget overrun (one wording for both stores). @internal */
export function budgetExceeded(p: { key: string; amount: bigint; limit: bigint; day: string }, spentBefore: bigint): MintmarkError {
  return new MintmarkError('AGENT_BUDGET_EXCEEDED', `Buying for ${p.amount} would bring today’s spend under ${p.key} to ${spentBefore + p.amount}, over the daily budget of ${p.limit}.`, {
    details: `dailyBudget: ${p.limit}; spent or in flight today (${p.day} UTC): ${spentBefore}`,
  })
}

// --- keys ------------------------------------------------------------------------------------

type KeyFile = { v: 1; name: string; did: string; ed25519: string; evm: string }

/**
 * Creates an agent: a fresh Ed25519 did:key and an EVM key (or `evmPrivateKey`), written to
 * `<home>/agents/<name>.key.json` (0600), and a deny-all policy unless `policy` is given.
 *
 * @example
 * const agent = await createAgent({ home, name: 'shopper' })
 * await setAgentPolicy({ home, agent: 'shopper', policy })
 */
export async function createAgent(p: { home: string; name: string; evmPrivateKey?: `0x${string}` | undefined; policy?: AgentPolicy | undefined; now?: Date | undefined }): Promise<{
  name: string
  did: string
  evmAddress: string
}> {
  const name = agentNameSchema.parse(p.name)
  const policy = agentPolicySchema.parse(p.policy ?? denyAllPolicy)
  const kp = generateEd25519KeyPair()
  const evm = p.evmPrivateKey ?? generatePrivateKey()
  if (!/^0x[0-9a-fA-F]{64}$/.test(evm)) throw new MintmarkError('KEY_INVALID', 'An EVM private key is 0x + 64 hex digits.')
  const account = privateKeyToAccount(evm)
  const file = keyFilePath(p.home, name)
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const body: KeyFile = { v: 1, name, did: kp.did, ed25519: Buffer.from(kp.secretKey).toString('base64url'), evm }
  const { withHomeAgentState } = await import('../open-state.js')
  await withHomeAgentState(p.home, async (store) => {
    if (await store.get(name)) throw new MintmarkError('USAGE_INVALID', `An agent named ${name} already exists.`)
    await fsp.writeFile(file, `${JSON.stringify(body)}\n`, { mode: 0o600, flag: 'wx' }).catch((cause: NodeJS.ErrnoException) => {
      throw new MintmarkError(cause.code === 'EEXIST' ? 'USAGE_INVALID' : 'FILE_NOT_WRITABLE', `Cannot write the key file of agent ${name}.`, { cause, details: file })
    })
    await store.insert({ name, did: kp.did, evmAddress: account.address, policy, createdAt: (p.now ?? new Date()).toISOString() })
  })
  return { name, did: kp.did, evmAddress: account.address }
}

/** Sets an agent's policy (replacing it); the owner's call, never the agent's. */
export async function setAgentPolicy(p: { home: string; agent: string; policy: AgentPolicy; now?: Date | undefined }): Promise<AgentRecord> {
  const { withHomeAgentState } = await import('../open-state.js')
  return withHomeAgentState(p.home, async (store) => {
    const found = await store.get(p.agent)
    if (!found) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${p.agent} in this home.`)
    return store.setPolicy(found.name, p.policy, p.now ?? new Date())
  })
}

/** The agents of a home with their policies. */
export async function listAgents(p: { home: string }): Promise<AgentRecord[]> {
  const { withHomeAgentState } = await import('../open-state.js')
  return withHomeAgentState(p.home, (store) => store.list())
}

/** Loads an agent's keys (by name or DID) and checks them against its record. */
export async function loadAgent(home: string, store: AgentStore | AgentState, nameOrDid: string): Promise<AgentIdentity> {
  const record = await store.get(nameOrDid)
  if (!record) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${nameOrDid} in this home.`)
  const file = keyFilePath(home, record.name)
  let key: KeyFile
  try {
    key = JSON.parse(await fsp.readFile(file, 'utf8')) as KeyFile
  } catch (cause) {
    throw new MintmarkError('KEY_NOT_FOUND', `The key file of agent ${record.name} cannot be read.`, { cause, details: file })
  }
  const secretKey = new Uint8Array(Buffer.from(key.ed25519, 'base64url'))
  const did = didKeyFromPublicKey(ed25519PublicKey(secretKey)) as Did
  const account = privateKeyToAccount(key.evm as `0x${string}`)
  if (did !== record.did || account.address !== record.evmAddress)
    throw new MintmarkError('KEY_INVALID', `The key file of agent ${record.name} does not hold the keys of its record.`, { details: file })
  return { name: record.name, did, evmAddress: account.address, signer: createNodeEd25519Signer(secretKey, did), account }
}

/** The agent's policy and today's spend. */
export function agentInfo(agents: AgentStore, name: string, now: Date) {
  const record = agents.get(name)
  if (!record) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${name} in this home.`)
  return withSpend(record, utcDay(now), agents.spend(record.name, utcDay(now)))
}

/** {@link agentInfo} over the async {@link AgentState}. */
export async function agentInfoOf(agents: AgentState, name: string, now: Date): Promise<ReturnType<typeof agentInfo>> {
  const record = await agents.get(name)
  if (!record) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${name} in this home.`)
  return withSpend(record, utcDay(now), await agents.spend(record.name, utcDay(now)))
}

function withSpend(record: AgentRecord, day: string, spend: AgentSpend) {
  const budgets = record.policy.currencies.map((c) => {
    const key = `${c.chainId ?? '*'}:${c.currency.toLowerCase()}`
    const s = spend.get(key) ?? { paid: 0n, reserved: 0n }
    return { key, currency: c.currency, chainId: c.chainId ?? null, dailyBudget: c.dailyBudget, spent: s.paid.toString(), reserved: s.reserved.toString() }
  })
  return { ...record, spend: { day, budgets } }
}

// --- policy ----------------------------------------------------------------------------------

export type PurchaseFacts = {
  chainId: number
  currency: string
  /** Price of one licence, base units. */
  price: bigint
  quantity: number
  /** SPDX id or 'custom'. */
  license: string
  commercial: boolean | null
  derivatives: boolean | null
}

/**
 * Checks a purchase against a policy, before anything is sent: chain, currency, licence kind
 * (AGENT_POLICY_DENIED), price per licence (AGENT_BUDGET_EXCEEDED). Returns the budget entry the
 * spend counts against (the daily budget is checked when it is reserved).
 */
export function checkPolicy(policy: AgentPolicy, f: PurchaseFacts): { key: string; dailyBudget: bigint; currency: string; chainId: number | null } {
  const deny = (message: string, details: string) => new MintmarkError('AGENT_POLICY_DENIED', message, { details })
  if (!policy.chains.includes(f.chainId)) throw deny(`The agent may not pay on chain ${f.chainId}.`, `allowed chains: ${policy.chains.join(', ') || 'none'}`)
  const currency = f.currency.toLowerCase()
  const entry = policy.currencies.find((c) => c.currency.toLowerCase() === currency && (c.chainId === undefined || c.chainId === f.chainId))
  if (!entry)
    throw deny(
      `The agent may not pay in ${currency === nativeCurrency ? 'the native coin' : currency} on chain ${f.chainId}.`,
      `allowed currencies: ${policy.currencies.map((c) => `${c.currency}${c.chainId ? `@${c.chainId}` : ''}`).join(', ') || 'none'}`,
    )
  const l = policy.licences
  if (f.license === 'custom') {
    if (!l.custom) throw deny('The agent may not buy custom (non-SPDX) licences.', 'licences.custom is not true')
  } else if (l.spdx && !l.spdx.some((id) => id.toLowerCase() === f.license.toLowerCase()))
    throw deny(`The agent may not buy ${f.license} licences.`, `allowed SPDX ids: ${l.spdx.join(', ') || 'none'}`)
  if (l.commercialUse && f.commercial !== true) throw deny(`The ${f.license} licence is not known to allow commercial use.`, 'licences.commercialUse is true')
  if (l.derivatives && f.derivatives !== true) throw deny(`The ${f.license} licence is not known to allow derivatives.`, 'licences.derivatives is true')
  const max = BigInt(entry.maxPricePerLicence)
  if (f.price > max)
    throw new MintmarkError('AGENT_BUDGET_EXCEEDED', `The licence costs ${f.price}, more than the agent’s maximum of ${max} per licence.`, {
      details: `maxPricePerLicence: ${max}`,
    })
  return { key: `${entry.chainId ?? '*'}:${currency}`, dailyBudget: BigInt(entry.dailyBudget), currency, chainId: entry.chainId ?? null }
}

/** The UTC day of a time, YYYY-MM-DD: the period of daily budgets. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

/** A fresh random hex nonce. */
export function nonce(): string {
  return randomBytes(8).toString('hex')
}
