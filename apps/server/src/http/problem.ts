import { MintmarkError, errorCodes, isErrorCode } from '@mintmark/core'
import { z } from 'zod'

/** RFC 9457 problem details plus our stable code: what every failed request answers with. */
export const problemSchema = z
  .object({
    type: z.string().describe('Link to the error code in the errors reference.'),
    title: z.string().describe('One sentence saying what went wrong.'),
    status: z.int().describe('The HTTP status, from the error code registry.'),
    code: z.string().describe('Stable error code (see docs/reference/errors.md).'),
    detail: z.string().optional(),
    fields: z.array(z.string()).optional().describe('Input fields that failed validation.'),
  })
  .meta({ id: 'Problem' })

export type Problem = z.infer<typeof problemSchema>

/** Any thrown value as a MintmarkError: unknown failures become INTERNAL (their message is not exposed). */
export function toMintmarkError(error: unknown): MintmarkError {
  if (error instanceof MintmarkError) return error
  // A coded error from another copy of core (or a plain object with a registered code).
  const code = (error as { code?: unknown } | null)?.code
  if (error instanceof Error && isErrorCode(code))
    return new MintmarkError(code, (error as { shortMessage?: string }).shortMessage ?? error.message.split('\n')[0] ?? 'Error', { cause: error })
  return new MintmarkError('INTERNAL', 'An unexpected error occurred.', { cause: error })
}

/** The problem object for an error; the same shape the CLI prints with --json. */
export function toProblem(error: unknown): Problem {
  const e = toMintmarkError(error)
  return {
    type: `https://mintmark.dev/docs/reference/errors#${e.code.toLowerCase()}`,
    title: redact(e.shortMessage),
    status: errorCodes[e.code].status,
    code: e.code,
    ...(e.details ? { detail: redact(e.details) } : {}),
    ...(e.fields ? { fields: e.fields } : {}),
  }
}

/** Filesystem paths of the server's home never leave the process in a problem detail. */
function redact(text: string): string {
  return text.replace(/(?:\/[\w.@+-]+){2,}/g, '<path>')
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  })
}
