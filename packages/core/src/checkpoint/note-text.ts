// Shared syntax rules of C2SP signed-note (https://c2sp.org/signed-note).

/** Go's unicode.IsSpace set (the Unicode White_Space property), which key names must avoid. */
const unicodeSpace = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u
const controlChar = /[\u0000-\u0009\u000b-\u001f]/
const loneSurrogate = /\p{Cs}/u

/** Key names: non-empty, well-formed, no Unicode spaces, no plus (U+002B). */
export function isValidNoteKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !loneSurrogate.test(name) &&
    !unicodeSpace.test(name) &&
    !name.includes('+') &&
    !controlChar.test(name)
  )
}

/** Why a string cannot appear in a note (not UTF-8-encodable, or a control character), if it cannot. */
export function noteCharsProblem(text: string): string | undefined {
  if (loneSurrogate.test(text)) return 'it contains a lone UTF-16 surrogate, which is not valid UTF-8'
  const m = controlChar.exec(text)
  if (m) return `it contains the control character U+${(m[0].codePointAt(0) as number).toString(16).padStart(4, '0')} at offset ${m.index}`
  return undefined
}

export function isUint32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff
}

export function uint32ToBytes(n: number): Uint8Array {
  return new Uint8Array([Math.floor(n / 0x1000000) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])
}

export function bytesToUint32(b: Uint8Array): number {
  return ((b[0] as number) * 0x1000000 + ((b[1] as number) << 16) + ((b[2] as number) << 8) + (b[3] as number)) >>> 0
}

export function hex8(n: number): string {
  return n.toString(16).padStart(8, '0')
}

export const signaturePrefix = '\u2014 ' // em dash, space

/** C2SP lets verifiers cap the number of signatures (at least 16); Go's note package uses 100. */
export const maxNoteSignatures = 100

export const utf8 = new TextEncoder()
