import { MintmarkError } from '../errors/base.js'
import { type OpenNoteReturnType, openNote } from './open-note.js'
import { parseCheckpoint } from './parse-checkpoint.js'
import type { Checkpoint, NoteVerifier } from './types.js'

export type OpenCheckpointParameters = {
  note: string | Uint8Array
  verifiers: readonly NoteVerifier[]
  /** The origin line the caller expects (the log's identity); checked when given. */
  origin?: string
}

export type OpenCheckpointReturnType = OpenNoteReturnType & { checkpoint: Checkpoint }

/**
 * Opens a signed checkpoint: {@link openNote} then {@link parseCheckpoint}, and, when `origin` is
 * given, checks the origin line (CHECKPOINT_ORIGIN_MISMATCH). Throws what those throw.
 */
export function openCheckpoint({ note, verifiers, origin }: OpenCheckpointParameters): OpenCheckpointReturnType {
  const opened = openNote(note, verifiers)
  const checkpoint = parseCheckpoint(opened.text)
  if (origin !== undefined && checkpoint.origin !== origin)
    throw new MintmarkError('CHECKPOINT_ORIGIN_MISMATCH', 'The checkpoint is for another log.', {
      details: `expected origin ${JSON.stringify(origin.slice(0, 200))}, got ${JSON.stringify(checkpoint.origin.slice(0, 200))}`,
    })
  return { ...opened, checkpoint }
}
