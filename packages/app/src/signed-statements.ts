import { createHash } from 'node:crypto'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { type LogEntry, type Manifest, type StatementSignature, MintmarkError, canonicalize, encodeLogEntry, leafHash, safeParseManifest, statementSigningPrefix, verifyStatementSignature } from '@mintmark/core'
import type { EntryDraft } from '@mintmark/storage'
import type { AsyncStore } from '@mintmark/storage'
import { nodeEd25519Verify } from './node-signer.js'
import { entryDraft } from './prepare-asset.js'

/**
 * Statements signed by their creators (the creator's key never reaches this process): checked in
 * full, then appended as the same log entries `register` builds (same JCS, same statement hash,
 * same prior-claim pointers). The HTTP API's signed registrations and agents' decisions use it.
 */
export type AppendedStatement = { cid: string; logIndex: number; leafHash: string; creator: string; created: boolean }

/** Largest accepted distance of a statement's createdAt into the future. */
export const maxFutureSkewMs = 5 * 60_000

const encoder = new TextEncoder()

/**
 * Checks a signed statement fully (schema, Ed25519 signature, kid = creator, clock) and returns
 * the log draft; throws a coded error and changes nothing when any check fails.
 */
export async function prepareSignedStatement(
  body: unknown,
  options: { now: Date; store: Pick<AsyncStore, 'getAsset'> },
): Promise<{ draft: EntryDraft; statement: Manifest; signature: LogEntry['signature'] }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new MintmarkError('STATEMENT_SCHEMA_INVALID', 'The body must be an object {statement, signature}.', { fields: ['(root)'] })
  const { statement: rawStatement, signature: rawSignature, ...extra } = body as Record<string, unknown>
  if (Object.keys(extra).length)
    throw new MintmarkError('STATEMENT_SCHEMA_INVALID', 'A signed statement has only statement and signature.', { fields: Object.keys(extra).slice(0, 8) })
  const parsed = safeParseManifest(rawStatement)
  if (!parsed.success)
    throw new MintmarkError(parsed.error.code, parsed.error.shortMessage, {
      fields: (parsed.error.fields ?? []).map((f) => `statement.${f}`),
      details: parsed.error.details,
    })
  const statement = parsed.data
  const checked = verifyStatementSignature({ statement, signature: rawSignature }, { backend: nodeEd25519Verify })
  if (!checked.ok) throw new MintmarkError(checked.code, `The statement signature is not valid: ${checked.detail}`, { fields: ['signature'] })
  const signature = rawSignature as LogEntry['signature']
  if (signature.kid !== statement.creator)
    throw new MintmarkError('SIGNER_MISMATCH', 'The statement is signed by a key other than its creator’s.', { fields: ['signature.kid'] })
  if (Date.parse(statement.createdAt) > options.now.getTime() + maxFutureSkewMs)
    throw new MintmarkError('STATEMENT_CLOCK_SKEW', 'The statement is dated more than 5 minutes in the future.', { fields: ['statement.createdAt'] })
  const known = await options.store.getAsset(statement.asset.cid)
  if (known && (known.sha256 !== statement.asset.sha256 || known.size !== statement.asset.size))
    throw new MintmarkError('CONTENT_HASH_MISMATCH', `The log already holds ${statement.asset.cid} with a different sha256 or size.`, {
      fields: ['statement.asset.sha256', 'statement.asset.size'],
    })

  const statementJcs = canonicalize(statement)
  const signingInput = encoder.encode(statementSigningPrefix + statementJcs)
  const statementHash = new Uint8Array(createHash('sha256').update(signingInput).digest())
  const data = encodeLogEntry({ v: 1, statement, signature }, { statementJcs })
  const draft = entryDraft({ signed: { statement, signature: signature as StatementSignature }, statementHash, firstClaim: { data, leafHash: leafHash(data) }, asset: statement.asset }, statement.creator)
  return { draft, statement, signature }
}

/**
 * Group commit for signed statements: drafts that arrive while the event loop is busy are
 * appended in one SQLite transaction (one fsync); each caller is answered only after the
 * transaction holding its entry committed.
 */
export function createStatementAppender(options: {
  store: Pick<AsyncStore, 'appendEntries'>
  maxBatch?: number
  onCommitted?: (count: number) => void
}) {
  type Pending = { draft: EntryDraft; resolve: (r: { index: number; leafHash: string; created: boolean }) => void; reject: (e: unknown) => void }
  let pending: Pending[] = []
  let scheduled = false
  let flushing: Promise<void> = Promise.resolve()
  const maxBatch = options.maxBatch ?? 1024

  async function flush(): Promise<void> {
    // Let the requests already read by the event loop join this group.
    await yieldToLoop()
    scheduled = false
    while (pending.length) {
      const items = pending.slice(0, maxBatch)
      pending = pending.slice(items.length)
      try {
        const results = await options.store.appendEntries(items.map((i) => i.draft))
        items.forEach((item, k) => {
          const r = results[k] as { index: number; leafHash: Uint8Array; created: boolean }
          item.resolve({ index: r.index, leafHash: Buffer.from(r.leafHash).toString('hex'), created: r.created })
        })
        options.onCommitted?.(results.filter((r) => r.created).length)
      } catch (error) {
        for (const item of items) item.reject(error)
      }
    }
  }

  return {
    append(draft: EntryDraft): Promise<{ index: number; leafHash: string; created: boolean }> {
      return new Promise((resolve, reject) => {
        pending.push({ draft, resolve, reject })
        if (!scheduled) {
          scheduled = true
          flushing = flushing.then(flush)
        }
      })
    },
    /** Settles when every draft appended so far is committed (or failed). */
    async idle(): Promise<void> {
      while (pending.length || scheduled) await flushing
      await flushing
    },
  }
}
