import { defaultHome, openApp } from '@mintmark/app'
import { anchor } from '@mintmark/app/chain'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark anchor [--chain NAME]... [--json]
  Signs a checkpoint if the log grew and anchors the latest checkpoint on every configured chain
  (or the named ones; with none configured, the local dev chain in <home>/chain/dev). Creates the
  log on a chain that does not know it and sends a consistency proof from the size it holds.
  A chain that fails is named in the error and left pending; the others are anchored.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { chain: { type: 'string', multiple: true } })
  if (positionals.length) throw usage('anchor takes no arguments.')
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    const result = await anchor(ctx, { chains: values.chain })
    if (values.json) printJson(io, result)
    else {
      io.stdout(`checkpoint size ${result.checkpoint.size} root ${result.checkpoint.rootHash}\n`)
      for (const c of result.chains) {
        const how =
          c.previousSize === 0
            ? `first anchor${c.createdLog ? ', log created' : ''}`
            : c.previousSize === c.treeSize
              ? 'already anchored'
              : `consistency proof from size ${c.previousSize} (${c.consistencyProofLength} hashes)`
        io.stdout(`  ${`${c.chain} (${c.chainId})`.padEnd(20)} ${c.status.padEnd(8)} block ${c.blockNumber}  tx ${c.txHash}  ${how}\n`)
      }
    }
    return 0
  } finally {
    await ctx.close()
  }
}
