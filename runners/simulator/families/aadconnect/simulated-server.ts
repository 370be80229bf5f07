import { StepFailure, type StepContext, type StepInput } from '../../../../src/runner/contract.js';

/**
 * What the simulated worlds of the Azure AD Connect family (the aadconnect-* runbooks) do the same
 * way with their simulated Sync server: effects recorded once per attempt, faults of the simulated
 * host, drill faults. Plain imports from each world; what is a runbook's own stays in its world.
 */

/** A change a step made to the simulated server: what a probe or a test reads back. */
export interface Effect {
  op: string;
  stepId: string;
  attemptId: string;
  at: string;
}

/** A failure of the simulated host, of a step failure category (the world turns it into a StepFailure). */
export class SimFault extends Error {
  constructor(
    message: string,
    readonly category: string,
  ) {
    super(message);
  }
}

export interface ApplyOptions<T> {
  /** Default true: a second apply of the op in the same attempt changes nothing (a resumed step). */
  idempotent?: boolean;
  /** Whether the change is recorded in `effects`; default: unless it returned false. */
  record?: (result: T) => boolean;
}

/**
 * Applies one change to the server kept in the state file: read anew, changed, recorded in
 * `effects` with the attempt and step, written, then the `applied` checkpoint. An idempotent op
 * already applied by the attempt is not applied again (undefined). A SimFault thrown by the change
 * becomes a StepFailure of its category, after what it changed so far is written.
 */
export async function applyEffect<S extends { effects: Effect[] }, T>(
  store: { load(): S; save(state: S): void },
  input: StepInput,
  ctx: StepContext,
  op: string,
  change: (state: S) => T,
  options: ApplyOptions<T> = {},
): Promise<T | undefined> {
  const current = store.load();
  if ((options.idempotent ?? true) && current.effects.some((e) => e.attemptId === input.attemptId && e.op === op)) return undefined;
  let result: T;
  try {
    result = change(current);
  } catch (error) {
    if (error instanceof SimFault) {
      store.save(current);
      throw new StepFailure(error.message, error.category);
    }
    throw error;
  }
  const record = options.record ? options.record(result) : result !== false;
  if (record) current.effects.push({ op, stepId: input.stepId, attemptId: input.attemptId, at: new Date().toISOString() });
  store.save(current);
  await ctx.checkpointReached('applied');
  return result;
}

/** A drill's fault, fired once per step: 'fail' or 'ineffective' (claims success, changes nothing). */
export function trainingFault(state: { faults?: { failOnce: string[]; ineffectiveOnce?: string[]; fired: string[] } }, stepId: string): 'fail' | 'ineffective' | null {
  const faults = state.faults;
  if (!faults || faults.fired.includes(stepId)) return null;
  const kind = faults.failOnce.includes(stepId) ? 'fail' : faults.ineffectiveOnce?.includes(stepId) ? 'ineffective' : null;
  if (kind) faults.fired.push(stepId);
  return kind;
}
