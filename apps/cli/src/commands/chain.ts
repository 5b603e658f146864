import { defaultHome, openApp } from '@mintmark/app'
import { type ChainEventCounts, chainStatus, syncChainIndex } from '@mintmark/app/chain'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark chain status [--chain NAME]... [--json]
  Per chain: name, chain id, RPC (path and query hidden), reachable, head block, the contracts and
  whether code is there, the log's latest anchor on that chain next to the local latest
  checkpoint, and the anchors table's pending/included/final counts. With no chain configured,
  the local dev chain is started for the call.

mintmark chain sync [--chain NAME]... [--json]
  Indexes the Anchor and Licenses contract events of each chain into the store, up to the head,
  rolling back what a reorg dropped. Per chain: head, last block indexed, events added, the reorg
  met (if any), and the indexed events by name, final (confirmations deep) or not. A chain that
  fails reports its error; the others are still indexed (exit code 1 if any failed).`

const usageText = 'usage: mintmark chain status|sync [--chain NAME]... [--json]'

function formatCounts(events: ChainEventCounts): string {
  const names = Object.entries(events.byName)
    .map(([name, c]) => `${name} ${c.final} final${c.notFinal ? ` + ${c.notFinal} not final` : ''}`)
    .join(', ')
  return `${events.total} (${events.final} final, ${events.notFinal} not final)${names ? `: ${names}` : ''}`
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { chain: { type: 'string', multiple: true } })
  if ((positionals[0] !== 'status' && positionals[0] !== 'sync') || positionals.length !== 1) throw usage(usageText)
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    if (positionals[0] === 'sync') {
      const result = await syncChainIndex(ctx, { chains: values.chain })
      if (values.json) printJson(io, result)
      else
        for (const c of result.chains) {
          io.stdout(`${c.chain} (chain ${c.chainId})\n`)
          if (!c.ok) {
            io.stdout(`  failed     ${c.error.code} ${c.error.message}\n`)
            continue
          }
          io.stdout(`  head       ${c.head}, indexed to ${c.cursor} (${c.confirmations} confirmation${c.confirmations === 1 ? '' : 's'} to final)\n`)
          io.stdout(`  added      ${c.added} event${c.added === 1 ? '' : 's'}\n`)
          if (c.reorg) io.stdout(`  reorg      rolled back to block ${c.reorg.commonAncestor}, ${c.reorg.removed} event${c.reorg.removed === 1 ? '' : 's'} removed\n`)
          io.stdout(`  events     ${formatCounts(c.events)}\n`)
        }
      return result.chains.some((c) => !c.ok) ? 1 : 0
    }
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
        io.stdout(`  index      ${c.index.cursor === null ? 'never synced (mintmark chain sync)' : `to block ${c.index.cursor}, events ${formatCounts(c.index.events)}`}\n`)
      }
    }
    return 0
  } finally {
    await ctx.close()
  }
}
