import { describe, expect, it } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import { JsonParseError, parseJson } from './parse-json.js'

function errorOf(text: string): JsonParseError {
  try {
    parseJson(text)
  } catch (e) {
    if (e instanceof JsonParseError) return e
    throw new Error(`not a JsonParseError: ${String(e)}`)
  }
  throw new Error(`accepted: ${text}`)
}

describe('parseJson accepts RFC 8259 JSON', () => {
  it.each([
    ['null', null],
    ['true', true],
    [' false ', false],
    ['0', 0],
    ['-0', -0],
    ['1.5e3', 1500],
    ['-1E-2', -0.01],
    ['1e+2', 100],
    ['"a\\u0041\\n\\/"', 'aA\n/'],
    ['"\\ud83d\\ude00"', '\u{1f600}'],
    ['"\u{1f600}"', '\u{1f600}'],
    ['[]', []],
    ['{}', {}],
    ['\t\r\n[1, [2, {"a": [3]}]]\n', [1, [2, { a: [3] }]]],
    ['{"a":1,"b":{"a":2}}', { a: 1, b: { a: 2 } }],
    ['1e308', 1e308],
    ['5e-324', 5e-324],
    ['0.0e-999', 0],
  ])('%s', (text, expected) => {
    expect(Object.is(parseJson(text), expected) || JSON.stringify(parseJson(text)) === JSON.stringify(expected)).toBe(true)
  })

  it('keeps "__proto__" as an own data property without touching the prototype', () => {
    const v = parseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('agrees with JSON.parse on valid text', () => {
    const text = JSON.stringify({ s: 'x\u00e9\u{1f600}"\\\b\f\n\r\t\u0001', n: [0, -1.25, 1e-7, 123456789012], o: { z: null, y: [true, false] } })
    expect(parseJson(text)).toEqual(JSON.parse(text))
  })
})

describe('parseJson rejects invalid JSON with JSON_INVALID and a position', () => {
  it.each([
    ['', 0],
    ['   ', 3],
    ['{', 1],
    ['[1,]', 3],
    ['[1 2]', 3],
    ['{"a" 1}', 5],
    ['{"a":1,}', 7],
    ['{a:1}', 1],
    ["{'a':1}", 1],
    ['01', 0],
    ['-', 0],
    ['1.', 0],
    ['.5', 0],
    ['1e', 0],
    ['+1', 0],
    ['0x10', 1],
    ['NaN', 0],
    ['Infinity', 0],
    ['tru', 0],
    ['nul', 0],
    ['"abc', 0],
    ['"a\tb"', 2],
    ['"\\x41"', 1],
    ['"\\u00G1"', 1],
    ['"\\u12"', 1],
    ['[1] x', 4],
    ['\ufeff{}', 0],
    ['// c\n{}', 0],
    ['{"a":1}}', 7],
  ])('%j', (text, position) => {
    const e = errorOf(text)
    expect(e.code).toBe('JSON_INVALID')
    expect(e.position).toBe(position)
    expect(e).toBeInstanceOf(MintmarkError)
  })

  it('limits nesting depth', () => {
    expect(parseJson('['.repeat(128) + ']'.repeat(128))).toBeDefined()
    const e = errorOf('['.repeat(129) + ']'.repeat(129))
    expect(e.code).toBe('JSON_INVALID')
    expect(e.position).toBe(128)
    expect(errorOf('{"a":'.repeat(200) + '1' + '}'.repeat(200)).code).toBe('JSON_INVALID')
    expect(() => parseJson('[[[1]]]', { maxDepth: 2 })).toThrow(JsonParseError)
    // Very deep input fails fast and cleanly instead of overflowing the stack.
    expect(errorOf('['.repeat(1_000_000)).code).toBe('JSON_INVALID')
  })

  it('reports line and column in details', () => {
    const e = errorOf('{\n  "a": 1,\n  "b": ?\n}')
    expect(e.details).toBe('at offset 19 (line 3, column 8)')
    expect(e.message).toContain('Code: JSON_INVALID')
  })
})

describe('parseJson rejects I-JSON violations with JCS_INVALID', () => {
  it.each([
    ['duplicate key', '{"a":1,"a":2}', 7],
    ['duplicate key after escapes', '{"a":1,"\\u0061":2}', 7],
    ['duplicate nested key', '{"x":{"b":1,"c":2,"b":3}}', 18],
    ['duplicate __proto__', '{"__proto__":1,"__proto__":2}', 15],
    ['lone high surrogate escape', '"\\ud800"', 1],
    ['lone high surrogate escape then char', '"\\ud800x"', 1],
    ['high escape then high escape', '"\\ud800\\ud800"', 1],
    ['lone low surrogate escape', '"\\udc00"', 1],
    ['reversed escaped pair', '"\\ude00\\ud83d"', 1],
    ['raw lone high surrogate', '"a\ud800"', 2],
    ['raw lone low surrogate', '"\udc00"', 1],
    ['raw lone surrogate after an escape', '"\\n\ud800"', 3],
    ['raw lone surrogate in a key', '{"\ud800":1}', 2],
    ['number overflow', '1e309', 0],
    ['negative overflow', '[-1.8e308]', 1],
    ['long overflow', `1${'0'.repeat(400)}`, 0],
    ['number underflow', '1e-400', 0],
    ['negative underflow', '-0.000001e-330', 0],
  ])('%s', (_, text, position) => {
    const e = errorOf(text)
    expect(e.code).toBe('JCS_INVALID')
    expect(e.position).toBe(position)
  })
})

// Speed is measured in bench/, not asserted here: this checks a realistic ~2 KB manifest-like document.
describe('parseJson on a realistic document', () => {
  it('gives exactly what JSON.parse gives for a ~2 KB manifest-like document', () => {
    const doc = JSON.stringify({
      type: 'mintmark.manifest',
      version: 1,
      asset: { cid: `bafkrei${'a'.repeat(52)}`, sha256: 'ab'.repeat(32), size: 123456, mediaType: 'image/png', title: 'Caf\u00e9 \u{1f600} at dusk' },
      edits: Array.from({ length: 12 }, (_, i) => ({ action: 'c2pa.edited', actor: i % 2 ? 'ai' : 'human', when: '2025-01-01T00:00:00Z', description: `step ${i} with "quotes" and \\ slashes` })),
      rights: { royalties: [{ payee: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', bps: 10000 }] },
      numbers: [0.1, 1e21, -5, 123.456],
    })
    expect(doc.length).toBeGreaterThan(1500)
    expect(doc.length).toBeLessThan(2600)
    expect(parseJson(doc)).toEqual(JSON.parse(doc))
  })
})
