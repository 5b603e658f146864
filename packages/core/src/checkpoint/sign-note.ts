import { MintmarkError } from '../errors/base.js'
import { toBase64 } from './base64.js'
import {
  hex8,
  isUint32,
  isValidNoteKeyName,
  maxNoteSignatures,
  noteCharsProblem,
  signaturePrefix,
  uint32ToBytes,
  utf8,
} from './note-text.js'
import type { NoteSignature, NoteSigner } from './types.js'

export type SignNoteOptions = {
  /**
   * Signatures already on the note (from {@link openNote}) to keep, written first; one from the
   * same key as a new signer is replaced. This is how a witness cosigns a checkpoint.
   */
  keep?: readonly NoteSignature[]
}

/**
 * Signs note text with each signer and returns the signed note (C2SP signed-note): the text, a
 * blank line, then one line `— <name> base64(key ID || signature)` per signature. The text must end
 * in a newline and hold no control characters other than newline. Throws CHECKPOINT_MALFORMED for
 * bad text, KEY_INVALID for a bad signer (name, key ID, duplicate), SIGNATURE_MALFORMED when a
 * signer returns no bytes.
 */
export async function signNote(text: string, signers: readonly NoteSigner[], options: SignNoteOptions = {}): Promise<string> {
  if (typeof text !== 'string' || !text.endsWith('\n'))
    throw new MintmarkError('CHECKPOINT_MALFORMED', 'Note text must end with a newline.')
  const problem = noteCharsProblem(text)
  if (problem) throw new MintmarkError('CHECKPOINT_MALFORMED', `Note text cannot be signed: ${problem}.`)
  const keep = options.keep ?? []
  if (!Array.isArray(signers) || signers.length === 0)
    throw new MintmarkError('USAGE_INVALID', 'signNote needs at least one signer.')

  const seen = new Set<string>()
  for (const s of signers) {
    if (!s || !isValidNoteKeyName(s.name) || !isUint32(s.keyHash) || typeof s.sign !== 'function')
      throw new MintmarkError('KEY_INVALID', 'Invalid note signer: it needs a valid name, a uint32 keyHash and sign().', {
        details: `name ${JSON.stringify(String(s?.name).slice(0, 80))}`,
      })
    const id = `${s.name}+${hex8(s.keyHash)}`
    if (seen.has(id)) throw new MintmarkError('KEY_INVALID', `Two signers use the same key ${id}.`)
    seen.add(id)
  }

  const message = utf8.encode(text)
  const lines: string[] = []
  for (const sig of keep) {
    if (!sig || !isValidNoteKeyName(sig.name) || !isUint32(sig.keyHash) || !(sig.signature instanceof Uint8Array) || sig.signature.length === 0)
      throw new MintmarkError('CHECKPOINT_MALFORMED', 'A signature to keep on the note is malformed.')
    if (seen.has(`${sig.name}+${hex8(sig.keyHash)}`)) continue
    lines.push(signatureLine(sig.name, sig.keyHash, sig.signature))
  }
  for (const s of signers) {
    const signature = await s.sign(message)
    if (!(signature instanceof Uint8Array) || signature.length === 0)
      throw new MintmarkError('SIGNATURE_MALFORMED', `Note signer ${s.name} returned no signature bytes.`)
    lines.push(signatureLine(s.name, s.keyHash, signature))
  }
  if (lines.length > maxNoteSignatures)
    throw new MintmarkError('CHECKPOINT_MALFORMED', `A note may carry at most ${maxNoteSignatures} signatures.`)
  return `${text}\n${lines.join('')}`
}

function signatureLine(name: string, keyHash: number, signature: Uint8Array): string {
  const data = new Uint8Array(4 + signature.length)
  data.set(uint32ToBytes(keyHash), 0)
  data.set(signature, 4)
  return `${signaturePrefix}${name} ${toBase64(data)}\n`
}
