/**
 * Fault injection for crash tests: RUNBOOK_FAULT names points (comma-separated) where the
 * process announces itself on stderr and stops making progress, so a test can SIGKILL it at
 * an exact place. Unset in normal use; costs one Set lookup per point.
 */
const points = new Set((process.env.RUNBOOK_FAULT ?? '').split(',').filter(Boolean));

/** Whether any point is armed: hot paths test this before they build a point's name. */
export const faultsArmed = points.size > 0;

/** Whether a point is armed (for code that must prepare the fault itself, such as a torn journal line). */
export function faultArmed(point: string): boolean {
  return points.has(point);
}

function announce(point: string): void {
  process.stderr.write(`\nRUNBOOK_FAULT_REACHED ${point}\n`);
}

/** Holds an async flow forever at `point`, keeping the process alive for the kill. */
export async function holdAt(point: string): Promise<void> {
  if (!points.has(point)) return;
  announce(point);
  setInterval(() => {}, 1 << 30);
  await new Promise(() => {});
}

/** Freezes the whole process at `point` (for synchronous code such as the checkpoint writer). */
export function freezeAt(point: string): void {
  if (!points.has(point)) return;
  announce(point);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
