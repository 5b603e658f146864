import path from 'node:path'
import { type VerifyReport, defaultHome, openApp, verifyFile, verifyOffline } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, exitCodes, printJson } from '../output.js'

export const help = `mintmark verify <file> [--bundle BUNDLE.json [--offline]] [--log-key KEY]... [--json]
  Hashes the file, finds its record and verifies it: content address, creator signature, log
  inclusion, checkpoint signature. Exit 0 only when the verdict is "verified".
  With --bundle --offline nothing but the bundle is used (no store, no network).
  --log-key pins the log verifier key(s) to trust (offline default: the bundle's own, not pinned).`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    bundle: { type: 'string' },
    offline: { type: 'boolean' },
    'log-key': { type: 'string', multiple: true },
  })
  if (positionals.length !== 1 && !(values.bundle && positionals.length === 0)) throw usage('verify takes one file (or --bundle alone).')
  if (values.offline && !values.bundle) throw usage('--offline needs --bundle: without a bundle there is nothing to verify against.')
  const file = positionals[0] === undefined ? undefined : path.resolve(io.cwd, positionals[0])
  let report: VerifyReport
  if (values.bundle) {
    const trusted = values['log-key']
    report = await verifyOffline({ file, bundlePath: path.resolve(io.cwd, values.bundle), ...(trusted ? { trustedLogKeys: trusted } : {}) })
  } else {
    const ctx = await openApp({ home: values.home ?? defaultHome(io.env) })
    try {
      report = await verifyFile(ctx, file as string)
    } finally {
      ctx.close()
    }
  }
  if (values.json) printJson(io, report)
  else io.stdout(formatReport(report))
  return report.verdict === 'verified' ? exitCodes.ok : exitCodes.notVerified
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
  for (const c of r.checks) lines.push(`  ${marks[c.status]} ${c.code.padEnd(21)} ${c.detail}${c.error ? ` [${c.error}]` : ''}`)
  return `${lines.join('\n')}\n`
}
