import path from 'node:path'
import { type BlobsConfig, defaultHome, homePaths, migrateStore, openBlobStore, readConfig, resolveBlobsConfig } from '@mintmark/app'
import { MintmarkError } from '@mintmark/core'
import { type BlobStore, createSqliteStore, toAsyncStore } from '@mintmark/storage'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark migrate --to postgres://USER@HOST:PORT/DB [--from sqlite:HOME] [--blobs-to s3:BUCKET] [--batch 500] [--json]
  Copies a home's log into PostgreSQL, entry by entry at the same index: every leaf is rebuilt by
  the target and compared with the source's, the roots compared after every batch, every signed
  checkpoint copied once the copied tree matches it; then the anchors, licence offers and chain
  indexer state, each row read back and compared. Every blob the log names is read back and
  re-hashed; with --blobs-to s3:BUCKET it is also copied to that bucket (endpoint, region and
  path style from MINTMARK_S3_ENDPOINT, MINTMARK_S3_REGION, MINTMARK_S3_FORCE_PATH_STYLE;
  credentials from the AWS SDK's chain). Resumable: run it again after an interruption and it
  continues; a target that is not a prefix of the source is refused (MIGRATE_TARGET_DIVERGED).
  --from defaults to the home (--home, $MINTMARK_HOME or ./.mintmark).`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    'blobs-to': { type: 'string' },
    batch: { type: 'string' },
  })
  if (positionals.length) throw usage('usage: mintmark migrate --to postgres://… [--from sqlite:HOME] [--blobs-to s3:BUCKET]')
  if (!values.to || !/^postgres(ql)?:\/\//.test(values.to)) throw usage('--to is a PostgreSQL URL: postgres://user@host:port/db.')
  const home = values.from === undefined ? (values.home ?? defaultHome(io.env)) : sqliteHome(values.from)
  const batch = values.batch === undefined ? 500 : Number(values.batch)
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw usage('--batch is a whole number of entries from 1 to 10000.')

  // The source: the home's SQLite log and its blob store as the home configures it.
  const paths = homePaths(home)
  const config = await readConfig(paths.config)
  const source = createSqliteStore({ path: paths.db, readonly: true })
  const fromBlobs = await openBlobStore(resolveBlobsConfig(config.blobs, io.env), { root: paths.root, profile: config.profile })
  let toBlobs: BlobStore | undefined
  const { createPostgresLogStore } = await import('@mintmark/storage/postgres')
  const target = await createPostgresLogStore({ connectionString: values.to, applicationName: 'mintmark-migrate' })
  try {
    if (values['blobs-to']) toBlobs = await openBlobStore(s3Target(values['blobs-to'], io.env), { root: paths.root, profile: config.profile })
    const result = await migrateStore({
      from: toAsyncStore(source),
      to: target,
      chainIds: config.chains?.map((c) => c.chainId),
      fromBlobs,
      toBlobs,
      batchSize: batch,
      onProgress: values.json ? undefined : (p) => io.stderr(`migrate: ${p.copied}/${p.size} entries, ${p.blobsVerified} blobs verified, ${p.blobsCopied} copied\n`),
    })
    if (values.json) printJson(io, { from: home, to: redact(values.to), ...result })
    else
      io.stdout(
        `migrated ${result.size} entries (${result.appended} this run, resumed at ${result.resumedAt}), ${result.checkpoints.total} checkpoints, ${result.blobs.verified} blobs verified (${result.blobs.copied} copied, ${result.blobs.absent} not stored), ${result.anchors.total} anchors, ${result.offers.total} offers, ${result.chainIndex.length} chain indexes; root ${result.rootHash}\n`,
      )
    return 0
  } finally {
    await target.close()
    source.close()
    fromBlobs.close()
    toBlobs?.close()
  }
}

function sqliteHome(spec: string): string {
  const m = /^sqlite:(.+)$/.exec(spec)
  if (!m) throw usage('--from is sqlite:HOME (a Mintmark home directory).')
  return path.resolve(m[1] as string)
}

function s3Target(spec: string, env: NodeJS.ProcessEnv): BlobsConfig {
  const m = /^s3:([^/?#]+)$/.exec(spec)
  if (!m) throw usage('--blobs-to is s3:BUCKET.')
  return resolveBlobsConfig(undefined, { ...env, MINTMARK_S3_BUCKET: m[1] })
}

/** The URL without its password, for output. */
function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    throw new MintmarkError('USAGE_INVALID', '--to is not a URL.')
  }
}
