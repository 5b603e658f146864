import { MintmarkError } from '../errors/base.js'

export type ParseJsonOptions = {
  /** Deepest nesting of arrays and objects accepted (default 128). */
  maxDepth?: number | undefined
}

/** The error `parseJson` throws: `JSON_INVALID` for bad syntax or limits, `JCS_INVALID` for I-JSON violations. */
export class JsonParseError extends MintmarkError<'JSON_INVALID' | 'JCS_INVALID'> {
  override name = 'JsonParseError'
  /** Offset in UTF-16 code units where the problem was found. */
  readonly position: number

  constructor(code: 'JSON_INVALID' | 'JCS_INVALID', reason: string, text: string, position: number) {
    const { line, column } = lineAndColumn(text, position)
    super(code, code === 'JCS_INVALID' ? `JSON is not I-JSON (RFC 7493): ${reason}.` : `Invalid JSON: ${reason}.`, {
      details: `at offset ${position} (line ${line}, column ${column})`,
    })
    this.position = position
  }
}

export type ParseJsonErrorType = JsonParseError

const defaultMaxDepth = 128

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(position, text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: end - lineStart + 1 }
}

/**
 * Parses JSON text strictly as I-JSON (RFC 7493), the input domain of RFC 8785: no duplicate
 * object keys, no lone surrogates (raw or escaped), no numbers outside IEEE-754 double range,
 * no byte-order mark, bounded nesting. Never throws anything but {@link JsonParseError}.
 *
 * @example
 * parseJson('{"a":1}') // { a: 1 }
 * parseJson('{"a":1,"a":2}') // throws JCS_INVALID (duplicate key)
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): unknown {
  if (typeof text !== 'string') throw new JsonParseError('JSON_INVALID', 'input is not a string', '', 0)
  const parser = new Parser(text, options.maxDepth ?? defaultMaxDepth)
  return parser.parseDocument()
}

// Character codes used by the scanner.
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const LBRACE = 0x7b
const RBRACE = 0x7d
const LBRACKET = 0x5b
const RBRACKET = 0x5d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10
  return -1
}

// A private class keeps the cursor in a field, which V8 optimises well; it never escapes.
class Parser {
  private pos = 0
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  private fail(code: 'JSON_INVALID' | 'JCS_INVALID', reason: string, at = this.pos): never {
    throw new JsonParseError(code, reason, this.text, at)
  }

  parseDocument(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) this.fail('JSON_INVALID', 'byte-order mark is not allowed', 0)
    this.skipWs()
    const value = this.parseValue(0)
    this.skipWs()
    if (this.pos < this.text.length) this.fail('JSON_INVALID', 'unexpected data after the JSON value')
    return value
  }

  private skipWs(): void {
    const t = this.text
    let p = this.pos
    while (p < t.length && isWs(t.charCodeAt(p))) p++
    this.pos = p
  }

  private parseValue(depth: number): unknown {
    const t = this.text
    if (this.pos >= t.length) this.fail('JSON_INVALID', 'unexpected end of input')
    const c = t.charCodeAt(this.pos)
    switch (c) {
      case LBRACE:
        return this.parseObject(depth + 1)
      case LBRACKET:
        return this.parseArray(depth + 1)
      case QUOTE:
        return this.parseString()
      case 0x74: // t
        return this.parseLiteral('true', true)
      case 0x66: // f
        return this.parseLiteral('false', false)
      case 0x6e: // n
        return this.parseLiteral('null', null)
      default:
        if (c === MINUS || (c >= ZERO && c <= NINE)) return this.parseNumber()
        return this.fail('JSON_INVALID', `unexpected character ${describeChar(c)}`)
    }
  }

  private parseLiteral<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('JSON_INVALID', 'invalid literal')
    this.pos += word.length
    return value
  }

  private enter(depth: number): void {
    if (depth > this.maxDepth) this.fail('JSON_INVALID', `nesting deeper than ${this.maxDepth}`)
  }

  private parseObject(depth: number): Record<string, unknown> {
    this.enter(depth)
    const t = this.text
    const obj: Record<string, unknown> = {}
    this.pos++ // {
    this.skipWs()
    if (t.charCodeAt(this.pos) === RBRACE) {
      this.pos++
      return obj
    }
    for (;;) {
      if (t.charCodeAt(this.pos) !== QUOTE) this.fail('JSON_INVALID', 'expected a string key')
      const keyAt = this.pos
      const key = this.parseString()
      this.skipWs()
      if (t.charCodeAt(this.pos) !== COLON) this.fail('JSON_INVALID', "expected ':' after the key")
      this.pos++
      this.skipWs()
      const value = this.parseValue(depth)
      if (Object.hasOwn(obj, key)) this.fail('JCS_INVALID', `duplicate key ${JSON.stringify(key.slice(0, 64))}`, keyAt)
      // Plain assignment would set the prototype for "__proto__"; define it as data instead.
      if (key === '__proto__')
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
      else obj[key] = value
      this.skipWs()
      const c = t.charCodeAt(this.pos)
      if (c === COMMA) {
        this.pos++
        this.skipWs()
        continue
      }
      if (c === RBRACE) {
        this.pos++
        return obj
      }
      this.fail('JSON_INVALID', this.pos >= t.length ? 'unexpected end of input in object' : "expected ',' or '}'")
    }
  }

  private parseArray(depth: number): unknown[] {
    this.enter(depth)
    const t = this.text
    const arr: unknown[] = []
    this.pos++ // [
    this.skipWs()
    if (t.charCodeAt(this.pos) === RBRACKET) {
      this.pos++
      return arr
    }
    for (;;) {
      arr.push(this.parseValue(depth))
      this.skipWs()
      const c = t.charCodeAt(this.pos)
      if (c === COMMA) {
        this.pos++
        this.skipWs()
        continue
      }
      if (c === RBRACKET) {
        this.pos++
        return arr
      }
      this.fail('JSON_INVALID', this.pos >= t.length ? 'unexpected end of input in array' : "expected ',' or ']'")
    }
  }

  private parseString(): string {
    const t = this.text
    const start = ++this.pos // after the opening quote
    let p = start
    // Fast path: no escapes. Surrogates are checked pairwise as we go.
    for (;;) {
      if (p >= t.length) this.fail('JSON_INVALID', 'unterminated string', start - 1)
      const c = t.charCodeAt(p)
      if (c === QUOTE) {
        this.pos = p + 1
        return t.slice(start, p)
      }
      if (c === BACKSLASH) break
      if (c < 0x20) this.fail('JSON_INVALID', `unescaped control character ${describeChar(c)} in string`, p)
      if (c >= 0xd800 && c <= 0xdfff) p = this.checkRawSurrogate(p)
      else p++
    }
    // Slow path: build the value in pieces.
    let out = t.slice(start, p)
    for (;;) {
      if (p >= t.length) this.fail('JSON_INVALID', 'unterminated string', start - 1)
      const c = t.charCodeAt(p)
      if (c === QUOTE) {
        this.pos = p + 1
        return out
      }
      if (c === BACKSLASH) {
        const e = t.charCodeAt(p + 1)
        switch (e) {
          case QUOTE:
            out += '"'
            p += 2
            break
          case BACKSLASH:
            out += '\\'
            p += 2
            break
          case 0x2f: // /
            out += '/'
            p += 2
            break
          case 0x62: // b
            out += '\b'
            p += 2
            break
          case 0x66: // f
            out += '\f'
            p += 2
            break
          case 0x6e: // n
            out += '\n'
            p += 2
            break
          case 0x72: // r
            out += '\r'
            p += 2
            break
          case 0x74: // t
            out += '\t'
            p += 2
            break
          case 0x75: {
            // u
            const unit = this.readHex4(p + 2, p)
            if (unit >= 0xd800 && unit <= 0xdbff) {
              // A high surrogate must be followed at once by an escaped low surrogate.
              const low = t.charCodeAt(p + 6) === BACKSLASH && t.charCodeAt(p + 7) === 0x75 ? this.readHex4(p + 8, p + 6) : -1
              if (low < 0xdc00 || low > 0xdfff) this.fail('JCS_INVALID', 'lone high surrogate escape in string', p)
              out += String.fromCharCode(unit, low)
              p += 12
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
              this.fail('JCS_INVALID', 'lone low surrogate escape in string', p)
            } else {
              out += String.fromCharCode(unit)
              p += 6
            }
            break
          }
          default:
            this.fail('JSON_INVALID', 'invalid escape sequence in string', p)
        }
        continue
      }
      if (c < 0x20) this.fail('JSON_INVALID', `unescaped control character ${describeChar(c)} in string`, p)
      const runStart = p
      if (c >= 0xd800 && c <= 0xdfff) p = this.checkRawSurrogate(p)
      else p++
      // Copy the run of plain characters up to the next quote or backslash in one slice.
      for (;;) {
        if (p >= t.length) break
        const d = t.charCodeAt(p)
        if (d === QUOTE || d === BACKSLASH || d < 0x20) break
        if (d >= 0xd800 && d <= 0xdfff) p = this.checkRawSurrogate(p)
        else p++
      }
      out += t.slice(runStart, p)
    }
  }

  /** Checks a raw surrogate at `p` forms a pair; returns the offset after it. */
  private checkRawSurrogate(p: number): number {
    const t = this.text
    const c = t.charCodeAt(p)
    if (c <= 0xdbff) {
      const next = t.charCodeAt(p + 1) // NaN past the end
      if (next >= 0xdc00 && next <= 0xdfff) return p + 2
      return this.fail('JCS_INVALID', 'lone high surrogate in string', p)
    }
    return this.fail('JCS_INVALID', 'lone low surrogate in string', p)
  }

  private readHex4(at: number, escapeAt: number): number {
    const t = this.text
    let v = 0
    for (let i = 0; i < 4; i++) {
      const h = hexValue(t.charCodeAt(at + i))
      if (h < 0) this.fail('JSON_INVALID', 'invalid \\u escape in string', escapeAt)
      v = (v << 4) | h
    }
    return v
  }

  private parseNumber(): number {
    const t = this.text
    const start = this.pos
    let p = start
    let nonZeroDigit = false
    if (t.charCodeAt(p) === MINUS) p++
    let c = t.charCodeAt(p)
    if (c === ZERO) {
      p++
      const d = t.charCodeAt(p)
      if (d >= ZERO && d <= NINE) this.fail('JSON_INVALID', 'leading zeros are not allowed', start)
    } else if (c >= 0x31 && c <= NINE) {
      nonZeroDigit = true
      while (p < t.length && (c = t.charCodeAt(p)) >= ZERO && c <= NINE) p++
    } else {
      this.fail('JSON_INVALID', 'invalid number', start)
    }
    if (t.charCodeAt(p) === DOT) {
      p++
      const fracStart = p
      while (p < t.length && (c = t.charCodeAt(p)) >= ZERO && c <= NINE) {
        if (c !== ZERO) nonZeroDigit = true
        p++
      }
      if (p === fracStart) this.fail('JSON_INVALID', 'expected digits after the decimal point', start)
    }
    c = t.charCodeAt(p)
    if (c === 0x65 || c === 0x45) {
      p++
      c = t.charCodeAt(p)
      if (c === PLUS || c === MINUS) p++
      const expStart = p
      while (p < t.length && (c = t.charCodeAt(p)) >= ZERO && c <= NINE) p++
      if (p === expStart) this.fail('JSON_INVALID', 'expected digits in the exponent', start)
    }
    this.pos = p
    const value = Number(t.slice(start, p))
    if (!Number.isFinite(value)) this.fail('JCS_INVALID', 'number is outside the IEEE-754 double range', start)
    // A nonzero literal that rounds to zero has lost its magnitude: outside the range too.
    if (value === 0 && nonZeroDigit) this.fail('JCS_INVALID', 'number underflows the IEEE-754 double range', start)
    return value
  }
}

function describeChar(c: number): string {
  if (Number.isNaN(c)) return 'end of input'
  if (c < 0x20 || c > 0x7e) return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`
  return `'${String.fromCharCode(c)}'`
}
