import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import { canonicalize } from './canonicalize.js'
import { canonicalizeToBytes } from './canonicalize-to-bytes.js'
import { parseJson } from './parse-json.js'
import { cyberphoneVectors, rfc8785NonFiniteVectors, rfc8785NumberVectors } from './testdata/cyberphone-vectors.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

function fromIeee754Hex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof MintmarkError ? e.code : `not a MintmarkError: ${String(e)}`
  }
  return undefined
}

describe('cyberphone/json-canonicalization test data', () => {
  it.each(cyberphoneVectors.map((v) => [v.name, v] as const))('%s: bytes are the upstream files', (_, v) => {
    expect(bytesToHex(sha256(utf8(v.input)))).toBe(v.inputSha256)
    expect(bytesToHex(sha256(utf8(v.output)))).toBe(v.outputSha256)
  })

  it.each(cyberphoneVectors.map((v) => [v.name, v] as const))('%s: parse + canonicalize gives the expected output', (_, v) => {
    expect(canonicalize(parseJson(v.input))).toBe(v.output)
    expect(bytesToHex(sha256(canonicalizeToBytes(parseJson(v.input))))).toBe(v.outputSha256)
  })

  it('canonical output is a fixed point', () => {
    for (const v of cyberphoneVectors) expect(canonicalize(parseJson(v.output))).toBe(v.output)
  })
})

describe('RFC 8785', () => {
  it.each(rfc8785NumberVectors)('Appendix B: %s serializes as %s', (hex, json) => {
    const n = fromIeee754Hex(hex)
    expect(canonicalize(n)).toBe(json)
    // And the string parses back to the same double (or to ±0 for the zero rows).
    expect(Object.is(parseJson(json), n) || (n === 0 && parseJson(json) === 0)).toBe(true)
  })

  it.each(rfc8785NonFiniteVectors)('Appendix B: %s (NaN/Infinity) is rejected', (hex) => {
    expect(codeOf(() => canonicalize(fromIeee754Hex(hex)))).toBe('JCS_INVALID')
  })

  it('§3.2.3: sorts properties by UTF-16 code units', () => {
    const input =
      '{\n  "\\u20ac": "Euro Sign",\n  "\\r": "Carriage Return",\n  "\\ufb33": "Hebrew Letter Dalet With Dagesh",\n  "1": "One",\n  "\\ud83d\\ude00": "Emoji: Grinning Face",\n  "\\u0080": "Control",\n  "\\u00f6": "Latin Small Letter O With Diaeresis"\n}'
    const out = canonicalize(parseJson(input))
    const values = Object.values(JSON.parse(out) as Record<string, string>)
    // JSON.parse keeps insertion order for these non-index keys except "1", which it moves first anyway.
    expect(out).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
    expect(values).toHaveLength(7)
  })

  it('§3.2.2: the main example canonicalizes to the published string', () => {
    const input =
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}'
    expect(canonicalize(parseJson(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
  })

  it('escapes every C0 control as ECMAScript JSON.stringify does', () => {
    const controls = String.fromCharCode(...Array.from({ length: 0x20 }, (_, i) => i))
    expect(canonicalize(controls)).toBe(
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"',
    )
    // '/', DEL and non-ASCII stay raw.
    expect(canonicalize('/\u007f\u00e9\u2028')).toBe('"/\u007f\u00e9\u2028"')
  })

  it('serializes -0 as 0 and writes large integers in shortest round-trip ECMAScript form', () => {
    expect(canonicalize(-0)).toBe('0')
    expect(canonicalize(2 ** 60)).toBe('1152921504606847000')
    expect(canonicalize(1e21)).toBe('1e+21')
    expect(canonicalize(1e-7)).toBe('1e-7')
  })
})

describe('canonicalize rejects what is not I-JSON', () => {
  class Thing {
    a = 1
  }
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  const sparse = [1, , 3] // eslint-disable-line no-sparse-arrays
  const cases: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['undefined property', { a: undefined }],
    ['undefined in array', [undefined]],
    ['function', () => 1],
    ['symbol', Symbol('x')],
    ['bigint', 1n],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['lone high surrogate', '\ud800'],
    ['lone low surrogate', 'a\udc00b'],
    ['reversed pair', '\ude00\ud83d'],
    ['lone surrogate in a key', { '\ud800': 1 }],
    ['Date', new Date(0)],
    ['Map', new Map()],
    ['class instance', new Thing()],
    ['Uint8Array', new Uint8Array(2)],
    ['cycle', cycle],
    ['sparse array', sparse],
    ['symbol key', { [Symbol('k')]: 1 }],
  ]
  it.each(cases)('%s → JCS_INVALID', (_, value) => {
    expect(codeOf(() => canonicalize(value))).toBe('JCS_INVALID')
  })

  it('accepts null-prototype objects and "__proto__" keys as plain data', () => {
    const o = Object.create(null) as Record<string, unknown>
    o.b = 1
    o.a = 2
    expect(canonicalize(o)).toBe('{"a":2,"b":1}')
    expect(canonicalize(parseJson('{"__proto__":{"x":1},"a":1}'))).toBe('{"__proto__":{"x":1},"a":1}')
  })

  it('names the failing path', () => {
    try {
      canonicalize({ a: [1, { b: Number.NaN }] })
      expect.unreachable()
    } catch (e) {
      expect((e as MintmarkError).details).toBe('at a[1].b')
    }
  })
})
