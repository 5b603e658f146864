import { readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

// Importing `@mintmark/storage` must never load `pg` (STYLE.md §12: heavy parts live behind
// subpaths). Follows the runtime imports (not `import type`) from the main entry through the
// package's own files and lists every bare package they reach.
it('the main entry of @mintmark/storage does not reach pg or the postgres folder; the postgres subpath does', () => {
  const src = path.resolve(import.meta.dirname, '..')
  const reach = (entry: string): { packages: Set<string>; files: Set<string> } => {
    const files = new Set<string>()
    const packages = new Set<string>()
    const visit = (file: string): void => {
      if (files.has(file)) return
      files.add(file)
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
        if (m[2]) continue // type-only: erased at build time
        const spec = m[3] as string
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')))
        else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string))
      }
    }
    visit(path.join(src, entry))
    return { packages, files }
  }
  const main = reach('index.ts')
  // The scan sees the entry's real dependencies (so a miss below is not a scan that saw nothing)…
  expect(main.packages).toContain('better-sqlite3')
  expect(main.packages).toContain('@mintmark/core')
  // …and pg is not among them.
  expect(main.packages.has('pg')).toBe(false)
  expect([...main.files].filter((f) => f.includes(`${path.sep}postgres${path.sep}`))).toEqual([])
  const pgEntry = reach('postgres/index.ts')
  expect(pgEntry.packages.has('pg')).toBe(true)
  // …and the PostgreSQL subpath does not load the SQLite driver either.
  expect(pgEntry.packages.has('better-sqlite3')).toBe(false)
})
