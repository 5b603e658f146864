import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { manifestJsonSchema } from './manifest-json-schema.js'

const schemaPath = fileURLToPath(new URL('../../schema/manifest.v1.schema.json', import.meta.url))
const generated = `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`

describe('manifest.v1.schema.json', () => {
  // Regenerate with: UPDATE_SCHEMA=1 npx vitest run packages/core/src/manifest/manifest-json-schema.test.ts
  if (process.env.UPDATE_SCHEMA) writeFileSync(schemaPath, generated)

  it('the committed file equals the schema generated from zod', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(generated)
  })

  it('is a strict draft 2020-12 object schema with the v1 constants', () => {
    const schema = manifestJsonSchema() as {
      $schema: string
      additionalProperties: boolean
      required: string[]
      properties: Record<string, { const?: unknown; enum?: unknown[] }>
    }
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.type?.const).toBe('mintmark.manifest')
    expect(schema.properties.version?.const).toBe(1)
    expect(schema.properties.digitalSourceType?.enum).toContain('trainedAlgorithmicMedia')
    expect(schema.required).toEqual(
      expect.arrayContaining(['type', 'version', 'asset', 'digitalSourceType', 'datasets', 'parents', 'edits', 'rights', 'creator', 'createdAt']),
    )
    expect(schema.required).not.toContain('generation')
  })
})
