import path from 'node:path'
import { type VerifyReport, defaultHome, openApp, readPemFile, verifyFile, verifyOffline } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, exitCodes, printJson } from '../output.js'

export const help = `mintmark verify <file> [--bundle BUNDLE.json [--offline]] [--log-key KEY]... [--rpc CHAINID=URL]... [--json]
  Hashes the file, finds its record and verifies it: content address, creator signature, log
  inclusion, checkpoint signature, and each chain anchor. Exit 0 only when the verdict is "verified".
  With --bundle --offline nothing but the bundle is used (no store; the network only for --rpc).
  --log-key pins the log verifier key(s) to trust (offline default: the bundle's own, not pinned).
  --rpc checks the anchors on that chain (the local verify uses the home's chains by default);
  an anchor whose chain has no RPC is skipped, one whose root or block does not match fails.
  An image with no exact record is looked up by the C2PA reference it carries, this home's
  watermark and its PDQ fingerprint: matches are listed as CANDIDATES (each with its own record
  verified), never as a verified result: the verdict stays "unknown".
  --c2pa-trust PEM trusts C2PA signers chaining to these certificates (repeatable).`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    bundle: { type: 'string' },
    offline: { type: 'boolean' },
    'log-key': { type: 'string', multiple: true },
    rpc: { type: 'string', multiple: true },
    'c2pa-trust': { type: 'string', multiple: true },
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
      const anchors = await Promise.all((values['c2pa-trust'] ?? []).map((f) => readPemFile(path.resolve(io.cwd, f), 'C2PA trust anchor')))
      report = await verifyFile(ctx, file as string, { rpc, ...(anchors.length ? { c2paTrustAnchorsPem: anchors } : {}) })
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
  if (r.candidates) {
    lines.push(
      r.candidates.length
        ? `CANDIDATES (not verified matches: records this file may derive from; its own bytes have no record):`
        : 'candidates: none (no C2PA reference, watermark or similar image leads to a record)',
    )
    for (const c of r.candidates) {
      const measure = c.evidence === 'fingerprint' ? `distance ${c.distance}/256` : c.evidence === 'watermark' ? `bit accuracy ${c.bitAccuracy?.toFixed(3)}` : 'reference'
      lines.push(`  [${c.evidence}] ${c.cid}  log #${c.logIndex}  ${measure}  record ${c.record.verdict}`, `      ${c.detail}`)
    }
  }
  if (r.c2pa) {
    const c = r.c2pa
    lines.push(`c2pa:    ${c.valid ? 'valid' : `NOT valid (${c.validationStatus.join(', ')})`}  imported evidence, signed by ${c.signer?.subject ?? 'unknown'}${c.signer?.trusted === undefined ? '' : c.signer.trusted ? ' (trusted)' : ' (untrusted)'}`)
    lines.push(`         generator ${c.claimGenerator}${c.digitalSourceType ? `, source ${c.digitalSourceType.split('/').pop()}` : ''}`)
    if (c.actions.length) lines.push(`         actions ${c.actions.map((a) => a.action).join(', ')}`)
    if (c.ingredients.length) lines.push(`         ingredients ${c.ingredients.map((i) => `${i.title ?? '?'} (${i.relationship})`).join(', ')}`)
    if (c.mintmark) lines.push(`         mintmark reference: log #${c.mintmark.logIndex ?? '?'} statement ${String(c.mintmark.statementHash ?? '?').slice(0, 16)}…`)
  }
  return `${lines.join('\n')}\n`
}
