import { randomUUID } from 'node:crypto'
import { MintmarkError } from '@mintmark/core'
import { type ComponentMigration, inTransaction, migratePostgresComponent, type PostgresLogStore, storeCall, toStoreError } from '@mintmark/storage/postgres'
import { type AgentRecord, type AgentSpend, type AgentState, budgetExceeded } from '../mcp/agents.js'
import { agentPolicySchema } from '../schemas.js'

type Pool = PostgresLogStore['pool']

/** The agents' tables in PostgreSQL (component `agents`). Never edit a shipped migration. */
export const agentStateMigrations: readonly ComponentMigration[] = [
  {
    version: 1,
    name: 'agents and spend',
    sql: `
CREATE TABLE agents (
  name text COLLATE "C" PRIMARY KEY,
  did text NOT NULL UNIQUE,
  evm_address text NOT NULL,
  policy text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);
-- Amounts are base units as decimal text (they exceed 2^63 for 18-decimal tokens); summed in JS.
CREATE TABLE agent_spend (
  id text PRIMARY KEY,
  agent text NOT NULL,
  day text NOT NULL,
  budget_key text NOT NULL,
  amount text NOT NULL,
  offer_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('reserved', 'paid', 'released')),
  tx_hash text,
  created_at text NOT NULL,
  settled_at text
);
CREATE INDEX agent_spend_day ON agent_spend (agent, day, budget_key);
`,
  },
]

type AgentRow = { name: string; did: string; evm_address: string; policy: string; created_at: string; updated_at: string }

/**
 * {@link AgentState} in PostgreSQL, on the log store's pool, shared by every API node. A
 * reservation sums the day's spend and inserts under a transaction-level advisory lock per agent,
 * so concurrent purchases on any nodes never together exceed a budget. Applies its migrations
 * first; `close()` leaves the pool open.
 */
export async function createPostgresAgentState(pool: Pool): Promise<AgentState> {
  await migratePostgresComponent(pool, 'agents', agentStateMigrations)
  const query = async <R extends Record<string, unknown>>(what: string, sql: string, values: unknown[] = []): Promise<R[]> =>
    storeCall(what, async () => (await pool.query(sql, values)).rows as R[])
  const toRecord = (r: AgentRow): AgentRecord => ({
    name: r.name,
    did: r.did,
    evmAddress: r.evm_address,
    policy: agentPolicySchema.parse(JSON.parse(r.policy)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  })
  const sum = (rows: { budget_key: string; amount: string; status: string }[]): AgentSpend => {
    const out: AgentSpend = new Map()
    for (const r of rows) {
      const s = out.get(r.budget_key) ?? { paid: 0n, reserved: 0n }
      if (r.status === 'paid') s.paid += BigInt(r.amount)
      else s.reserved += BigInt(r.amount)
      out.set(r.budget_key, s)
    }
    return out
  }
  const spendSql = "SELECT budget_key, amount, status FROM agent_spend WHERE agent = $1 AND day = $2 AND status IN ('reserved', 'paid')"
  const get = async (nameOrDid: string): Promise<AgentRecord | undefined> => {
    const [r] = await query<AgentRow>('read an agent', `SELECT * FROM agents WHERE ${nameOrDid.startsWith('did:') ? 'did' : 'name'} = $1`, [nameOrDid])
    return r && toRecord(r)
  }

  return {
    async insert(r) {
      try {
        await pool.query('INSERT INTO agents (name, did, evm_address, policy, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)', [
          r.name,
          r.did,
          r.evmAddress,
          JSON.stringify(r.policy),
          r.createdAt,
        ])
      } catch (cause) {
        if ((cause as { code?: string }).code === '23505')
          throw new MintmarkError('USAGE_INVALID', `An agent named ${r.name} (or with its keys) already exists.`, { cause })
        throw toStoreError(cause, 'add an agent')
      }
    },
    get,
    list: async () => (await query<AgentRow>('list agents', 'SELECT * FROM agents ORDER BY name')).map(toRecord),
    async setPolicy(name, policy, now) {
      const parsed = agentPolicySchema.parse(policy)
      const updated = await query('set an agent policy', 'UPDATE agents SET policy = $1, updated_at = $2 WHERE name = $3 RETURNING name', [
        JSON.stringify(parsed),
        now.toISOString(),
        name,
      ])
      if (!updated.length) throw new MintmarkError('AGENT_NOT_FOUND', `No agent ${name} in this home.`)
      return (await get(name)) as AgentRecord
    },
    spend: async (agent, day) => sum(await query('read agent spend', spendSql, [agent, day])),
    async reserve(p) {
      return storeCall('reserve agent spend', () =>
        inTransaction(pool, async (client) => {
          // Serialises reservations of one agent on every node (the sum and the insert are one step).
          await client.query("SELECT pg_advisory_xact_lock(hashtextextended('mintmark.agent-spend:' || $1, 0))", [p.agent])
          const s = sum((await client.query(spendSql, [p.agent, p.day])).rows).get(p.key) ?? { paid: 0n, reserved: 0n }
          const spentBefore = s.paid + s.reserved
          if (spentBefore + p.amount > p.limit) throw budgetExceeded(p, spentBefore)
          const id = randomUUID()
          await client.query(
            "INSERT INTO agent_spend (id, agent, day, budget_key, amount, offer_hash, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'reserved', $7)",
            [id, p.agent, p.day, p.key, p.amount.toString(), p.offerHash, p.now.toISOString()],
          )
          return { id, spentBefore }
        }),
      )
    },
    async settle(id, status, txHash, now) {
      await query('settle agent spend', "UPDATE agent_spend SET status = $1, tx_hash = $2, settled_at = $3 WHERE id = $4 AND status = 'reserved'", [
        status,
        txHash ?? null,
        now.toISOString(),
        id,
      ])
    },
    async close() {},
  }
}
