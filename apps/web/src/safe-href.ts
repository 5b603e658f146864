/**
 * A URL from a manifest is only ever a link when it is http(s): `javascript:`, `data:` and other
 * schemes a creator could put in a record are shown as text instead.
 */
export function safeHref(url: string): string | undefined {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined
  } catch {
    return undefined
  }
}
