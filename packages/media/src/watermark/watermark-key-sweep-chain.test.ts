import sharp from 'sharp'
import { describeKeySweep } from './key-sweep.test-support.js'

// Key sweep (see watermark-key-sweep.test.ts) under a PNG → JPEG q75 → WebP q75 chain.
describeKeySweep('mintmark-watermark-sweep-chain', {
  // PNG is lossless: compression level 1 gives the same pixels as the default, faster.
  'png → jpeg q75 → webp q75': async (b) =>
    new Uint8Array(await sharp(await sharp(await sharp(b).png({ compressionLevel: 1 }).toBuffer()).jpeg({ quality: 75 }).toBuffer()).webp({ quality: 75 }).toBuffer()),
})
