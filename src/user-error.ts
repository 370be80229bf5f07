import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** An error the operator can act on: printed as one line, never with a stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
