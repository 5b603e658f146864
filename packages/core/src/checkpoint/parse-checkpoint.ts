import { MintmarkError } from '../errors/base.js'
import { fromBase64 } from './base64.js'
import { noteCharsProblem } from './note-text.js'
import type { Checkpoint } from './types.js'

/** Longest checkpoint body accepted; real ones are about 100 bytes. */
export const maxCheckpointLength = 16_384

/**
 * Parses a checkpoint body (C2SP tlog-checkpoint), usually the `text` of an opened note: at least
 * three non-empty lines, each ending in a newline; the origin; the tree size in decimal with no
 * leading zeros; the base64 root hash (32 bytes, canonical padding); then optional non-empty
 * extension lines. Throws CHECKPOINT_MALFORMED naming the first problem found.
 */
export function parseCheckpoint(body: string): Checkpoint {
  const fail = (reason: string): never => {
    throw new MintmarkError('CHECKPOINT_MALFORMED', `Malformed checkpoint: ${reason}.`)
  }
  if (typeof body !== 'string') fail('the body is not a string')
  if (body.length > maxCheckpointLength) fail(`the body is longer than ${maxCheckpointLength} characters`)
  const problem = noteCharsProblem(body)
  if (problem) fail(problem)
  if (!body.endsWith('\n')) fail('the body does not end with a newline')
  const lines = body.slice(0, -1).split('\n')
  if (lines.length < 3) fail(`expected at least 3 lines (origin, size, root hash), found ${lines.length}`)
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]]
  if (origin.length === 0) fail('the origin line is empty')
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) fail(`the size line ${JSON.stringify(sizeLine.slice(0, 40))} is not a decimal number without leading zeros`)
  const size = Number(sizeLine)
  if (!Number.isSafeInteger(size)) fail(`the size ${sizeLine.slice(0, 40)} is larger than ${Number.MAX_SAFE_INTEGER}`)
  const rootHash = fromBase64(rootLine)
  if (!rootHash) fail(`the root hash line ${JSON.stringify(rootLine.slice(0, 60))} is not canonical base64`)
  if ((rootHash as Uint8Array).length !== 32) fail(`the root hash is ${(rootHash as Uint8Array).length} bytes, expected 32`)
  extensions.forEach((line, i) => {
    if (line.length === 0) fail(`extension line ${i + 1} is empty (blank lines are not allowed)`)
  })
  return { origin, size, rootHash: rootHash as Uint8Array, extensions }
}
