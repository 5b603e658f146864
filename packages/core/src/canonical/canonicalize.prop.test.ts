import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import { canonicalize } from './canonicalize.js'
import { canonicalizeToBytes } from './canonicalize-to-bytes.js'
import { parseJson } from './parse-json.js'

// RELIABILITY.md C5: published vectors live in canonicalize.test.ts; these are the properties.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const jsonValue = fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 5 }) as fc.Arbitrary<Json>
const jsonValueAscii = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>

/** mulberry32: a tiny seeded PRNG so one fast-check seed drives every random rewrite. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

const ws = ['', '', ' ', '\n', '\t', '\r\n  ', '  ']

/** Writes `x` as another decimal literal with exactly the same value (so the same double). */
function numberVariant(x: number, r: () => number): string {
  if (x === 0) return pick(r, ['0', '-0', '0.0', '0e0', '0E+5', '-0.000e-3'])
  const s = String(Math.abs(x))
  const sign = x < 0 ? '-' : ''
  const [mant = '', expPart] = s.split('e')
  let e = expPart === undefined ? 0 : Number(expPart)
  const [intPart = '', fracPart = ''] = mant.split('.')
  let digits = (intPart + fracPart).replace(/^0+/, '')
  e -= fracPart.length
  // value = digits × 10^e. Add trailing zeros, then choose where the point goes.
  const zeros = Math.floor(r() * 4)
  digits += '0'.repeat(zeros)
  e -= zeros
  const p = Math.floor(r() * (digits.length + 1)) // digits before the point
  const whole = p === 0 ? '0' : digits.slice(0, p)
  const frac = digits.slice(p)
  const exp = e + frac.length
  const body = frac === '' ? whole : `${whole}.${frac}`
  if (exp === 0 && r() < 0.5) return sign + body
  const expSign = exp < 0 ? '-' : pick(r, ['', '+'])
  return `${sign}${body}${pick(r, ['e', 'E'])}${expSign}${Math.abs(exp)}`
}

function stringVariant(s: string, r: () => number): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const hex = `\\u${c.toString(16).padStart(4, '0')}`
    const hexUpper = `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`
    if (c >= 0xd800 && c <= 0xdbff) {
      // A surrogate pair: both raw or both escaped.
      const low = s.charCodeAt(i + 1)
      out += r() < 0.5 ? s.slice(i, i + 2) : `${hex}\\u${low.toString(16).padStart(4, '0')}`
      i++
      continue
    }
    const short: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x2f: '\\/' }
    const mustEscape = c < 0x20 || c === 0x22 || c === 0x5c
    const roll = r()
    if (roll < 0.25) out += hex
    else if (roll < 0.35) out += hexUpper
    else if (short[c] !== undefined && (mustEscape || roll < 0.6)) out += short[c]
    else if (mustEscape) out += hex
    else out += s[i]
  }
  return `${out}"`
}

/** Serializes `v` with random key order, whitespace, escapes and number spellings. */
function variant(v: Json, r: () => number): string {
  const w = () => pick(r, ws)
  if (v === null) return 'null'
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return numberVariant(v, r)
  if (typeof v === 'string') return stringVariant(v, r)
  if (Array.isArray(v)) return `[${w()}${v.map((x) => variant(x, r)).join(`${w()},${w()}`)}${w()}]`
  const keys = Object.keys(v)
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1))
    ;[keys[i], keys[j]] = [keys[j] as string, keys[i] as string]
  }
  return `{${w()}${keys.map((k) => `${stringVariant(k, r)}${w()}:${w()}${variant(v[k] as Json, r)}`).join(`${w()},${w()}`)}${w()}}`
}

/** Same meaning under JCS: equal JSON values, with -0 equal to 0. */
function sameMeaning(a: Json, b: Json): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameMeaning(x, b[i] as Json))
  const ao = a as Record<string, Json>
  const bo = b as Record<string, Json>
  const ak = Object.keys(ao)
  return ak.length === Object.keys(bo).length && ak.every((k) => Object.hasOwn(bo, k) && sameMeaning(ao[k] as Json, bo[k] as Json))
}

/** Replaces one node (chosen by `r`) with `replacement`. */
function mutate(v: Json, r: () => number, replacement: Json): Json {
  if (v === null || typeof v !== 'object' || r() < 0.3) return replacement
  if (Array.isArray(v)) {
    if (v.length === 0) return [replacement]
    const i = Math.floor(r() * (v.length + 1))
    if (i === v.length) return [...v, replacement] // append changes meaning too
    return v.map((x, j) => (j === i ? mutate(x, r, replacement) : x))
  }
  const keys = Object.keys(v)
  if (keys.length === 0 || r() < 0.2) return { ...v, [`k${Math.floor(r() * 1e6)}`]: replacement }
  const k = pick(r, keys)
  return { ...v, [k]: mutate(v[k] as Json, r, replacement) }
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(MintmarkError)
    expect((e as MintmarkError).code).toBe(code)
    return
  }
  throw new Error('expected a throw')
}

describe('C5 properties', () => {
  it('parse → canonicalize → parse is idempotent (10,000 runs)', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const c1 = canonicalize(parseJson(JSON.stringify(v)))
        const c2 = canonicalize(parseJson(c1))
        expect(c2).toBe(c1)
        // The canonical text is valid JSON with the same meaning.
        expect(sameMeaning(JSON.parse(c1) as Json, v)).toBe(true)
      }),
      { numRuns: 10_000, seed: 8785 },
    )
  })

  it('parseJson agrees with JSON.parse on valid JSON (2,000 runs)', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const text = JSON.stringify(v, null, 1)
        expect(sameMeaning(parseJson(text) as Json, JSON.parse(text) as Json)).toBe(true)
      }),
      { numRuns: 2_000, seed: 7493 },
    )
  })

  it('1,000 same-meaning variants of one document give one canonical string and one digest', () => {
    const doc = parseJson(
      '{"type":"mintmark.manifest","version":1,"n":[0,-0.5,1,100,1e21,1e-7,123.456,-9007199254740991,5e-324],' +
        '"s":"A/\\"\\\\ \\n\\t caf\\u00e9 \\ud83d\\ude00 \\u2028","nested":{"b":[true,false,null],"a":{"z":"","y":[{}]}}}',
    ) as Json
    const r = prng(1)
    const digests = new Set<string>()
    const texts = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const text = variant(doc, r)
      texts.add(text)
      digests.add(bytesToHex(sha256(canonicalizeToBytes(parseJson(text)))))
    }
    expect(texts.size).toBeGreaterThan(990) // the variants really differ
    expect(digests.size).toBe(1)
    expect([...digests][0]).toBe(bytesToHex(sha256(canonicalizeToBytes(doc))))
  })

  it('random same-meaning variants of random values canonicalize alike (500 values × 10 variants)', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (v, seed) => {
        const r = prng(seed)
        const expected = canonicalize(v)
        for (let i = 0; i < 10; i++) expect(canonicalize(parseJson(variant(v, r)))).toBe(expected)
      }),
      { numRuns: 500, seed: 42 },
    )
  })

  it('a change of meaning changes the canonical string (3,000 runs)', () => {
    fc.assert(
      fc.property(jsonValue, jsonValueAscii, fc.integer(), (v, replacement, seed) => {
        const m = mutate(v, prng(seed), replacement)
        expect(canonicalize(m) === canonicalize(v)).toBe(sameMeaning(m, v))
      }),
      { numRuns: 3_000, seed: 6962 },
    )
    // Targeted single-token changes that must never collide.
    const base = { a: 1, b: 'x', c: [true, null] }
    const changed: unknown[] = [
      { a: 1.0000000000000002, b: 'x', c: [true, null] },
      { a: 1, b: 'X', c: [true, null] },
      { a: 1, b: 'x ', c: [true, null] },
      { a: 1, b: 'x', c: [null, true] },
      { a: 1, b: 'x', c: [true, false] },
      { a: 1, b: 'x', c: [true] },
      { a: '1', b: 'x', c: [true, null] },
      { A: 1, b: 'x', c: [true, null] },
      { a: 1, b: 'x', c: [true, null], d: null },
    ]
    for (const c of changed) expect(canonicalize(c)).not.toBe(canonicalize(base))
  })

  it('duplicate keys anywhere are rejected (1,000 runs)', () => {
    const obj = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), jsonValueAscii, { minKeys: 1, maxKeys: 6 })
    fc.assert(
      fc.property(obj, fc.integer(), jsonValueAscii, (o, seed, dupValue) => {
        const r = prng(seed)
        const keys = Object.keys(o)
        const dup = pick(r, keys)
        const members = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`)
        // The duplicate may be spelled with escapes: still the same key.
        members.splice(Math.floor(r() * (members.length + 1)), 0, `${stringVariant(dup, r)}:${JSON.stringify(dupValue)}`)
        const text = `{${members.join(',')}}`
        const wrapped = r() < 0.5 ? text : `[0,{"x":${text}}]`
        expectCode(() => parseJson(wrapped), 'JCS_INVALID')
      }),
      { numRuns: 1_000, seed: 11 },
    )
  })

  it('lone surrogates, raw or escaped, are rejected (1,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }),
        fc.string({ maxLength: 8 }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.boolean(),
        fc.boolean(),
        (before, after, unit, escaped, asKey) => {
          // Keep the neighbours from completing a pair by accident.
          const lone = escaped ? `\\u${unit.toString(16)}` : String.fromCharCode(unit)
          const safeAfter = unit <= 0xdbff ? `x${after}` : after
          const safeBefore = unit >= 0xdc00 ? `${before}x` : before
          const str = `"${JSON.stringify(safeBefore).slice(1, -1)}${lone}${JSON.stringify(safeAfter).slice(1, -1)}"`
          expectCode(() => parseJson(asKey ? `{${str}:1}` : `[${str}]`), 'JCS_INVALID')
          expectCode(() => canonicalize(`${safeBefore}${String.fromCharCode(unit)}${safeAfter}`), 'JCS_INVALID')
        },
      ),
      { numRuns: 1_000, seed: 12 },
    )
  })

  it('numbers outside the IEEE-754 double range are rejected (1,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 20 }),
        fc.integer({ min: 309, max: 100_000 }),
        fc.boolean(),
        fc.boolean(),
        (lead, rest, exp, negative, tiny) => {
          // lead.rest × 10^exp ≥ 1e309 overflows; × 10^-(exp+17) underflows below 5e-324.
          const text = `${negative ? '-' : ''}${lead}${rest ? `.${rest}` : ''}e${tiny ? `-${exp + 17}` : exp}`
          expectCode(() => parseJson(text), 'JCS_INVALID')
        },
      ),
      { numRuns: 1_000, seed: 13 },
    )
  })

  it('parseJson throws only MintmarkErrors on arbitrary strings and mutated JSON (20,000 runs)', () => {
    const mutated = fc.tuple(jsonValue, fc.integer(), fc.string({ unit: 'binary', maxLength: 4 })).map(([v, seed, junk]) => {
      const text = JSON.stringify(v)
      const r = prng(seed)
      const at = Math.floor(r() * (text.length + 1))
      const cut = Math.floor(r() * 3)
      return text.slice(0, at) + junk + text.slice(at + cut)
    })
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', 'u', '1', 'e', '-', '.', ' ', 'n', '\ud800') }), mutated), (text) => {
        try {
          const v = parseJson(text)
          // Whatever parses must canonicalize and round-trip.
          expect(canonicalize(parseJson(canonicalize(v)))).toBe(canonicalize(v))
        } catch (e) {
          expect(e).toBeInstanceOf(MintmarkError)
          expect(['JSON_INVALID', 'JCS_INVALID']).toContain((e as MintmarkError).code)
        }
      }),
      { numRuns: 20_000, seed: 14 },
    )
  })
})
