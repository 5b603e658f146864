import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { type RegisterProgressEvent, type RegisterTemplate, defaultHome, openApp, register, registerWatermarked } from '@mintmark/app'
import { MintmarkError } from '@mintmark/core'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'
import { createProgressBar } from '../progress.js'

export const help = `mintmark register <file|dir>... [options]
  --model NAME@VERSION        generating model          --model-weights CID|SHA256   weights hash
  --model-provider NAME       who runs the model        --prompt-file FILE           prompt (hashed)
  --disclose-prompt           also record prompt text   --parameters-file FILE       generation parameters (hashed)
  --seed N                    generation seed           --software NAME@VERSION      software agent
  --dataset CID|ID ...        training datasets         --parent CID[=RELATION] ...  parentOf|componentOf|inputTo
  --source-type TYPE          IPTC digitalSourceType (default trainedAlgorithmicMedia)
  --license SPDX              licence (default CC-BY-4.0)
  --royalty PAYEE=PCT% ...    royalty split (PAYEE a did:… or 0x address; shares sum to 100%)
  --title TEXT  --description TEXT  --concurrency N  --jsonl (one JSON line per committed asset)  --json
  --workers 0|1               1: read, hash and sign on a worker thread while this one stores and commits
                              (the default from 64 files on); 0: all on one thread
  --watermark                 register a watermarked copy of each image instead of the file itself: the copy
                              carries the log index it gets (read back by \`mintmark watermark detect\` and
                              \`mintmark verify\`), is written to <name>.wm.<ext> (or into --out DIR) and its CID
                              is the one registered; the original file is not changed
  --out DIR                   where --watermark writes the copies (default: next to each original)`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    model: { type: 'string' },
    'model-weights': { type: 'string' },
    'model-provider': { type: 'string' },
    'prompt-file': { type: 'string' },
    'disclose-prompt': { type: 'boolean' },
    'parameters-file': { type: 'string' },
    seed: { type: 'string' },
    software: { type: 'string' },
    dataset: { type: 'string', multiple: true },
    parent: { type: 'string', multiple: true },
    'source-type': { type: 'string' },
    license: { type: 'string' },
    royalty: { type: 'string', multiple: true },
    title: { type: 'string' },
    description: { type: 'string' },
    concurrency: { type: 'string' },
    workers: { type: 'string' },
    jsonl: { type: 'boolean' },
    watermark: { type: 'boolean' },
    out: { type: 'string' },
  })
  if (values.out !== undefined && !values.watermark) throw usage('--out is for --watermark copies.')
  if (values.workers !== undefined && values.workers !== '0' && values.workers !== '1') throw usage('--workers is 0 or 1.')
  if (values.workers !== undefined && values.watermark) throw usage('--workers does not apply to --watermark (each copy is marked with its log index, one at a time).')
  const workers = values.workers === undefined ? undefined : (Number(values.workers) as 0 | 1)
  if (!positionals.length) throw usage('register needs at least one file or directory.')
  const template = await buildTemplate(values)
  const files = await expandInputs(positionals.map((p) => path.resolve(io.cwd, p)))
  const concurrency = values.concurrency === undefined ? undefined : positiveInt(values.concurrency, '--concurrency')
  let totalBytes = 0
  for (const f of files) totalBytes += (await fsp.stat(f)).size
  const bar = values.json || values.jsonl ? undefined : createProgressBar(io, { files: files.length, bytes: totalBytes })

  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), passphrase: io.env.MINTMARK_PASSPHRASE })
  try {
    const common = {
      ...template,
      files,
      onProgress(e: RegisterProgressEvent) {
        if (e.type === 'register:bytes:hashed') bar?.bytesHashed(e.bytes)
        else if (e.type === 'register:asset:committed') {
          bar?.fileDone()
          if (values.jsonl) io.stdout(`${JSON.stringify({ event: 'committed', ...e.asset })}\n`)
        } else if (e.type === 'register:asset:skipped') {
          bar?.fileDone()
          if (values.jsonl) io.stdout(`${JSON.stringify({ event: 'skipped', file: e.file, cid: e.cid })}\n`)
        } else if (e.type === 'register:checkpoint:signed' && values.jsonl) io.stdout(`${JSON.stringify({ event: 'checkpoint', size: e.size })}\n`)
      },
    }
    const result = values.watermark
      ? await registerWatermarked(ctx, { ...common, ...(values.out ? { outDir: path.resolve(io.cwd, values.out) } : {}) })
      : await register(ctx, { ...common, concurrency, workers })
    bar?.finish()
    if (values.json) printJson(io, result)
    else if (!values.jsonl) {
      for (const a of result.registered)
        io.stdout(
          `registered ${a.cid}  ${path.relative(io.cwd, a.file)}  (log #${a.logIndex})${'original' in a && 'payload' in a ? `  watermarked copy of ${path.relative(io.cwd, String(a.original))}, payload ${String(a.payload)}` : ''}\n`,
        )
      for (const s of result.skipped) io.stdout(`skipped    ${s.cid}  ${path.relative(io.cwd, s.file)}  (already registered)\n`)
      if (result.checkpoint) io.stdout(`checkpoint size ${result.checkpoint.size} root ${result.checkpoint.rootHash}\n`)
    }
    return 0
  } finally {
    ctx.close()
  }
}

type Values = Record<string, string | boolean | string[] | undefined>

async function buildTemplate(v: Values): Promise<RegisterTemplate> {
  const str = (k: string) => v[k] as string | undefined
  const list = (k: string) => (v[k] as string[] | undefined) ?? []
  const model = str('model')
  const generation: NonNullable<RegisterTemplate['generation']> | undefined = model
    ? {
        model: {
          ...splitAt(model, '--model'),
          ...(str('model-weights') ? { weightsHash: normaliseHash(str('model-weights') as string, '--model-weights') } : {}),
          ...(str('model-provider') ? { provider: str('model-provider') as string } : {}),
        },
        ...(await promptFields(str('prompt-file'), Boolean(v['disclose-prompt']))),
        ...(str('parameters-file') ? { parametersHash: `sha256:${bytesToHex(sha256(await readInput(str('parameters-file') as string)))}` } : {}),
        ...(str('seed') !== undefined ? { seed: str('seed') as string } : {}),
        ...(str('software') ? { softwareAgent: splitAt(str('software') as string, '--software') } : {}),
      }
    : undefined
  if (!model && (str('prompt-file') || str('model-weights'))) throw usage('--prompt-file and --model-weights need --model.')
  return {
    digitalSourceType: (str('source-type') ?? (model ? 'trainedAlgorithmicMedia' : 'digitalCapture')) as RegisterTemplate['digitalSourceType'],
    ...(generation ? { generation } : {}),
    datasets: list('dataset').map((id) => ({ id })),
    parents: list('parent').map(parseParent),
    license: { spdx: str('license') ?? 'CC-BY-4.0' },
    royalties: list('royalty').map(parseRoyalty),
    ...(str('title') ? { title: str('title') } : {}),
    ...(str('description') ? { description: str('description') } : {}),
  } as RegisterTemplate
}

function splitAt(text: string, flag: string): { name: string; version: string } {
  const at = text.lastIndexOf('@')
  if (at <= 0 || at === text.length - 1) throw usage(`${flag} must look like NAME@VERSION, got ${JSON.stringify(text)}.`)
  return { name: text.slice(0, at), version: text.slice(at + 1) }
}

function normaliseHash(text: string, flag: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return `sha256:${text.toLowerCase()}`
  if (/^sha256:[0-9a-f]{64}$/.test(text) || /^b[a-z2-7]{58,}$/.test(text)) return text
  throw usage(`${flag} must be a CID or a sha256 hex digest, got ${JSON.stringify(text)}.`)
}

async function promptFields(file: string | undefined, disclose: boolean) {
  if (!file) return {}
  const bytes = await readInput(file)
  const text = new TextDecoder().decode(bytes)
  return { promptHash: `sha256:${bytesToHex(sha256(utf8ToBytes(text)))}`, ...(disclose ? { prompt: text } : {}) }
}

function parseParent(text: string) {
  const eq = text.indexOf('=')
  const cid = eq < 0 ? text : text.slice(0, eq)
  const relation = eq < 0 ? 'parentOf' : text.slice(eq + 1)
  if (!['parentOf', 'componentOf', 'inputTo'].includes(relation))
    throw usage(`--parent relation must be parentOf, componentOf or inputTo, got ${JSON.stringify(relation)}.`)
  return { cid, relation: relation as 'parentOf' }
}

function parseRoyalty(text: string) {
  const m = /^(.+)=(\d{1,3}(?:\.\d{1,2})?)%$/.exec(text)
  if (!m) throw usage(`--royalty must look like PAYEE=PCT% (e.g. did:key:z6Mk…=70%), got ${JSON.stringify(text)}.`)
  const bps = Math.round(Number(m[2]) * 100)
  return { payee: m[1] as string, bps }
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1 || n > 1024) throw usage(`${flag} must be a whole number from 1 to 1024.`)
  return n
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await fsp.readFile(file)
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new MintmarkError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `Cannot read ${file}${code ? ` (${code})` : ''}.`, { cause })
  }
}

/** Files as given, directories walked recursively (sorted, hidden entries skipped). */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = []
  for (const input of inputs) {
    const st = await fsp.stat(input).catch((cause: NodeJS.ErrnoException) => {
      throw new MintmarkError(cause.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `Cannot read ${input}${cause.code ? ` (${cause.code})` : ''}.`, { cause })
    })
    if (st.isDirectory()) out.push(...(await walk(input)))
    else out.push(input)
  }
  return out
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  const entries = (await fsp.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else if (e.isFile()) out.push(p)
  }
  return out
}
