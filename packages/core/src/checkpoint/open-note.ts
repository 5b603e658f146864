import { MintmarkError } from '../errors/base.js'
import { fromBase64 } from './base64.js'
import { bytesToUint32, hex8, isValidNoteKeyName, maxNoteSignatures, noteCharsProblem, signaturePrefix, utf8 } from './note-text.js'
import type { NoteSignature, NoteVerifier } from './types.js'

export type OpenNoteReturnType = {
  /** The signed text, including its final newline. */
  text: string
  /** Signatures by known keys, all checked; one entry per key. */
  verified: NoteSignature[]
  /** Signatures by keys not among the verifiers (ignored, as the spec requires); duplicates dropped. */
  unverified: NoteSignature[]
}

/** Longest note accepted, in UTF-8 bytes or UTF-16 code units (a checkpoint with 100 signatures fits). */
export const maxNoteLength = 1 << 20

/**
 * Parses a signed note (C2SP signed-note) and checks every signature from a known key.
 * Signatures from keys not in `verifiers` (by name and key ID) are returned as unverified.
 * Throws:
 * - CHECKPOINT_MALFORMED: not valid UTF-8, a control character, no blank line before the
 *   signatures, a malformed signature line, or more than 100 signatures;
 * - CHECKPOINT_SIGNATURE_INVALID: a signature from a known key does not verify;
 * - CHECKPOINT_UNVERIFIED: no signature from a known key;
 * - KEY_INVALID: two verifiers share a name and key ID and the note uses it.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenNoteReturnType {
  const malformed = (reason: string): MintmarkError => new MintmarkError('CHECKPOINT_MALFORMED', `Malformed signed note: ${reason}.`)
  let msg: string
  if (note instanceof Uint8Array) {
    if (note.length > maxNoteLength) throw malformed(`it is longer than ${maxNoteLength} bytes`)
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note)
    } catch {
      throw malformed('it is not valid UTF-8')
    }
  } else if (typeof note === 'string') {
    if (note.length > maxNoteLength) throw malformed(`it is longer than ${maxNoteLength} characters`)
    msg = note
  } else {
    throw malformed('expected a string or bytes')
  }
  const problem = noteCharsProblem(msg)
  if (problem) throw malformed(problem)

  // The text ends at the last blank line: signature lines are never empty, so this split is the
  // only one possible, even when the text itself holds blank lines.
  const split = msg.lastIndexOf('\n\n')
  if (split < 0) throw malformed('there is no blank line between the text and the signatures')
  const text = msg.slice(0, split + 1)
  const block = msg.slice(split + 2)
  if (block.length === 0) throw malformed('there are no signature lines')
  if (!block.endsWith('\n')) throw malformed('the last signature line does not end with a newline')
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > maxNoteSignatures) throw malformed(`it has ${lines.length} signatures, more than ${maxNoteSignatures}`)

  const message = utf8.encode(text)
  const verified: NoteSignature[] = []
  const unverified: NoteSignature[] = []
  const seenVerified = new Set<string>()
  const seenUnverified = new Set<string>()
  lines.forEach((line, i) => {
    if (!line.startsWith(signaturePrefix)) throw malformed(`signature line ${i + 1} does not start with an em dash and a space`)
    const rest = line.slice(signaturePrefix.length)
    const space = rest.indexOf(' ')
    const name = space < 0 ? rest : rest.slice(0, space)
    const b64 = space < 0 ? '' : rest.slice(space + 1)
    if (!isValidNoteKeyName(name)) throw malformed(`signature line ${i + 1} has an invalid key name`)
    const data = fromBase64(b64)
    if (!data || data.length < 5) throw malformed(`signature line ${i + 1} is not base64 of a key ID and a signature`)
    const keyHash = bytesToUint32(data)
    const signature = data.slice(4)
    const id = `${name}+${hex8(keyHash)}`

    const matches = verifiers.filter((v) => v.name === name && v.keyHash === keyHash)
    if (matches.length > 1) throw new MintmarkError('KEY_INVALID', `Ambiguous note verifiers: two keys are ${id}.`)
    const verifier = matches[0]
    if (!verifier) {
      if (!seenUnverified.has(rest)) unverified.push({ name, keyHash, signature })
      seenUnverified.add(rest)
      return
    }
    // Every signature from a known key is checked, duplicates too: one bad one rejects the note.
    let ok = false
    try {
      ok = verifier.verify(message, signature) === true
    } catch {
      ok = false
    }
    if (!ok)
      throw new MintmarkError('CHECKPOINT_SIGNATURE_INVALID', `The note signature by ${id} does not verify.`, {
        details: `signature line ${i + 1}`,
      })
    if (!seenVerified.has(id)) verified.push({ name, keyHash, signature })
    seenVerified.add(id)
  })
  if (verified.length === 0)
    throw new MintmarkError('CHECKPOINT_UNVERIFIED', 'The note has no signature from a known key.', {
      metaMessages: [`Signed by: ${unverified.map((s) => `${s.name}+${hex8(s.keyHash)}`).join(', ') || '(none)'}`],
    })
  return { text, verified, unverified }
}
