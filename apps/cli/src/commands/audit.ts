import { auditStore, defaultHome, openApp } from '@mintmark/app'
import { parse } from '../args.js'
import { type Io, exitCodes, printJson } from '../output.js'

export const help = `mintmark audit [--no-blobs] [--json]
  Re-derives every leaf hash, blob hash, the tree root and every checkpoint from what is stored.
  Exit 0 when everything matches, 1 when anything does not.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { 'no-blobs': { type: 'boolean' } })
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env) })
  try {
    const r = await auditStore(ctx, { blobs: !values['no-blobs'] })
    if (values.json) printJson(io, r)
    else {
      io.stdout(`${r.ok ? 'OK' : 'PROBLEMS FOUND'}: ${r.entries} entries, ${r.blobsChecked} blobs, ${r.checkpoints} checkpoints, root ${r.root}\n`)
      for (const p of r.problems) io.stdout(`  ${p.code}: ${p.detail}\n`)
    }
    return r.ok ? exitCodes.ok : exitCodes.notVerified
  } finally {
    ctx.close()
  }
}
