// biome-ignore lint/performance/noBarrelFile: package entrypoint (subpath @mintmark/storage/postgres)
export { createPostgresLogStore, type PostgresLogStore, type PostgresLogStoreOptions, type SequencerState } from './postgres-log-store.js'
export { type ComponentMigration, migratePostgres, migratePostgresComponent } from './migrate.js'
export { storeCall, toStoreError } from './errors.js'
export { inTransaction } from './transaction.js'
export { postgresMigrations } from './migrations.js'
export { appendedChannel, createLogQueue, queuedChannel, type LogQueue, type LogQueueOptions, type QueuedRef, type SequencedRef, type WaitOptions } from './log-queue.js'
export type { BuildLeaf, QueueDraft } from './queue-draft.js'
export { type CheckpointPolicy, sequenceBatch, type SequenceBatchParameters, type SequenceBatchReturnType } from './sequence-batch.js'
export {
  createSequencer,
  type Sequencer,
  type SequencerEvent,
  type SequencerLossReason,
  type SequencerOptions,
  type SequencerRole,
} from './sequencer.js'
