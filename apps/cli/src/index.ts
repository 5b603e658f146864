// biome-ignore lint/performance/noBarrelFile: package entrypoint
export { main } from './main.js'
export type { Io } from './output.js'
