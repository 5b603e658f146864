// Standard base64 (RFC 4648 §4) with padding, strict: the decoder accepts only the canonical
// encoding (no whitespace, padding required, zero pad bits), so one value has one spelling.
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const lookup = new Map<string, number>([...alphabet].map((c, i) => [c, i]))

export function toBase64(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number
    const b = i + 1 < bytes.length ? (bytes[i + 1] as number) : 0
    const c = i + 2 < bytes.length ? (bytes[i + 2] as number) : 0
    const n = (a << 16) | (b << 8) | c
    out += alphabet[(n >> 18) & 63]
    out += alphabet[(n >> 12) & 63]
    out += i + 1 < bytes.length ? alphabet[(n >> 6) & 63] : '='
    out += i + 2 < bytes.length ? alphabet[n & 63] : '='
  }
  return out
}

/** Decodes canonical padded base64, or returns undefined. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    let n = 0
    for (let j = 0; j < 4; j++) {
      const ch = text[i + j] as string
      const last = i + 4 === text.length
      if (ch === '=' && last && j >= 4 - pad) {
        n <<= 6
        continue
      }
      const v = lookup.get(ch)
      if (v === undefined) return undefined
      n = (n << 6) | v
    }
    const bytes = [(n >> 16) & 255, (n >> 8) & 255, n & 255]
    for (const b of bytes) if (o < out.length) out[o++] = b
  }
  // Non-zero pad bits would give a second spelling of the same bytes.
  if (toBase64(out) !== text) return undefined
  return out
}
