export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One decision or incident, in words for people and in fixed keys for machines. */
export interface LogEvent {
  level: LogLevel;
  /** camelCase event name, e.g. stateChange, statsUnavailable. */
  event: string;
  message: string;
  service?: string;
  from?: string;
  to?: string;
  reason?: string;
}
