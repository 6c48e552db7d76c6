/** Stable codes that scripts and tests can match on. */
export type ErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CONFIG_READ'
  | 'ERR_STATS_FETCH'
  | 'ERR_STATS_PARSE'
  | 'ERR_TOPOLOGY_INVALID'
  | 'ERR_USAGE';

/**
 * The one error type the project throws on purpose. `context` says where the problem is
 * (service, field, source) so the message a user reads names what to fix.
 */
export class PluginError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, string | number>>;

  constructor(
    code: ErrorCode,
    message: string,
    context: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PluginError';
    this.code = code;
    this.context = context;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A value for an error message: JSON, cut short so one bad field cannot flood the log. */
export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
