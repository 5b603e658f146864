import { createHash, randomBytes } from 'node:crypto'
import { type Did, MintmarkError, isDid, publicKeyFromDid, verifyEd25519 } from '@mintmark/core'
import { createNodeEd25519Signer, nodeEd25519Verify } from '@mintmark/app'
import {
  type InnerList,
  type Item,
  type Parameters,
  isInnerList,
  parseDictionary,
  serializeInnerList,
} from './structured-fields.js'

/**
 * RFC 9421 HTTP message signatures with Ed25519 did:key keys, and RFC 9530 Content-Digest.
 *
 * What the server requires of a signature (see docs/adr/0008-http-service.md):
 * - covered components: `@method`, `@target-uri` or `@path`, and `content-digest` when the request
 *   has a body (any POST/PUT/PATCH); components may not carry parameters (`;sf`, `;req`, …);
 * - parameters: `keyid` (a did:key of an Ed25519 key), `created` (within ±window of the server
 *   clock), `nonce` (unique per key inside the window, checked by the caller), optional `expires`,
 *   optional `alg` which must then be `ed25519`.
 */
export type VerifiedSignature = { did: Did; created: number; nonce: string; label: string; components: string[] }

export type VerifyHttpSignatureParameters = {
  method: string
  url: string
  headers: Headers
  /** Server time, seconds since the epoch. */
  now: number
  /** Largest accepted |now − created| in seconds. */
  windowSeconds: number
  /** True when the request carries a body: content-digest must then be covered. */
  hasBody: boolean
}

const fail = (shortMessage: string, details?: string) =>
  new MintmarkError('HTTP_SIGNATURE_INVALID', shortMessage, details === undefined ? {} : { details })

export function hasHttpSignature(headers: Headers): boolean {
  return headers.has('signature') || headers.has('signature-input')
}

/** Verifies the request's HTTP message signature; throws HTTP_SIGNATURE_INVALID or HTTP_SIGNATURE_EXPIRED. */
export function verifyHttpSignature(p: VerifyHttpSignatureParameters): VerifiedSignature {
  const inputHeader = p.headers.get('signature-input')
  const sigHeader = p.headers.get('signature')
  if (!inputHeader || !sigHeader) throw fail('Both Signature-Input and Signature headers are required.')
  let inputs: ReturnType<typeof parseDictionary>
  let sigs: ReturnType<typeof parseDictionary>
  try {
    inputs = parseDictionary(inputHeader)
    sigs = parseDictionary(sigHeader)
  } catch (e) {
    throw fail('The Signature-Input or Signature header is not a valid structured field.', (e as Error).message)
  }
  const label = [...inputs.keys()].find((l) => sigs.has(l))
  if (label === undefined) throw fail('No signature label appears in both Signature-Input and Signature.')
  if (inputs.size > 4) throw fail('Too many signatures on one request.')
  const input = inputs.get(label) as Item | InnerList
  const sig = sigs.get(label) as Item | InnerList
  if (!isInnerList(input)) throw fail(`Signature-Input ${label} is not an inner list.`)
  if (isInnerList(sig) || !(sig.value instanceof Uint8Array) || sig.value.length !== 64)
    throw fail(`Signature ${label} is not a 64-byte Ed25519 signature (a byte sequence).`)

  const params = input.params
  const keyid = params.get('keyid')
  const created = params.get('created')
  const nonce = params.get('nonce')
  const expires = params.get('expires')
  const alg = params.get('alg')
  if (typeof keyid !== 'string' || !isDid(keyid) || !keyid.startsWith('did:key:')) throw fail('The signature keyid must be a did:key.')
  if (alg !== undefined && alg !== 'ed25519') throw fail(`Signature algorithm ${JSON.stringify(String(alg))} is not supported (only ed25519).`)
  if (typeof created !== 'number' || !Number.isInteger(created)) throw fail('The signature must carry an integer created parameter.')
  if (typeof nonce !== 'string' || nonce.length < 8 || nonce.length > 128) throw fail('The signature must carry a nonce of 8 to 128 characters.')
  if (expires !== undefined && (typeof expires !== 'number' || !Number.isInteger(expires))) throw fail('The expires parameter must be an integer.')

  const components: string[] = []
  for (const item of input.items) {
    if (typeof item.value !== 'string' || item.params.size) throw fail('Covered components must be plain strings without parameters.')
    if (components.includes(item.value)) throw fail(`Component ${item.value} is covered twice.`)
    components.push(item.value)
  }
  if (!components.includes('@method')) throw fail('The signature must cover @method.')
  if (!components.includes('@target-uri') && !components.includes('@path')) throw fail('The signature must cover @target-uri or @path.')
  if (p.hasBody && !components.includes('content-digest')) throw fail('A request with a body must be signed over content-digest.')

  if (Math.abs(p.now - created) > p.windowSeconds)
    throw new MintmarkError('HTTP_SIGNATURE_EXPIRED', `The signature was created ${p.now - created} s from the server's clock (window ±${p.windowSeconds} s).`)
  if (typeof expires === 'number' && expires < p.now) throw new MintmarkError('HTTP_SIGNATURE_EXPIRED', 'The signature has expired.')

  const base = signatureBase({ method: p.method, url: p.url, headers: p.headers, components, signatureParams: input })
  let publicKey: Uint8Array
  try {
    publicKey = publicKeyFromDid(keyid)
  } catch (e) {
    throw fail('The signature keyid is not a usable Ed25519 did:key.', e instanceof MintmarkError ? e.shortMessage : undefined)
  }
  const ok = verifyEd25519({ signature: sig.value, message: new TextEncoder().encode(base), publicKey, backend: nodeEd25519Verify })
  if (!ok.ok) throw fail('The HTTP message signature does not verify.', ok.detail)
  return { did: keyid, created, nonce, label, components }
}

/** The RFC 9421 §2.5 signature base for the given components. */
export function signatureBase(p: { method: string; url: string; headers: Headers; components: readonly string[]; signatureParams: InnerList }): string {
  const url = new URL(p.url)
  const lines: string[] = []
  for (const name of p.components) {
    let value: string
    switch (name) {
      case '@method':
        value = p.method.toUpperCase()
        break
      case '@target-uri':
        value = url.href
        break
      case '@authority':
        value = url.host.toLowerCase()
        break
      case '@scheme':
        value = url.protocol.slice(0, -1).toLowerCase()
        break
      case '@path':
        value = url.pathname || '/'
        break
      case '@query':
        value = url.search || '?'
        break
      case '@request-target':
        value = `${url.pathname || '/'}${url.search}`
        break
      default: {
        if (name.startsWith('@')) throw fail(`Derived component ${name} is not supported.`)
        if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw fail(`Component ${JSON.stringify(name)} is not a lowercase field name.`)
        const v = p.headers.get(name)
        if (v === null) throw fail(`Covered header ${name} is missing from the request.`)
        value = v.trim()
      }
    }
    if (/[\r\n]/.test(value)) throw fail(`Component ${name} contains a line break.`)
    lines.push(`"${name}": ${value}`)
  }
  lines.push(`"@signature-params": ${serializeInnerList(p.signatureParams)}`)
  return lines.join('\n')
}

/** `sha-256=:<base64>:` (RFC 9530) of some bytes. */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`
}

/** The sha-256 digest a Content-Digest header declares; throws CONTENT_DIGEST_MISMATCH when absent or malformed. */
export function parseContentDigest(header: string): Uint8Array {
  let dict: ReturnType<typeof parseDictionary>
  try {
    dict = parseDictionary(header)
  } catch {
    throw new MintmarkError('CONTENT_DIGEST_MISMATCH', 'The Content-Digest header is not a valid structured field.')
  }
  const m = dict.get('sha-256')
  if (!m || isInnerList(m) || !(m.value instanceof Uint8Array) || m.value.length !== 32)
    throw new MintmarkError('CONTENT_DIGEST_MISMATCH', 'The Content-Digest header has no sha-256 digest.')
  return m.value
}

export type SignRequestParameters = {
  method: string
  url: string
  /** The exact bytes that will be sent, when there is a body. */
  body?: Uint8Array | undefined
  secretKey: Uint8Array
  did: Did
  /** Extra headers to cover (lowercase names; their values must be in `headers`). */
  cover?: readonly string[] | undefined
  headers?: Record<string, string> | undefined
  /** Seconds since the epoch; default now. */
  created?: number | undefined
  nonce?: string | undefined
  label?: string | undefined
}

/**
 * Signs a request for the Mintmark API (client side): returns the headers to add —
 * `content-digest` (when there is a body), `signature-input` and `signature`.
 *
 * @example
 * const h = await signRequest({ method: 'POST', url, body, secretKey, did })
 * await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...h } })
 */
export async function signRequest(p: SignRequestParameters): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const headers = new Headers(p.headers)
  const components = ['@method', '@target-uri']
  if (p.body !== undefined) {
    out['content-digest'] = contentDigest(p.body)
    headers.set('content-digest', out['content-digest'])
    components.push('content-digest')
  }
  for (const h of p.cover ?? []) if (!components.includes(h)) components.push(h)
  const label = p.label ?? 'sig1'
  const params: Parameters = new Map()
  params.set('created', p.created ?? Math.floor(Date.now() / 1000))
  params.set('keyid', p.did)
  params.set('alg', 'ed25519')
  params.set('nonce', p.nonce ?? randomBytes(16).toString('base64url'))
  const list: InnerList = { items: components.map((c) => ({ value: c, params: new Map() })), params }
  const base = signatureBase({ method: p.method, url: p.url, headers, components, signatureParams: list })
  const signer = createNodeEd25519Signer(p.secretKey, p.did)
  const sig = await signer.sign(new TextEncoder().encode(base))
  out['signature-input'] = `${label}=${serializeInnerList(list)}`
  out.signature = `${label}=:${Buffer.from(sig).toString('base64')}:`
  return out
}
