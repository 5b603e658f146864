/**
 * The watermark's error-correcting code: the constraint-length-7, rate-1/3 convolutional code
 * with generators 133, 171, 165 (octal; the LTE code, free distance 15), zero-terminated, decoded
 * by soft-decision Viterbi. With the same number of cells it corrects far more than repeating each
 * bit (each input bit influences 7 × 3 coded bits instead of one). @internal
 */
export const constraintLength = 7
const memory = constraintLength - 1
const states = 1 << memory
const generators = [0o133, 0o171, 0o165] as const
export const codeRate = generators.length

/** Coded bits for `inputBits` message bits (plus the 6 zero tail bits). */
export function codedLength(inputBits: number): number {
  return codeRate * (inputBits + memory)
}

// outputs[register] = the three coded bits (bit j = generator j) for a 7-bit register whose
// bit 6 is the newest input.
const outputs = Uint8Array.from({ length: 1 << constraintLength }, (_, register) => {
  let out = 0
  for (let j = 0; j < codeRate; j++) out |= parity(register & (generators[j] as number)) << j
  return out
})

function parity(v: number): number {
  let p = 0
  for (let x = v; x; x &= x - 1) p ^= 1
  return p
}

/** Message bits (0/1) → coded bits (0/1), tail included. */
export function convolutionalEncode(message: Uint8Array): Uint8Array {
  const coded = new Uint8Array(codedLength(message.length))
  let state = 0
  for (let t = 0; t < message.length + memory; t++) {
    const register = ((t < message.length ? (message[t] as number) : 0) << memory) | state
    const out = outputs[register] as number
    for (let j = 0; j < codeRate; j++) coded[codeRate * t + j] = (out >> j) & 1
    state = register >> 1
  }
  return coded
}

/**
 * Maximum-likelihood message for soft coded values (positive = bit 1, magnitude = confidence),
 * ending in the all-zero state. Branch metric: correlation of the soft values with ±1.
 */
export function viterbiDecode(soft: Float64Array, messageBits: number): Uint8Array {
  const steps = messageBits + memory
  if (soft.length !== codeRate * steps) throw new RangeError(`expected ${codeRate * steps} soft values, got ${soft.length}`)
  let metric = new Float64Array(states).fill(Number.NEGATIVE_INFINITY)
  let next = new Float64Array(states)
  metric[0] = 0
  // survivor[t * states + s]: the predecessor state of s at step t.
  const survivor = new Uint8Array(steps * states)
  const branch = new Float64Array(1 << codeRate)
  for (let t = 0; t < steps; t++) {
    // Metric of each of the 8 possible output triples at this step.
    for (let out = 0; out < branch.length; out++) {
      let m = 0
      for (let j = 0; j < codeRate; j++) m += (out >> j) & 1 ? (soft[codeRate * t + j] as number) : -(soft[codeRate * t + j] as number)
      branch[out] = m
    }
    next.fill(Number.NEGATIVE_INFINITY)
    const inputs = t < messageBits ? 2 : 1 // the tail inputs are zero
    for (let s = 0; s < states; s++) {
      const base = metric[s] as number
      if (base === Number.NEGATIVE_INFINITY) continue
      for (let b = 0; b < inputs; b++) {
        const register = (b << memory) | s
        const to = register >> 1
        const m = base + (branch[outputs[register] as number] as number)
        if (m > (next[to] as number)) {
          next[to] = m
          survivor[t * states + to] = s
        }
      }
    }
    const swap = metric
    metric = next
    next = swap
  }
  const message = new Uint8Array(messageBits)
  let state = 0
  for (let t = steps - 1; t >= 0; t--) {
    // The newest input bit of a state is its top bit.
    if (t < messageBits) message[t] = state >> (memory - 1)
    state = survivor[t * states + state] as number
  }
  return message
}
