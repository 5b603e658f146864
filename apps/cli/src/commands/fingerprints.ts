import { defaultHome, openApp, reindexFingerprints, requireSqlite } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, exitCodes, printJson } from '../output.js'

export const help = `mintmark fingerprints reindex [--json]
  Computes the perceptual fingerprints register stores today (PDQ of the image, of its 5% and 10%
  centre crops, and of its equalised luma) for every registered image that is missing any, from
  its stored blob, and stores the missing ones. Restartable: a re-run adds nothing. A blob that
  cannot be read or decoded is reported and skipped. Exit 0 when nothing failed, 3 otherwise.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {})
  const [action, ...extra] = positionals
  if (action !== 'reindex' || extra.length) throw usage('usage: mintmark fingerprints reindex')
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    let lastDraw = 0
    const r = await reindexFingerprints({ store: requireSqlite(ctx, 'fingerprints reindex'), blobs: ctx.blobs }, {
      onProgress: ({ scanned, total }) => {
        if (!io.isTTY) return
        const now = Date.now()
        if (now - lastDraw < 100 && scanned < total) return
        lastDraw = now
        io.stderr(`\rreindex: ${scanned}/${total} assets   `)
      },
    })
    if (io.isTTY && r.scanned > 0) io.stderr('\n')
    if (values.json) printJson(io, r)
    else {
      io.stdout(
        `${r.scanned} assets scanned: ${r.updated} updated (${r.fingerprintsAdded} fingerprints added), ${r.complete} already complete, ${r.skippedNotImages} not images, ${r.failed.length} failed\n`,
      )
      for (const f of r.failed) io.stdout(`  ${f.cid}  ${f.code}: ${f.message}\n`)
    }
    return r.failed.length ? exitCodes.internal : exitCodes.ok
  } finally {
    await ctx.close()
  }
}
