import { defaultHome, freezeLog, logCheckpoint, logConsistency, logProve, openApp } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark log checkpoint            the latest signed checkpoint (C2SP signed note)
mintmark log prove <cid|index>      inclusion proof at the latest checkpoint
mintmark log consistency <old> <new> consistency proof between two tree sizes
mintmark log freeze [--reason TEXT]  sign a final checkpoint and take no more entries (retiring the log key)`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { reason: { type: 'string' } })
  const [sub, a, b] = positionals
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env) })
  try {
    if (sub === 'checkpoint' && positionals.length === 1) {
      const c = await logCheckpoint(ctx)
      if (values.json) printJson(io, c)
      else io.stdout(c.note)
    } else if (sub === 'prove' && a && positionals.length === 2) {
      const p = await logProve(ctx, a)
      if (values.json) printJson(io, p)
      else io.stdout(`index ${p.logIndex} of ${p.treeSize}\nleaf  ${p.leafHash}\nroot  ${p.rootHash}\n${p.hashes.map((h, i) => `  ${i} ${h}`).join('\n')}\n`)
    } else if (sub === 'consistency' && a && b && positionals.length === 3) {
      const p = await logConsistency(ctx, Number(a), Number(b))
      if (values.json) printJson(io, p)
      else io.stdout(`${p.oldSize} → ${p.newSize}\nold root ${p.oldRoot}\nnew root ${p.newRoot}\n${p.hashes.map((h, i) => `  ${i} ${h}`).join('\n')}\n`)
    } else if (sub === 'freeze' && positionals.length === 1) {
      const f = await freezeLog(ctx, { reason: values.reason })
      if (values.json) printJson(io, f)
      else
        io.stdout(
          `${f.alreadyFrozen ? 'Already frozen' : 'Frozen'} at size ${f.size} (${f.frozenAt}); root ${f.rootHash}\nfinal checkpoint:\n${f.note}` +
            (f.alreadyFrozen ? '' : 'Anchor it (mintmark anchor) and start the next log: docs/deployment.md, "Rotating the log key".\n'),
        )
    } else throw usage(`usage:\n${help}`)
    return 0
  } finally {
    ctx.close()
  }
}
