import path from 'node:path'
import { defaultHome, detectWatermarkFile, embedWatermarkFile, openApp } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, exitCodes, printJson } from '../output.js'

export const help = `mintmark watermark embed <file> [-o OUT] [--index N | --payload HEX16] [--json]
mintmark watermark detect <file> [--json]
  embed   writes an invisibly watermarked copy (default <name>.wm.<ext>; the input is not changed).
          The payload is a log index: by default the file's own record (register it first), or
          --index N, or 8 raw bytes as --payload. The home's watermark key (keys/watermark.key) is
          made on first use. Images need at least 512 px on the short side.
  detect  reads this home's watermark: found, payload, the record it points to, bit accuracy and
          confidence. Exit 0 when found, 1 when not.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    output: { type: 'string', short: 'o' },
    index: { type: 'string' },
    payload: { type: 'string' },
  })
  const [action, file, ...extra] = positionals
  if ((action !== 'embed' && action !== 'detect') || !file || extra.length) throw usage('usage: mintmark watermark embed|detect <file>')
  if (action === 'detect' && (values.output || values.index || values.payload)) throw usage('detect takes only a file.')
  if (values.index !== undefined && values.payload !== undefined) throw usage('Give --index or --payload, not both.')
  const index = values.index === undefined ? undefined : Number(values.index)
  if (index !== undefined && !(Number.isSafeInteger(index) && index >= 0)) throw usage('--index must be a whole number ≥ 0.')
  const input = path.resolve(io.cwd, file)
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    if (action === 'embed') {
      const r = await embedWatermarkFile(ctx, input, {
        ...(values.output ? { out: path.resolve(io.cwd, values.output) } : {}),
        ...(values.payload !== undefined ? { payload: values.payload } : {}),
        ...(index !== undefined ? { logIndex: index } : {}),
      })
      if (values.json) printJson(io, r)
      else
        io.stdout(
          `watermarked ${path.relative(io.cwd, r.out)}  payload ${r.payload}${r.logIndex === undefined ? '' : ` (log #${r.logIndex})`}  ${r.width}×${r.height}, PSNR ${r.psnr.toFixed(1)} dB\n`,
        )
      return exitCodes.ok
    }
    const r = await detectWatermarkFile(ctx, input)
    if (values.json) printJson(io, r)
    else if (!r.found) io.stdout(`not found  (bit accuracy ${r.bitAccuracy.toFixed(3)}, pilot z ${r.pilotZ.toFixed(2)})\n`)
    else {
      const lines = [
        `found      payload ${r.payload}${r.logIndex === undefined ? '' : ` = log index ${r.logIndex}`}`,
        `           bit accuracy ${r.bitAccuracy.toFixed(3)}, confidence ${r.confidence.toFixed(6)}, pilot z ${r.pilotZ.toFixed(2)}`,
        r.record
          ? `record     ${r.record.cid}  log #${r.record.logIndex} by ${r.record.creator} at ${r.record.createdAt}`
          : 'record     none in this log at that index',
      ]
      io.stdout(`${lines.join('\n')}\n`)
    }
    return r.found ? exitCodes.ok : exitCodes.notVerified
  } finally {
    await ctx.close()
  }
}
