/**
 * A W3C decentralized identifier, e.g. `did:key:z6Mk…`, `did:pkh:eip155:1:0x…`, `did:web:example.com`.
 * A template-literal brand (as viem's `Hex`): a plain `string` does not type-check as a `Did`,
 * use {@link isDid} to narrow.
 */
export type Did = `did:${string}:${string}`

/** Longest DID accepted anywhere in Mintmark (far above any did:key, did:pkh or did:web). */
export const maxDidLength = 2048

/**
 * DID syntax from W3C DID Core §3.1: `did:` method-name `:` method-specific-id, where the id is
 * idchars (ALPHA / DIGIT / "." / "-" / "_" / pct-encoded) and colons, not ending in a colon.
 */
export const didPattern = /^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/

/**
 * True when `value` is a syntactically valid DID (any method). It does not resolve it.
 *
 * @example
 * isDid('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK') // true
 * isDid('did:Key:x') // false (method names are lowercase)
 */
export function isDid(value: unknown): value is Did {
  return typeof value === 'string' && value.length <= maxDidLength && didPattern.test(value)
}
