export type { PdqPixels } from './compute-pdq-dct.js'
export { pdqMinHashableDimension } from './compute-pdq-dct.js'
export type { PdqHash } from './dct-to-hash.js'
export { pdqEmptyHash } from './dct-to-hash.js'
export { hammingDistance } from './hamming-distance.js'
export { equalisedLuma } from './pdq-equalised.js'
export {
  type PdqDihedralName,
  type PdqDihedralParameters,
  type PdqDihedralReturnType,
  pdqDihedral,
} from './pdq-dihedral.js'
export { type PdqHashPixelsParameters, type PdqHashPixelsReturnType, pdqHashPixels } from './pdq-hash-pixels.js'
