// biome-ignore lint/performance/noBarrelFile: package entrypoint (@mintmark/storage/s3: loads the AWS SDK, so it stays out of the main entry)
export { createS3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js'
