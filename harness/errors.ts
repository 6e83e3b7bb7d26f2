/**
 * Errors that stop a run before any check (exit code 2): bad options, a layer file that cannot
 * be loaded. Their message is one line for the user, naming the file or option and the fix.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The layer file could not be turned into a layer (missing, syntax error, no export...). */
export class LayerLoadError extends UsageError {
  override name = 'LayerLoadError';
}
