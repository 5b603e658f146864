import { chainStatus, defaultHome, openApp } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark chain status [--chain NAME]... [--json]
  Per chain: name, chain id, RPC (path and query hidden), reachable, head block, the contracts and
  whether code is there, the log's latest anchor on that chain next to the local latest
  checkpoint, and the anchors table's pending/included/final counts. With no chain configured,
  the local dev chain is started for the call.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { chain: { type: 'string', multiple: true } })
  if (positionals[0] !== 'status' || positionals.length !== 1) throw usage('usage: mintmark chain status [--chain NAME]... [--json]')
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    const status = await chainStatus(ctx, { chains: values.chain })
    if (values.json) printJson(io, status)
    else {
      const local = status.local ? `size ${status.local.size} root ${status.local.rootHash}` : 'no checkpoint yet'
      io.stdout(`log ${status.logId}\nlocal latest checkpoint: ${local}\n`)
      for (const c of status.chains) {
        io.stdout(`\n${c.name} (chain ${c.chainId})${c.dev ? ' [local dev chain]' : ''}\n  rpc        ${c.rpc}\n`)
        if (!c.reachable) io.stdout(`  reachable  no: ${c.error?.code} ${c.error?.message}\n`)
        else {
          const code = (x: boolean | null) => (x ? 'code ok' : 'NO CODE')
          io.stdout(`  reachable  yes, head block ${c.headBlock}\n`)
          io.stdout(`  anchor     ${c.contracts.anchor.address} (${code(c.contracts.anchor.hasCode)})\n`)
          io.stdout(`  licenses   ${c.contracts.licenses.address} (${code(c.contracts.licenses.hasCode)})\n`)
          io.stdout(
            `  anchored   ${c.anchored ? `size ${c.anchored.treeSize} root ${c.anchored.rootHash}` : 'nothing yet'}${c.upToDate ? ' (up to date)' : status.local ? ' (behind the local checkpoint)' : ''}\n`,
          )
        }
        io.stdout(`  anchors    ${c.counts.pending} pending, ${c.counts.included} included, ${c.counts.final} final\n`)
        if (c.lastError) io.stdout(`  pending    size ${c.lastError.treeSize}: ${c.lastError.code} ${c.lastError.message}\n`)
      }
    }
    return 0
  } finally {
    await ctx.close()
  }
}
