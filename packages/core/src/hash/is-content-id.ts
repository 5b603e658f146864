import type { ContentId } from './content-id.js'
import { parseContentId } from './parse-content-id.js'

/** True when `value` is a valid {@link ContentId} string (see `parseContentId` for the rules). */
export function isContentId(value: unknown): value is ContentId {
  try {
    parseContentId(value)
    return true
  } catch {
    return false
  }
}
