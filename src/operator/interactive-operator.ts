import type { SecretRef } from '../runbook/define.js';
import { terminalWhere } from './where.js';
import type { Choice, Operator, Question, SecretAnswer } from './operator.js';

/** A person at a terminal. Prompts go to stderr so stdout stays clean; secrets are masked. */
export class InteractiveOperator implements Operator {
  readonly interactive = true;
  readonly via = terminalWhere();
  private readonly context = { output: process.stderr, clearPromptOnDone: false };
  /**
   * Loaded from the start but not waited for: the first steps run meanwhile, so a run's start
   * does not pay for the prompt library before it shows anything.
   */
  private readonly prompts = import('@inquirer/prompts');

  constructor(
    readonly who: string,
    /** Stops the spinner: a spinning stderr and a prompt fight over the terminal. */
    private readonly beforePrompt: () => void,
  ) {
    // a failed load surfaces at the first prompt, not as an unhandled rejection
    this.prompts.catch(() => {});
  }

  async text(question: Question): Promise<string> {
    const { input } = await this.prompts;
    this.beforePrompt();
    return input({ message: question.message }, this.context);
  }

  async choose(question: Question, choices: Choice[]): Promise<string> {
    const { select } = await this.prompts;
    this.beforePrompt();
    return select({ message: question.message, choices: choices.map((c) => ({ value: c.value, name: c.label })), ...(question.default ? { default: question.default } : {}) }, this.context);
  }

  async secret(ref: SecretRef, part: 'password' | 'username'): Promise<SecretAnswer> {
    const { input, password } = await this.prompts;
    this.beforePrompt();
    if (part === 'username') {
      const value = await input({ message: `User name: ${ref.label}`, validate: (v) => v.trim() !== '' || 'required' }, this.context);
      return { value: value.trim(), source: 'prompt' };
    }
    const value = await password(
      { message: `Password: ${ref.label}`, mask: '*', validate: (v) => v !== '' || 'required' },
      this.context,
    );
    return { value, source: 'prompt' };
  }

  close(): void {}
}
