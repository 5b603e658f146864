export { type DetectWatermarkParameters, type DetectWatermarkReturnType, detectWatermark } from './detect-watermark.js'
export { type EmbedWatermarkParameters, type EmbedWatermarkReturnType, embedWatermark, watermarkMinTilesPerSide } from './embed-watermark.js'
export type { WatermarkKey } from './watermark-code.js'
