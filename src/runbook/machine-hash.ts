import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';

/** Identifies a machine's structure (states, transitions, guards, meta); a checkpoint only resumes on the same one. */
export function machineHash(machine: AnyStateMachine): string {
  return createHash('sha256').update(JSON.stringify(machine.definition)).digest('hex').slice(0, 16);
}
