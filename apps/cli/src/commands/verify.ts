import path from 'node:path'
import { type VerifyReport, defaultHome, openApp, verifyFile, verifyOffline } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, exitCodes, printJson } from '../output.js'

export const help = `mintmark verify <file> [--bundle BUNDLE.json [--offline]] [--log-key KEY]... [--rpc CHAINID=URL]... [--json]
  Hashes the file, finds its record and verifies it: content address, creator signature, log
  inclusion, checkpoint signature, and each chain anchor. Exit 0 only when the verdict is "verified".
  With --bundle --offline nothing but the bundle is used (no store; the network only for --rpc).
  --log-key pins the log verifier key(s) to trust (offline default: the bundle's own, not pinned).
  --rpc checks the anchors on that chain (the local verify uses the home's chains by default);
  an anchor whose chain has no RPC is skipped, one whose root or block does not match fails.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    bundle: { type: 'string' },
    offline: { type: 'boolean' },
    'log-key': { type: 'string', multiple: true },
    rpc: { type: 'string', multiple: true },
  })
  const rpc = parseRpc(values.rpc ?? [])
  if (positionals.length !== 1 && !(values.bundle && positionals.length === 0)) throw usage('verify takes one file (or --bundle alone).')
  if (values.offline && !values.bundle) throw usage('--offline needs --bundle: without a bundle there is nothing to verify against.')
  const file = positionals[0] === undefined ? undefined : path.resolve(io.cwd, positionals[0])
  let report: VerifyReport
  if (values.bundle) {
    const trusted = values['log-key']
    report = await verifyOffline({ file, bundlePath: path.resolve(io.cwd, values.bundle), rpc, ...(trusted ? { trustedLogKeys: trusted } : {}) })
  } else {
    const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
    try {
      report = await verifyFile(ctx, file as string, { rpc })
    } finally {
      await ctx.close()
    }
  }
  if (values.json) printJson(io, report)
  else io.stdout(formatReport(report))
  return report.verdict === 'verified' ? exitCodes.ok : exitCodes.notVerified
}

/** `--rpc 8453=https://…` (repeatable) to a map by chain id. */
function parseRpc(values: readonly string[]): Record<number, string> {
  const rpc: Record<number, string> = {}
  for (const v of values) {
    const m = /^(\d+)=(\S+)$/.exec(v)
    if (!m || !/^(https?|wss?):\/\//.test(m[2] as string)) throw usage(`--rpc takes CHAINID=URL (an http(s) or ws(s) URL); got ${JSON.stringify(v)}.`)
    rpc[Number(m[1])] = m[2] as string
  }
  return rpc
}

const marks = { pass: '✓', fail: '✗', skip: '–' } as const

export function formatReport(r: VerifyReport): string {
  const lines = [`verdict: ${r.verdict.toUpperCase()}`]
  if (r.asset) lines.push(`asset:   ${r.asset.cid} (${r.asset.mediaType}, ${r.asset.size} bytes)`)
  if (r.statement) {
    const s = r.statement
    lines.push(`creator: ${s.creator}`, `created: ${s.createdAt}   source: ${s.digitalSourceType}`)
    if (s.generation) lines.push(`model:   ${s.generation.model.name}@${s.generation.model.version}`)
    if (s.parents?.length) lines.push(`parents: ${s.parents.map((p) => `${p.cid} (${p.relation})`).join(', ')}`)
  }
  if (r.claims && r.claims.length > 1) lines.push(`claims:  ${r.claims.length} (first is verified; later ones point back at it)`)
  // Per chain: is the statement's checkpoint anchored there, and in which block.
  for (const c of r.checks.filter((c) => c.code === 'CHAIN_ANCHOR')) lines.push(`anchor:  ${marks[c.status]} ${c.detail}`)
  for (const c of r.checks) lines.push(`  ${marks[c.status]} ${c.code.padEnd(21)} ${c.detail}${c.error ? ` [${c.error}]` : ''}`)
  return `${lines.join('\n')}\n`
}
