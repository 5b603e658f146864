import { MintmarkError } from './base.js'
import type { ErrorCode } from './codes.js'

type Issue = { path: readonly PropertyKey[]; message: string }

/** A schema failure as a MintmarkError: the failing paths in `fields`, the first few messages in `details`. */
export function errorFromIssues(code: ErrorCode, shortMessage: string, issues: readonly Issue[]): MintmarkError {
  const at = (i: Issue) => i.path.map(String).join('.') || '(root)'
  return new MintmarkError(code, shortMessage, {
    fields: [...new Set(issues.map(at))],
    details: issues
      .slice(0, 5)
      .map((i) => `${at(i)}: ${i.message}`)
      .join('; '),
  })
}
