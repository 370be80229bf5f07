import { fillTemplate } from '../../src/runbook/define.js';
import { StepFailure, type StepContext, type StepInput } from '../../src/runner/contract.js';

/**
 * Asks the operator to confirm a step they carried out themselves (a GUI step, an interactive
 * sign-in) or to report that it failed. The confirmation, with who and when, is the evidence.
 */
export async function confirmManualStep(input: StepInput, ctx: StepContext): Promise<string[]> {
  const title = fillTemplate(ctx.meta.title, input.params);
  const answer = await ctx.operator.choose({ id: 'manual', key: input.stepId, message: `${title}: done?` }, [
    { value: 'done', label: 'Done, it worked' },
    { value: 'failed', label: 'It did not work' },
  ]);
  const who = ctx.operator.who;
  if (answer === 'failed') {
    const why = await ctx.operator.text({ id: 'manualFailure', key: input.stepId, message: 'What went wrong?' });
    throw new StepFailure(`reported by ${who}: ${why || 'no details'}`, 'manual-failed');
  }
  return [`confirmed done by ${who} at ${new Date().toISOString()}`];
}
