import sharp from 'sharp'
import { describeKeySweep } from './key-sweep.test-support.js'

// Regression for the key-dependent miss: with the former 9-fold repetition code, an untouched
// marked copy failed its CRC for some keys (3 of 48 on bridge-1-original; 19 of 32 on the bridge
// crop used here): the photo's own texture, folded into the tile, was as strong as the mark at
// cell level, and one of the 88 bits came out wrong. Untouched copies and JPEG q50 here; the
// other required transforms in watermark-key-sweep-geometry.test.ts and -chain.test.ts.
describeKeySweep('mintmark-watermark-sweep-untouched', {
  untouched: async (b) => b,
  'jpeg q50': async (b) => new Uint8Array(await sharp(b).jpeg({ quality: 50 }).toBuffer()),
})
