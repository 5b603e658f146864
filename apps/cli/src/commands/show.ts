import { defaultHome, openApp, showAsset } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark show <cid> [--json]
  The record of an asset: its statement, every claim on it, parents and children, its log entry.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {})
  if (positionals.length !== 1) throw usage('show takes one CID.')
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env) })
  try {
    const r = await showAsset(ctx, positionals[0] as string)
    if (values.json) printJson(io, r)
    else {
      const s = r.statement
      const lines = [`asset    ${r.asset.cid}`, `         ${r.asset.mediaType}, ${r.asset.size} bytes, sha256 ${r.asset.sha256}`]
      if (s) {
        lines.push(`creator  ${s.creator}`, `created  ${s.createdAt}`, `source   ${s.digitalSourceType}`)
        if (s.generation) lines.push(`model    ${s.generation.model.name}@${s.generation.model.version}${s.generation.model.weightsHash ? ` (weights ${s.generation.model.weightsHash})` : ''}`)
        if (s.datasets?.length) lines.push(`datasets ${s.datasets.map((d) => ('cid' in d && d.cid) || ('id' in d && d.id)).join(', ')}`)
        lines.push(`licence  ${'spdx' in s.rights.license ? s.rights.license.spdx : 'custom terms'}`)
        lines.push(`royalty  ${s.rights.royalties.map((x) => `${x.payee}=${x.bps / 100}%`).join(', ')}`)
      }
      for (const p of r.lineage.parents) lines.push(`parent   ${p.cid} (${p.relation})`)
      for (const c of r.lineage.children) lines.push(`child    ${c.cid} (${c.relation})`)
      for (const c of r.claims) lines.push(`claim    log #${c.logIndex} by ${c.creator} at ${c.createdAt}${c.prior.length ? ` (after #${c.prior.map((p) => p.index).join(', #')})` : ''}`)
      for (const f of r.fingerprints) lines.push(`${f.algorithm.padEnd(9)}${f.hash} (quality ${f.quality})`)
      if (r.c2pa) {
        const c = r.c2pa
        lines.push(`c2pa     ${c.valid ? 'valid' : `NOT valid: ${c.validationStatus.join(', ')}`} (imported evidence from the registered file)`)
        lines.push(`         generator ${c.claimGenerator}${c.signer ? `, signed by ${c.signer.subject}` : ''}`)
        if (c.digitalSourceType) lines.push(`         source ${c.digitalSourceType}`)
        for (const a of c.actions) lines.push(`         action ${a.action}${a.softwareAgent ? ` by ${a.softwareAgent}` : ''}`)
        for (const i of c.ingredients) lines.push(`         ingredient ${i.title ?? '?'} (${i.relationship})`)
      }
      lines.push(`log      ${r.log.origin}, size ${r.log.treeSize}${r.log.checkpointSize ? `, in checkpoint ${r.log.checkpointSize}` : ''}`)
      io.stdout(`${lines.join('\n')}\n`)
    }
    return 0
  } finally {
    ctx.close()
  }
}
