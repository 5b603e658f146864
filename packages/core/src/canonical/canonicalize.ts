import { MintmarkError } from '../errors/base.js'

export type CanonicalizeErrorType = MintmarkError<'JCS_INVALID'>

/** Deepest nesting `canonicalize` accepts; a guard against cycles and hostile depth. */
const maxDepth = 1000

/**
 * Serializes a JSON value per RFC 8785 (JCS): object keys sorted by UTF-16 code units, numbers
 * in ECMAScript `Number.prototype.toString` form, strings with minimal escaping, no whitespace.
 * Only I-JSON values are accepted: `undefined`, functions, symbols, bigints, non-finite numbers,
 * lone surrogates, cycles and non-plain objects (Date, Map, class instances…) throw `JCS_INVALID`.
 *
 * @example
 * canonicalize({ b: 1e2, a: [true, 'x'] }) // '{"a":[true,"x"],"b":100}'
 */
export function canonicalize(value: unknown): string {
  return serialize(value, '', 0, [])
}

function fail(path: string, reason: string): never {
  throw new MintmarkError('JCS_INVALID', `Value cannot be canonicalized: ${reason}.`, {
    details: `at ${path === '' ? '(root)' : path}`,
  })
}

/** True when the string has no unpaired surrogate (what String.prototype.isWellFormed checks). */
export function isWellFormedString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdfff) continue
    if (c > 0xdbff) return false
    const next = s.charCodeAt(i + 1)
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false
    i++
  }
  return true
}

function serializeString(s: string, path: string): string {
  if (!isWellFormedString(s)) fail(path, 'string contains a lone surrogate')
  // For well-formed strings, JSON.stringify escapes exactly as RFC 8785 §3.2.2.2 asks:
  // \b \t \n \f \r \" \\ as two-character escapes, other C0 controls as \u00xx (lowercase hex).
  return JSON.stringify(s)
}

function serialize(value: unknown, path: string, depth: number, stack: object[]): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path)
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} is not a finite number`)
      // Number.prototype.toString is the ECMAScript serialization JCS adopts; -0 becomes "0".
      return Object.is(value, -0) ? '0' : String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      break
    default:
      return fail(path, `${typeof value} is not a JSON value`)
  }
  if (value === null) return 'null'
  if (depth >= maxDepth) fail(path, `nesting deeper than ${maxDepth}`)
  if (stack.includes(value)) fail(path, 'cyclic structure')
  stack.push(value)
  let out: string
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) fail(path, 'array subclass')
    const parts: string[] = new Array(value.length)
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail(`${path}[${i}]`, 'sparse array hole')
      parts[i] = serialize(value[i], `${path}[${i}]`, depth + 1, stack)
    }
    out = `[${parts.join(',')}]`
  } else {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) fail(path, 'not a plain object')
    if (Object.getOwnPropertySymbols(value).length > 0) fail(path, 'object has symbol keys')
    // Default sort compares UTF-16 code units, exactly the order RFC 8785 §3.2.3 requires.
    const keys = Object.keys(value).sort()
    const parts: string[] = new Array(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const childPath = path === '' ? key : `${path}.${key}`
      parts[i] = `${serializeString(key, childPath)}:${serialize((value as Record<string, unknown>)[key], childPath, depth + 1, stack)}`
    }
    out = `{${parts.join(',')}}`
  }
  stack.pop()
  return out
}
