/** CLI-level failures: a user error with a message, or an exit code whose story was already printed. */

/** Something the user can fix; printed as `error: <message>` without a stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Ends the command with this exit code; the details were already printed. */
export class ExitCode extends Error {
  override name = 'ExitCode';
  readonly code: number;

  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}
