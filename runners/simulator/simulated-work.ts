import { setTimeout as sleep } from 'node:timers/promises';
import type { StepContext } from '../../src/runner/contract.js';

/**
 * How long a simulated server takes over a piece of work, so that a trainee sees each step's
 * progress line before its result, as on a real server. RUNBOOK_SIM_DELAY_MS sets it (tests set 0).
 */
export const SIMULATED_WORK_MS = 250;

/** Shows what the simulated server is doing, and takes the time it would (cut short when the step is left). */
export async function simulatedWork(ctx: Pick<StepContext, 'progress' | 'signal'>, text: string): Promise<void> {
  ctx.progress(text);
  const ms = Number(process.env.RUNBOOK_SIM_DELAY_MS ?? SIMULATED_WORK_MS);
  if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
}
