import { bytesToHex } from '@noble/hashes/utils.js'
import { z } from 'zod'
import { canonicalize, canonicalizeToBytes, parseJson } from '../canonical/index.js'
import { MintmarkError } from '../errors/base.js'
import { errorFromIssues } from '../errors/from-zod.js'
import { manifestSchema } from '../manifest/index.js'
import { leafHash } from '../merkle/index.js'

export const hex32Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes as 64 lowercase hex digits')

export const statementSignatureSchema = z
  .object({
    alg: z.literal('Ed25519'),
    kid: z.string().min(8).max(256),
    sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected a 64-byte Ed25519 signature, base64url without padding'),
  })
  .strict()

/** An earlier log entry about the same asset: a later claim points at it, never replaces it. */
export const priorClaimSchema = z
  .object({ index: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), leafHash: hex32Schema })
  .strict()

/**
 * A log entry, the bytes of one leaf: the signed statement plus what the log operator adds when
 * it sequences it (pointers to earlier claims on the same asset). Leaf data = JCS(entry).
 */
export const logEntrySchema = z
  .object({
    v: z.literal(1),
    statement: manifestSchema,
    signature: statementSignatureSchema,
    prior: z.array(priorClaimSchema).max(64).optional(),
  })
  .strict()

export type LogEntry = z.infer<typeof logEntrySchema>
export type PriorClaim = z.infer<typeof priorClaimSchema>

const encoder = new TextEncoder()

/**
 * The leaf data of an entry: its RFC 8785 canonical bytes. A caller that already holds the
 * statement's canonical JSON (it signed it) passes it as `statementJcs`, and the statement is not
 * serialised a second time: JCS of an object is its members in key order, each value in JCS, so
 * the entry's bytes are composed around it (keys: prior < signature < statement < v).
 */
export function encodeLogEntry(entry: LogEntry, options: { statementJcs?: string | undefined } = {}): Uint8Array {
  if (options.statementJcs === undefined) return canonicalizeToBytes(entry)
  const prior = entry.prior ? `"prior":${canonicalize(entry.prior)},` : ''
  return encoder.encode(`{${prior}"signature":${canonicalize(entry.signature)},"statement":${options.statementJcs},"v":${canonicalize(entry.v)}}`)
}

/** Parses leaf data back into an entry; throws STATEMENT_SCHEMA_INVALID or JSON_INVALID. */
export function decodeLogEntry(data: Uint8Array): LogEntry {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data)
  } catch (cause) {
    throw new MintmarkError('JSON_INVALID', 'Log entry is not valid UTF-8.', { cause })
  }
  return toLogEntry(parseJson(text))
}

/** Validates a plain value as a log entry; throws STATEMENT_SCHEMA_INVALID with the failing paths. */
export function toLogEntry(value: unknown): LogEntry {
  const parsed = logEntrySchema.safeParse(value)
  if (!parsed.success) throw errorFromIssues('STATEMENT_SCHEMA_INVALID', 'Log entry does not match the statement schema.', parsed.error.issues)
  return parsed.data
}

/** RFC 6962 leaf hash of an entry, hex. */
export function logEntryLeafHash(entry: LogEntry): string {
  return bytesToHex(leafHash(encodeLogEntry(entry)))
}
