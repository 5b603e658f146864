import { MintmarkError } from '../errors/base.js'
import { toBase64 } from './base64.js'
import { noteCharsProblem } from './note-text.js'
import type { Checkpoint } from './types.js'

/**
 * Formats a checkpoint body (C2SP tlog-checkpoint): origin, decimal size, base64 root hash and
 * any extension lines, each ending in a newline. Throws CHECKPOINT_MALFORMED for an empty or
 * multi-line origin, a size that is not a safe non-negative integer, a root hash that is not 32
 * bytes, an empty or multi-line extension, or characters a signed note cannot carry.
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint
  const fail = (reason: string): never => {
    throw new MintmarkError('CHECKPOINT_MALFORMED', `Cannot format checkpoint: ${reason}.`)
  }
  if (typeof origin !== 'string' || origin.length === 0) fail('the origin is empty')
  if (origin.includes('\n')) fail('the origin contains a newline')
  if (!Number.isSafeInteger(size) || size < 0) fail(`the size ${String(size)} is not a non-negative safe integer`)
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== 32) fail('the root hash is not 32 bytes')
  if (!Array.isArray(extensions)) fail('extensions is not an array')
  extensions.forEach((line, i) => {
    if (typeof line !== 'string' || line.length === 0) fail(`extension line ${i} is empty`)
    if (line.includes('\n')) fail(`extension line ${i} contains a newline`)
  })
  const body = [origin, String(size), toBase64(rootHash), ...extensions].map((line) => `${line}\n`).join('')
  const problem = noteCharsProblem(body)
  if (problem) fail(problem)
  return body
}
