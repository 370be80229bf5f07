import { overwriteInPlace } from './durable-write.js';
import type { CheckpointEnvelope } from './envelope.js';

/**
 * Writes the envelope with the snapshot given as JSON text, so the snapshot (the bulk of the
 * file) is serialized once per transition. The checkpoint is a cache of the journal (the
 * durable record): it is overwritten in place and never synced; a checkpoint a crash or a power
 * loss left stale, torn, truncated or empty is rebuilt from the journal on resume.
 */
export function writeCheckpoint(path: string, envelope: Omit<CheckpointEnvelope, 'snapshot'>, snapshotJson: string): void {
  overwriteInPlace(path, `${JSON.stringify(envelope).slice(0, -1)},"snapshot":${snapshotJson}}`);
}
