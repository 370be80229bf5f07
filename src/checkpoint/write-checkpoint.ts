import { writeFileAtomic } from './durable-write.js';
import type { CheckpointEnvelope } from './envelope.js';

/**
 * Writes the envelope with the snapshot given as JSON text, so the snapshot (the bulk of the
 * file) is serialized once per transition.
 */
export function writeCheckpoint(path: string, envelope: Omit<CheckpointEnvelope, 'snapshot'>, snapshotJson: string): void {
  writeFileAtomic(path, `${JSON.stringify(envelope).slice(0, -1)},"snapshot":${snapshotJson}}`);
}
