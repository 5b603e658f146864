import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { defaultHome, exportBundle, exportC2pa, openApp, readPemFile } from '@mintmark/app'
import { MintmarkError, bundleToJSON } from '@mintmark/core'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark export bundle <cid> [--index N] [-o FILE]
  Writes the provenance bundle (statement, signature, inclusion proof, signed checkpoint, anchors)
  to stdout or FILE. It verifies offline with \`mintmark verify FILE --bundle B --offline\`.
mintmark export c2pa <cid> -o OUT.jpg --cert CHAIN.pem --key KEY.pem [--alg es256|ed25519|…] [--index N]
  Writes the stored image (JPEG or PNG) with a signed C2PA manifest: actions with the digital
  source type, parents as ingredients, training-and-mining from the rights, soft bindings (PDQ
  hash, watermark payload) and org.mintmark.reference (statement hash, log index, CID, bundle).
  --cert is the signing certificate then its intermediates (PEM); --key a PKCS#8 PEM key.
  \`mintmark verify OUT.jpg\` finds the record again through the reference.`

const algs = ['es256', 'es384', 'es512', 'ps256', 'ps384', 'ps512', 'ed25519'] as const

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    index: { type: 'string' },
    output: { type: 'string', short: 'o' },
    cert: { type: 'string' },
    key: { type: 'string' },
    alg: { type: 'string' },
  })
  const [what, cid] = positionals
  if ((what !== 'bundle' && what !== 'c2pa') || !cid || positionals.length !== 2) throw usage('usage: mintmark export bundle|c2pa <cid> [-o FILE]')
  const index = values.index === undefined ? undefined : Number(values.index)
  if (index !== undefined && !Number.isSafeInteger(index)) throw usage('--index must be a whole number.')
  if (what === 'bundle' && (values.cert || values.key || values.alg)) throw usage('--cert, --key and --alg are for export c2pa.')
  if (what === 'c2pa') {
    if (!values.output || !values.cert || !values.key) throw usage('export c2pa needs -o OUT, --cert CHAIN.pem and --key KEY.pem.')
    const alg = (values.alg ?? 'es256').toLowerCase()
    if (!(algs as readonly string[]).includes(alg)) throw usage(`--alg must be one of ${algs.join(', ')}; got ${JSON.stringify(values.alg)}.`)
    const signer = {
      certificateChainPem: await readPemFile(path.resolve(io.cwd, values.cert), 'certificate chain'),
      privateKeyPem: await readPemFile(path.resolve(io.cwd, values.key), 'private key'),
      alg: alg as (typeof algs)[number],
    }
    const out = path.resolve(io.cwd, values.output)
    const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
    try {
      const r = await exportC2pa(ctx, cid, { signer, ...(index === undefined ? {} : { logIndex: index }) })
      await writeFileAtomic(out, r.bytes)
      const summary = { out, cid: r.cid, logIndex: r.logIndex, statementHash: r.statementHash, mediaType: r.mediaType, size: r.bytes.length, softBinding: r.softBinding }
      if (values.json) printJson(io, summary)
      else
        io.stdout(
          `wrote ${path.relative(io.cwd, out)}  C2PA manifest for ${r.cid} (log #${r.logIndex}, statement ${r.statementHash.slice(0, 16)}…)${
            r.softBinding.pdqHash ? '\n  soft binding: PDQ' : ''
          }${r.softBinding.watermarkPayload ? `, watermark payload ${r.softBinding.watermarkPayload}` : ''}\n`,
        )
      return 0
    } finally {
      await ctx.close()
    }
  }
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env) })
  try {
    const text = bundleToJSON(await exportBundle(ctx, cid, index))
    if (values.output) {
      const out = path.resolve(io.cwd, values.output)
      await fsp.writeFile(out, text)
      if (!values.json) io.stderr(`wrote ${out}\n`)
    } else io.stdout(text)
    return 0
  } finally {
    ctx.close()
  }
}

async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await fsp.writeFile(tmp, bytes)
    await fsp.rename(tmp, file)
  } catch (cause) {
    await fsp.rm(tmp, { force: true })
    throw new MintmarkError('FILE_NOT_WRITABLE', `Cannot write ${file}.`, { cause })
  }
}
