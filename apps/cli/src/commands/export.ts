import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { defaultHome, exportBundle, openApp } from '@mintmark/app'
import { bundleToJSON } from '@mintmark/core'
import { parse, usage } from '../args.js'
import type { Io } from '../output.js'

export const help = `mintmark export bundle <cid> [--index N] [-o FILE]
  Writes the provenance bundle (statement, signature, inclusion proof, signed checkpoint, anchors)
  to stdout or FILE. It verifies offline with \`mintmark verify FILE --bundle B --offline\`.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { index: { type: 'string' }, output: { type: 'string', short: 'o' } })
  const [what, cid] = positionals
  if (what !== 'bundle' || !cid || positionals.length !== 2) throw usage('usage: mintmark export bundle <cid> [-o FILE]')
  const index = values.index === undefined ? undefined : Number(values.index)
  if (index !== undefined && !Number.isSafeInteger(index)) throw usage('--index must be a whole number.')
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env) })
  try {
    const text = bundleToJSON(await exportBundle(ctx, cid, index))
    if (values.output) {
      const out = path.resolve(io.cwd, values.output)
      await fsp.writeFile(out, text)
      if (!values.json) io.stderr(`wrote ${out}\n`)
    } else io.stdout(text)
    return 0
  } finally {
    ctx.close()
  }
}
