import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';

const hashes = new WeakMap<AnyStateMachine, string>();

/**
 * Identifies a machine's structure (states, transitions, guards, meta); a checkpoint only resumes
 * on the same one. Kept per machine object: XState builds `definition` anew at each read, which
 * costs as much as the rest of opening a run for a large machine.
 */
export function machineHash(machine: AnyStateMachine): string {
  let hash = hashes.get(machine);
  if (hash === undefined) {
    hash = createHash('sha256').update(JSON.stringify(machine.definition)).digest('hex').slice(0, 16);
    hashes.set(machine, hash);
  }
  return hash;
}
