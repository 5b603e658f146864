import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseBundle } from '../bundle/bundle.js'
import { canonicalize } from '../canonical/index.js'
import { MintmarkError } from '../errors/base.js'
import { createManifest } from '../manifest/index.js'
import { makeTestBundle } from '../testing/make-test-bundle.js'
import { verifyBundle } from './verify-bundle.js'

// Issue 2 reliability: 10,000 generated and mutated manifests and bundles end in an accept or a
// typed error, never another exception. And no mutation that changes what was signed or proven
// is ever accepted as "verified".

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** Every path to a value inside a JSON document. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix]
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])))
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]))
  return out
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (!path.length) return value ?? null
  const copy = JSON.parse(JSON.stringify(root)) as Json
  let cur = copy as Record<string | number, Json>
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, Json>
  const last = path.at(-1) as string | number
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1)
    else delete cur[last]
  } else cur[last] = value
  return copy
}

const jsonValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>
const sameMeaning = (a: unknown, b: unknown) => canonicalize(a) === canonicalize(b)

describe('fuzz: bundles and manifests', async () => {
  const { bundle, cid, sha256 } = await makeTestBundle()
  const original = JSON.parse(JSON.stringify(bundle)) as Json
  const allPaths = paths(original)
  const content = { cid, sha256 }

  function check(candidate: unknown): void {
    let report: ReturnType<typeof verifyBundle>
    try {
      report = verifyBundle({ bundle: candidate, content, trustedLogKeys: [bundle.logKey] })
    } catch (error) {
      throw new Error(`verifyBundle threw: ${(error as Error).message}`)
    }
    if (report.verdict === 'verified') {
      const c = candidate as typeof bundle
      // Accepted only if nothing that matters changed.
      expect(sameMeaning(c.entry, bundle.entry)).toBe(true)
      expect(sameMeaning(c.inclusion, bundle.inclusion)).toBe(true)
      expect(c.checkpoint).toBe(bundle.checkpoint)
    }
  }

  it('structure-aware: replace, delete or retype any field (4,000 runs)', () => {
    fc.assert(
      fc.property(fc.nat(allPaths.length - 1), fc.oneof(jsonValue, fc.constant(undefined)), (i, value) => {
        check(setAt(original, allPaths[i] as (string | number)[], value))
      }),
      { numRuns: 4000, seed: 20261121 },
    )
  })

  it('byte mutations of the serialized bundle (3,000 runs)', () => {
    const text = JSON.stringify(bundle)
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(text.length - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')), { minLength: 1, maxLength: 4 }), (muts) => {
        let t = text
        for (const [pos, byte, kind] of muts) {
          const p = pos % Math.max(t.length, 1)
          if (kind === 'flip') t = t.slice(0, p) + String.fromCharCode(t.charCodeAt(p) ^ (1 << byte % 7)) + t.slice(p + 1)
          else if (kind === 'insert') t = t.slice(0, p) + String.fromCharCode(byte) + t.slice(p)
          else t = t.slice(0, p) + t.slice(p + 1)
        }
        let parsed: unknown
        try {
          parsed = parseBundle(t)
        } catch (error) {
          expect(error).toBeInstanceOf(MintmarkError)
          return
        }
        check(parsed)
      }),
      { numRuns: 3000, seed: 7 },
    )
  })

  it('manifests: generated and mutated inputs end in a Manifest or a MintmarkError (3,000 runs)', () => {
    const manifest = bundle.entry.statement as unknown as Json
    const mPaths = paths(manifest)
    fc.assert(
      fc.property(fc.nat(mPaths.length - 1), fc.oneof(jsonValue, fc.constant(undefined)), jsonValue, (i, value, junk) => {
        for (const input of [setAt(manifest, mPaths[i] as (string | number)[], value), junk]) {
          try {
            const m = createManifest(input as never)
            expect(m.type).toBe('mintmark.manifest')
          } catch (error) {
            expect(error).toBeInstanceOf(MintmarkError)
          }
        }
      }),
      { numRuns: 3000, seed: 99 },
    )
  })
})
