import { ApiError } from '../api/client.js'
import { codeHint } from '../explain.js'

/** An error in words: what went wrong, what it means, and the stable code for reports. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const e = toShown(error)
  const hint = codeHint(e.code)
  return (
    <div class="notice notice-error" role="alert" data-code={e.code}>
      <p class="notice-title">{title ?? 'Something went wrong'}</p>
      <p>{e.message}</p>
      {hint && hint !== e.message ? <p>{hint}</p> : null}
      {e.detail ? <p class="muted small">{e.detail}</p> : null}
      {e.fields?.length ? <p class="muted small">Fields: {e.fields.join(', ')}</p> : null}
      <p class="muted small">
        Code: <code>{e.code}</code>
      </p>
    </div>
  )
}

export type ShownError = { code: string; message: string; detail?: string | undefined; fields?: readonly string[] | undefined }

export function toShown(error: unknown): ShownError {
  if (error instanceof ApiError) return { code: error.code, message: error.title, detail: error.detail, fields: error.fields }
  const coded = error as { code?: unknown; message?: unknown; detail?: unknown } | null
  if (coded && typeof coded.code === 'string' && typeof coded.message === 'string')
    return { code: coded.code, message: coded.message, detail: typeof coded.detail === 'string' ? coded.detail : undefined }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}
