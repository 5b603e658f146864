import { MintmarkError } from '@mintmark/core'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { hammingDistance } from './hamming-distance.js'

const hex256 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'))
const naive = (a: string, b: string) => (BigInt(`0x${a}`) ^ BigInt(`0x${b}`)).toString(2).replaceAll('0', '').length

describe('hammingDistance', () => {
  test('known values', () => {
    const zero = '0'.repeat(64)
    expect(hammingDistance(zero, zero)).toBe(0)
    expect(hammingDistance(zero, 'f'.repeat(64))).toBe(256)
    expect(hammingDistance(zero, `${'0'.repeat(63)}1`)).toBe(1)
    expect(hammingDistance(zero, `8${'0'.repeat(63)}`)).toBe(1)
    expect(hammingDistance('F'.repeat(64), 'f'.repeat(64))).toBe(0)
    // Two published reference hashes (ThreatExchange pdq_test.py: bridge original vs flip-x);
    // 126 computed independently with Python's int.bit_count.
    expect(
      hammingDistance(
        'd8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22',
        'd8f80f31e0f417b00e37f5dd028f980fb36ed12a9662c1e233e64c634e9c64dd',
      ),
    ).toBe(126)
  })

  test('agrees with a BigInt popcount, is symmetric and obeys the triangle inequality', () => {
    fc.assert(
      fc.property(hex256, hex256, hex256, (a, b, c) => {
        const ab = hammingDistance(a, b)
        expect(ab).toBe(naive(a, b))
        expect(hammingDistance(b, a)).toBe(ab)
        expect(hammingDistance(a, c)).toBeLessThanOrEqual(ab + hammingDistance(b, c))
      }),
      { numRuns: 1000 },
    )
  })

  test('refuses anything but 64 hex digits with INPUT_INVALID', () => {
    const good = '0'.repeat(64)
    for (const bad of ['', '0'.repeat(63), '0'.repeat(65), `g${'0'.repeat(63)}`, ` ${'0'.repeat(63)}`, 42]) {
      try {
        hammingDistance(good, bad as string)
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(MintmarkError)
        expect((e as MintmarkError).code).toBe('INPUT_INVALID')
        expect((e as MintmarkError).fields).toEqual(['hexB'])
      }
    }
  })
})
