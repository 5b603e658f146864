import { formatCheckpoint } from './format-checkpoint.js'
import { type SignNoteOptions, signNote } from './sign-note.js'
import type { Checkpoint, NoteSigner } from './types.js'

/** Formats a checkpoint and signs it as a note: the signed tree head a log publishes. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[], options?: SignNoteOptions): Promise<string> {
  return signNote(formatCheckpoint(checkpoint), signers, options)
}
