/** An error a user can act on: printed without a stack trace by the CLI. */
export class TestbedError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(hint ? `${message}\n  hint: ${hint}` : message);
    this.name = 'TestbedError';
  }
}
