import { createHash } from 'node:crypto'
import { nodeEd25519Verify } from '@mintmark/app'
import { MintmarkError, canonicalize, createManifest, decodeLogEntry, leafHash, parseJson, signStatement, verifyStatementSignature } from '@mintmark/core'
import * as ops from '../operations.js'
import type { ServiceContext } from '../operations.js'
import type { AgentIdentity } from './agents.js'
import { nonce } from './agents.js'
import { decisionMediaType } from '../schemas.js'

/**
 * Agent decisions in the transparency log (docs/adr/0011-mcp-and-agent-budgets.md).
 *
 * The log takes manifests only (core's log entry schema), so a decision travels in two layers:
 * the decision itself, `{type: 'mintmark.agent-decision', …}`, signed by the agent's did:key
 * (same Ed25519 scheme as statements) and stored as a blob of media type
 * `application/vnd.mintmark.agent-decision+json`; and a manifest over that blob, created and
 * signed by the same key and appended through the signed-statement path (@mintmark/app signed-statements.ts).
 * The log entry commits to the decision's sha256; both signatures are by the agent.
 */
export { decisionMediaType }
export const decisionType = 'mintmark.agent-decision'

export type DecisionAction = 'searched' | 'chose' | 'paid' | 'refused' | 'failed' | 'registered' | 'downloaded'

const utcSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Records one decision: signs it, stores it, logs a manifest over it. Returns its log index. */
export async function recordDecision(s: ServiceContext, agent: AgentIdentity, action: DecisionAction, details: Record<string, unknown>): Promise<{ logIndex: number; cid: string }> {
  const at = utcSeconds(s.now())
  const decision = JSON.parse(JSON.stringify({ type: decisionType, version: 1, agent: agent.did, action, at, nonce: nonce(), ...details })) as Record<string, unknown>
  const envelope = await signStatement(decision, agent.signer)
  const bytes = new TextEncoder().encode(canonicalize(envelope))
  const put = await s.app.blobs.putBytes(bytes)
  const manifest = createManifest({
    asset: { cid: put.cid, sha256: put.sha256, size: put.size, mediaType: decisionMediaType, title: `agent decision: ${action}` },
    digitalSourceType: 'algorithmicMedia',
    rights: { owner: agent.did, license: { spdx: 'CC0-1.0' }, royalties: [{ payee: agent.did, bps: 10_000 }] },
    creator: agent.did,
    createdAt: at,
  })
  const signed = await signStatement(manifest, agent.signer)
  const r = await ops.registerSigned(s, signed, { id: agent.did, kind: 'did', did: agent.did, scopes: [] })
  return { logIndex: r.logIndex, cid: r.cid }
}

/**
 * The decisions an agent logged, in log order, each checked: the entry's signature by the agent,
 * its leaf hash, the decision blob against the sha256 the entry commits to, and the decision's own
 * signature by the agent.
 */
export async function listDecisions(s: ServiceContext, input: { did: string; limit?: number | undefined; cursor?: string | undefined }) {
  const limit = input.limit ?? 50
  let after = input.cursor === undefined ? -1 : Number(input.cursor)
  const items = []
  let more = true
  // The creator's other statements (its registrations) are skipped; scan in pages until full.
  while (items.length < limit && more) {
    const rows = await s.search.statementsBy(input.did, after, 200)
    more = rows.length === 200
    for (const r of rows) {
      after = r.idx
      const stored = await s.app.store.getEntry(r.idx)
      if (!stored) throw new MintmarkError('STORE_CORRUPT', `The search index names log entry ${r.idx}, which the log does not hold.`)
      const entry = decodeLogEntry(stored.data)
      if (entry.statement.asset.mediaType !== decisionMediaType) continue
      const entrySignature = verifyStatementSignature(entry, { backend: nodeEd25519Verify }).ok && entry.signature.kid === input.did && entry.statement.creator === input.did
      const leaf = Buffer.from(leafHash(stored.data)).equals(Buffer.from(stored.leafHash))
      let contentHash = false
      let decisionSignature = false
      let decision: Record<string, unknown> = {}
      let signature = { alg: '', kid: '', sig: '' }
      try {
        const bytes = await s.app.blobs.get(entry.statement.asset.cid)
        contentHash = createHash('sha256').update(bytes).digest('hex') === entry.statement.asset.sha256
        const envelope = parseJson(new TextDecoder().decode(bytes)) as { statement: Record<string, unknown>; signature: typeof signature }
        decision = envelope.statement
        signature = envelope.signature
        decisionSignature =
          verifyStatementSignature(envelope, { backend: nodeEd25519Verify }).ok && signature.kid === input.did && decision.agent === input.did && decision.type === decisionType
      } catch {
        // a missing or unreadable blob fails the content checks
      }
      items.push({
        logIndex: r.idx,
        cid: entry.statement.asset.cid,
        action: String(decision.action ?? ''),
        at: String(decision.at ?? entry.statement.createdAt),
        decision,
        signature,
        verified: entrySignature && leaf && contentHash && decisionSignature,
        checks: { entrySignature, leafHash: leaf, contentHash, decisionSignature },
      })
      if (items.length >= limit) break
    }
  }
  const last = items[items.length - 1]
  return { agent: input.did, items, nextCursor: items.length >= limit && last ? String(last.logIndex) : null }
}
