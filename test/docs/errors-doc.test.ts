import { readFileSync } from 'node:fs'
import path from 'node:path'
import { errorCodes } from '@mintmark/core'
import { expect, it } from 'vitest'

// fastify's rule: every code in the registry is documented, and the docs list no code that is gone.
it('docs/reference/errors.md has one section per registered error code, and no other', () => {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/reference/errors.md'), 'utf8')
  const documented = [...doc.matchAll(/^## ([A-Z][A-Z0-9_]*)$/gm)].map((m) => m[1])
  expect(documented.sort()).toEqual(Object.keys(errorCodes).sort())
  expect(new Set(documented).size).toBe(documented.length)
})
