export type { Checkpoint, NoteSignature, NoteSigner, NoteVerifier } from './types.js'
export { formatCheckpoint } from './format-checkpoint.js'
export { parseCheckpoint, maxCheckpointLength } from './parse-checkpoint.js'
export { signNote, type SignNoteOptions } from './sign-note.js'
export { openNote, maxNoteLength, type OpenNoteReturnType } from './open-note.js'
export { signCheckpoint } from './sign-checkpoint.js'
export { openCheckpoint, type OpenCheckpointParameters, type OpenCheckpointReturnType } from './open-checkpoint.js'
export { createEd25519NoteSigner } from './create-ed25519-note-signer.js'
export { createEd25519NoteVerifier } from './create-ed25519-note-verifier.js'
export {
  encodeEd25519SignerKey,
  encodeEd25519VerifierKey,
  noteKeyHash,
  parseEd25519SignerKey,
  parseEd25519VerifierKey,
  type Ed25519SignerKey,
  type Ed25519VerifierKey,
} from './ed25519-note-keys.js'
export { isValidNoteKeyName } from './note-text.js'
