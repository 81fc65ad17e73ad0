import { invalidArgument } from './errors.js';
import type { Duration, Timestamp } from './messages.js';

export const toTimestamp = (iso: string): Timestamp => {
  const ms = Date.parse(iso);
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
};

export const toDuration = (seconds: number): Duration => ({ seconds: String(seconds) });

const isMessage = (value: unknown): value is Timestamp =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A Timestamp field as epoch milliseconds; undefined when absent. */
export function readTimestamp(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMessage(value)) throw invalidArgument(`${field} must be a Timestamp.`);
  const seconds = Number(value.seconds ?? 0);
  const nanos = Number(value.nanos ?? 0);
  if (!Number.isSafeInteger(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999)
    throw invalidArgument(`${field} is not a valid Timestamp.`);
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}

/** A Duration field in whole seconds (fractions are dropped); undefined when absent. */
export function readDuration(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMessage(value)) throw invalidArgument(`${field} must be a Duration.`);
  const seconds = Number(value.seconds ?? 0);
  if (!Number.isSafeInteger(seconds)) throw invalidArgument(`${field} is not a valid Duration.`);
  return seconds;
}
