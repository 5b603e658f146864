import sharp from 'sharp'
import { describeKeySweep } from './key-sweep.test-support.js'

// Key sweep (see watermark-key-sweep.test.ts) under the geometric transforms: a 10% crop at an
// odd offset (the tile must be re-found) and a resize to 50% (another scale).
describeKeySweep('mintmark-watermark-sweep-geometry', {
  'crop 10% (odd offset)': async (b, w, h) =>
    new Uint8Array(
      await sharp(b)
        .extract({ left: Math.round(w * 0.05) + 3, top: Math.round(h * 0.05) + 1, width: Math.round(w * 0.9), height: Math.round(h * 0.9) })
        .toBuffer(),
    ),
  'resize 50%': async (b, w) => new Uint8Array(await sharp(b).resize(Math.round(w / 2)).toBuffer()),
})
