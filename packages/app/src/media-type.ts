/** Media types recognised from a file's first bytes; anything else is application/octet-stream. */
const signatures: { type: string; test: (b: Uint8Array) => boolean }[] = [
  { type: 'image/png', test: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', test: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  { type: 'image/gif', test: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') },
  { type: 'image/webp', test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  { type: 'image/avif', test: (b) => ascii(b, 4, 'ftypavif') || ascii(b, 4, 'ftypavis') },
  { type: 'image/tiff', test: (b) => starts(b, [0x49, 0x49, 0x2a, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { type: 'audio/wav', test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE') },
  { type: 'audio/mpeg', test: (b) => ascii(b, 0, 'ID3') },
  { type: 'audio/flac', test: (b) => ascii(b, 0, 'fLaC') },
  { type: 'audio/ogg', test: (b) => ascii(b, 0, 'OggS') },
  { type: 'video/mp4', test: (b) => ascii(b, 4, 'ftyp') },
  { type: 'video/webm', test: (b) => starts(b, [0x1a, 0x45, 0xdf, 0xa3]) },
  { type: 'model/gltf-binary', test: (b) => ascii(b, 0, 'glTF') },
  { type: 'application/pdf', test: (b) => ascii(b, 0, '%PDF-') },
  { type: 'application/zip', test: (b) => starts(b, [0x50, 0x4b, 0x03, 0x04]) },
]

const byExtension: Record<string, string> = {
  safetensors: 'application/vnd.safetensors',
  gguf: 'application/vnd.gguf',
  txt: 'text/plain',
  md: 'text/markdown',
  json: 'application/json',
  csv: 'text/csv',
  obj: 'model/obj',
}

/** Sniffs the media type from magic bytes, falling back to a few extensions. */
export function sniffMediaType(header: Uint8Array, filename = ''): string {
  for (const s of signatures) if (s.test(header)) return s.type
  const ext = filename.toLowerCase().split('.').pop() ?? ''
  return byExtension[ext] ?? 'application/octet-stream'
}

function starts(b: Uint8Array, prefix: number[]): boolean {
  return b.length >= prefix.length && prefix.every((v, i) => b[i] === v)
}

function ascii(b: Uint8Array, offset: number, text: string): boolean {
  if (b.length < offset + text.length) return false
  for (let i = 0; i < text.length; i++) if (b[offset + i] !== text.charCodeAt(i)) return false
  return true
}
