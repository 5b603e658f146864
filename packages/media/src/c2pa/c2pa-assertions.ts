import { type IBox, CBORBox } from '@trustnxt/c2pa-ts/jumbf'
import { Assertion } from '@trustnxt/c2pa-ts/manifest'

/** Label of Mintmark's own assertion: where the asset's record sits in the transparency log. */
export const mintmarkReferenceLabel = 'org.mintmark.reference'
/** The C2PA soft-binding assertion label (C2PA 2.1 §18.9). */
export const softBindingLabel = 'c2pa.soft-binding'
/** Soft-binding algorithm names Mintmark writes (`alg` of a `c2pa.soft-binding` assertion). */
export const softBindingAlgorithms = { watermark: 'org.mintmark.watermark.1', pdq: 'org.mintmark.pdq.1' } as const
/** Ingredient metadata keys carrying the parent's content hash and CID. */
export const ingredientMetadataKeys = { hash: 'org.mintmark.hash', cid: 'org.mintmark.cid' } as const

// 'cbor' + the C2PA UUID suffix: the JUMBF content type of a CBOR assertion.
const cborAssertionUuid = Uint8Array.from([0x63, 0x62, 0x6f, 0x72, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71])

/**
 * A CBOR assertion with a label and content of our choosing (c2pa-ts reads unknown labels as
 * `UnknownAssertion`, which it cannot write). Used for the soft binding and Mintmark reference.
 * @internal
 */
export class CborAssertion extends Assertion {
  override uuid = cborAssertionUuid
  constructor(
    label: string,
    readonly content: unknown,
    suffix?: number,
  ) {
    super()
    this.label = label
    if (suffix !== undefined) this.labelSuffix = suffix
  }
  readContentFromJUMBF(): void {}
  generateJUMBFBoxForContent(): IBox {
    const box = new CBORBox()
    box.content = this.content
    return box
  }
}

/** The decoded CBOR of an assertion c2pa-ts did not interpret, or undefined. @internal */
export function rawAssertionContent(assertion: Assertion): unknown {
  const box = assertion.sourceBox?.contentBoxes[0]
  return box instanceof CBORBox ? box.content : undefined
}
