import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

// The README's main command: `npx mintmark demo` must pass every step on the embedded defaults.
describe('mintmark demo', () => {
  it('runs the whole flow in a fresh home and every step behaves as expected', async () => {
    const r = await runCli(['demo', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { ok: boolean; steps: { step: string; expected: string; got: string; ok: boolean }[] }
    expect(out.steps.filter((s) => !s.ok)).toEqual([])
    expect(out.steps.length).toBeGreaterThanOrEqual(8)
    expect(out.ok).toBe(true)
  }, 120_000)
})
