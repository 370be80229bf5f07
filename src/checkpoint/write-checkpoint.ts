import { writeFileAtomic } from './durable-write.js';
import type { CheckpointEnvelope } from './envelope.js';

export function writeCheckpoint(path: string, envelope: CheckpointEnvelope): void {
  writeFileAtomic(path, JSON.stringify(envelope));
}
