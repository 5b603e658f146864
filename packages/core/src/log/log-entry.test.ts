import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize, canonicalizeToBytes } from '../canonical/index.js'
import { makeTestBundle } from '../testing/make-test-bundle.js'
import { decodeLogEntry, encodeLogEntry, type LogEntry } from './log-entry.js'

describe('encodeLogEntry', () => {
  it('composed around the statement’s JCS, gives exactly the JCS of the whole entry', async () => {
    const { bundle } = await makeTestBundle()
    const base = bundle.entry
    await fc.assert(
      fc.property(
        fc.option(fc.array(fc.record({ index: fc.nat(), leafHash: fc.stringMatching(/^[0-9a-f]{64}$/) }), { minLength: 1, maxLength: 5 }), { nil: undefined }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (prior, title, description) => {
          const statement = { ...base.statement, asset: { ...base.statement.asset, title, description } }
          const entry: LogEntry = { ...base, statement, ...(prior ? { prior } : {}) }
          const composed = encodeLogEntry(entry, { statementJcs: canonicalize(statement) })
          expect(Buffer.from(composed).equals(Buffer.from(canonicalizeToBytes(entry)))).toBe(true)
          expect(decodeLogEntry(composed)).toEqual(entry)
        },
      ),
      { numRuns: 300 },
    )
  })
})
