import { type ErrorCode, errorCodes } from './codes.js'

export const docsBaseUrl = 'https://mintmark.dev/docs/reference/errors'

export type MintmarkErrorOptions = {
  cause?: unknown
  details?: string | undefined
  metaMessages?: string[] | undefined
  /** Field paths that failed validation, when the error comes from a schema. */
  fields?: string[] | undefined
}

/**
 * The one error class every Mintmark failure is (or extends). `code` is stable and documented;
 * `shortMessage` is one human sentence; `message` adds the meta lines, code and docs link.
 */
export class MintmarkError<code extends ErrorCode = ErrorCode> extends Error {
  override name = 'MintmarkError'
  readonly code: code
  readonly shortMessage: string
  readonly details: string | undefined
  readonly metaMessages: string[] | undefined
  readonly fields: string[] | undefined

  constructor(code: code, shortMessage: string, options: MintmarkErrorOptions = {}) {
    const lines = [shortMessage]
    if (options.metaMessages?.length) lines.push('', ...options.metaMessages)
    if (options.fields?.length) lines.push('', `Fields: ${options.fields.join(', ')}`)
    lines.push('', `Code: ${code}`, `Docs: ${docsBaseUrl}#${code.toLowerCase()}`)
    if (options.details) lines.push(`Details: ${options.details}`)
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = options.details
    this.metaMessages = options.metaMessages
    this.fields = options.fields
  }

  get status(): number {
    return errorCodes[this.code].status
  }

  get retry(): boolean {
    return errorCodes[this.code].retry
  }

  /** Follows `.cause` to the innermost error, or to the first for which `fn` returns true. */
  walk(fn?: (e: unknown) => boolean): unknown {
    let current: unknown = this
    while (current instanceof Error) {
      if (fn?.(current)) return current
      if (current.cause === undefined) break
      current = current.cause
    }
    return fn ? null : current
  }

  toJSON(): { code: code; message: string; details?: string; fields?: string[] } {
    return {
      code: this.code,
      message: this.shortMessage,
      ...(this.details ? { details: this.details } : {}),
      ...(this.fields ? { fields: this.fields } : {}),
    }
  }
}

export function isMintmarkError(value: unknown): value is MintmarkError {
  return value instanceof MintmarkError
}
