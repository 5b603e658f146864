/**
 * The subset of RFC 8941 structured fields that RFC 9421 (Signature-Input, Signature) and RFC 9530
 * (Content-Digest) need: dictionaries whose members are items or inner lists, with parameters.
 * Parsing is strict (RFC 8941 §4.2): anything malformed throws, and the caller rejects the header.
 */
export type BareItem = string | number | boolean | Uint8Array | Token
export type Token = { token: string }
export type Parameters = Map<string, BareItem>
export type Item = { value: BareItem; params: Parameters }
export type InnerList = { items: Item[]; params: Parameters }
export type Dictionary = Map<string, Item | InnerList>

export class StructuredFieldError extends Error {
  override name = 'StructuredFieldError'
}

export function isInnerList(member: Item | InnerList): member is InnerList {
  return 'items' in member
}

/** Parses a dictionary header value (RFC 8941 §4.2.2). */
export function parseDictionary(input: string): Dictionary {
  const p = new Parser(input)
  const dict: Dictionary = new Map()
  p.skipSP()
  if (p.done()) return dict
  for (;;) {
    const key = p.key()
    let member: Item | InnerList
    if (p.peek() === '=') {
      p.i++
      member = p.peek() === '(' ? p.innerList() : p.item()
    } else member = { value: true, params: p.parameters() }
    dict.set(key, member)
    p.skipOWS()
    if (p.done()) return dict
    if (p.peek() !== ',') throw new StructuredFieldError(`expected "," at ${p.i}`)
    p.i++
    p.skipOWS()
    if (p.done()) throw new StructuredFieldError('trailing comma')
  }
}

class Parser {
  i = 0
  constructor(readonly s: string) {
    if (s.length > 16_384) throw new StructuredFieldError('field too long')
  }
  done() {
    return this.i >= this.s.length
  }
  peek() {
    return this.s[this.i]
  }
  skipSP() {
    while (this.s[this.i] === ' ') this.i++
  }
  skipOWS() {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++
  }
  key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i))
    if (!m) throw new StructuredFieldError(`expected a key at ${this.i}`)
    this.i += m[0].length
    return m[0]
  }
  parameters(): Parameters {
    const params: Parameters = new Map()
    while (this.peek() === ';') {
      this.i++
      this.skipSP()
      const k = this.key()
      let v: BareItem = true
      if (this.peek() === '=') {
        this.i++
        v = this.bareItem()
      }
      params.set(k, v)
    }
    return params
  }
  item(): Item {
    const value = this.bareItem()
    return { value, params: this.parameters() }
  }
  innerList(): InnerList {
    this.i++ // (
    const items: Item[] = []
    for (;;) {
      this.skipSP()
      if (this.peek() === ')') {
        this.i++
        return { items, params: this.parameters() }
      }
      items.push(this.item())
      const c = this.peek()
      if (c !== ' ' && c !== ')') throw new StructuredFieldError(`bad inner list at ${this.i}`)
    }
  }
  bareItem(): BareItem {
    const c = this.peek()
    if (c === undefined) throw new StructuredFieldError('unexpected end')
    if (c === '"') return this.string()
    if (c === ':') return this.bytes()
    if (c === '?') {
      const b = this.s[this.i + 1]
      if (b !== '0' && b !== '1') throw new StructuredFieldError('bad boolean')
      this.i += 2
      return b === '1'
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number()
    if (/[A-Za-z*]/.test(c)) {
      const m = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(this.s.slice(this.i)) as RegExpExecArray
      this.i += m[0].length
      return { token: m[0] }
    }
    throw new StructuredFieldError(`unexpected ${JSON.stringify(c)} at ${this.i}`)
  }
  string(): string {
    let out = ''
    this.i++
    for (;;) {
      const c = this.s[this.i++]
      if (c === undefined) throw new StructuredFieldError('unterminated string')
      if (c === '\\') {
        const n = this.s[this.i++]
        if (n !== '"' && n !== '\\') throw new StructuredFieldError('bad escape')
        out += n
      } else if (c === '"') return out
      else {
        const code = c.charCodeAt(0)
        if (code < 0x20 || code > 0x7e) throw new StructuredFieldError('non-ASCII in string')
        out += c
      }
    }
  }
  bytes(): Uint8Array {
    const end = this.s.indexOf(':', this.i + 1)
    if (end < 0) throw new StructuredFieldError('unterminated byte sequence')
    const b64 = this.s.slice(this.i + 1, end)
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new StructuredFieldError('bad base64')
    this.i = end + 1
    return new Uint8Array(Buffer.from(b64, 'base64'))
  }
  number(): number {
    const m = /^-?\d{1,15}(\.\d{1,3})?/.exec(this.s.slice(this.i))
    if (!m) throw new StructuredFieldError('bad number')
    this.i += m[0].length
    return Number(m[0])
  }
}

/** Serialises a bare item (RFC 8941 §4.1.3). */
export function serializeBareItem(v: BareItem): string {
  if (typeof v === 'string') {
    if (!/^[\x20-\x7e]*$/.test(v)) throw new StructuredFieldError('strings must be printable ASCII')
    return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new StructuredFieldError('only integers are serialised here')
    return String(v)
  }
  if (typeof v === 'boolean') return v ? '?1' : '?0'
  if (v instanceof Uint8Array) return `:${Buffer.from(v).toString('base64')}:`
  return v.token
}

export function serializeParameters(params: Parameters): string {
  let out = ''
  for (const [k, v] of params) out += v === true ? `;${k}` : `;${k}=${serializeBareItem(v)}`
  return out
}

export function serializeInnerList(list: InnerList): string {
  return `(${list.items.map((i) => serializeBareItem(i.value) + serializeParameters(i.params)).join(' ')})${serializeParameters(list.params)}`
}
