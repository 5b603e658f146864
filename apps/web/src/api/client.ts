/**
 * A failed API call: the server's problem (RFC 9457 + our stable `code`), or a network failure
 * (`NETWORK_ERROR`). Pages show `code` and `title` in words; `detail` when the server gave one.
 */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly code: string,
    readonly title: string,
    readonly status: number,
    readonly detail?: string | undefined,
    readonly fields?: readonly string[] | undefined,
  ) {
    super(`${code}: ${title}`)
  }
}

type Problem = { code?: unknown; title?: unknown; detail?: unknown; fields?: unknown; status?: unknown }

async function toApiError(response: Response): Promise<ApiError> {
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      const p = (await response.json()) as Problem
      if (typeof p.code === 'string')
        return new ApiError(
          p.code,
          typeof p.title === 'string' ? p.title : `The server answered ${response.status}.`,
          response.status,
          typeof p.detail === 'string' ? p.detail : undefined,
          Array.isArray(p.fields) ? p.fields.filter((f): f is string => typeof f === 'string') : undefined,
        )
    } catch {
      // fall through: not a problem document
    }
  }
  return new ApiError(`HTTP_${response.status}`, `The server answered ${response.status} ${response.statusText}.`.replace(/ \.$/, '.'), response.status)
}

/** Sends a request to this server's API; throws ApiError for anything but 2xx. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json, application/problem+json', ...init.headers } })
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error
    throw new ApiError('NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.', 0)
  }
  if (!response.ok) throw await toApiError(response)
  return response
}

export async function getJson<T>(path: string, signal?: AbortSignal | undefined): Promise<T> {
  const response = await apiFetch(path, signal ? { signal } : {})
  return (await response.json()) as T
}

/** `?a=1&b=2` from defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

export const enc = encodeURIComponent
