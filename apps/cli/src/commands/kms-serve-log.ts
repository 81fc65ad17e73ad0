import type { LogRecord } from '@envelope/kms-server';
import type { LogLevel } from './kms-serve-options.js';

const SEVERITY: Readonly<Record<LogLevel, number>> = { info: 0, warn: 1, error: 2 };

/**
 * Where `envelope kms serve` writes its log: one line per record on stderr, dropping records less
 * severe than `level`. `json` lines are objects (`time`, `level`, `msg`, then the record's fields);
 * `text` lines read `time LEVEL msg key=value …`.
 */
export function logSink(level: LogLevel, format: 'json' | 'text'): (record: LogRecord) => void {
  const least = SEVERITY[level];
  return (record) => {
    if (SEVERITY[record.level] < least) return;
    const time = new Date().toISOString();
    process.stderr.write(
      format === 'json' ? `${JSON.stringify({ time, ...record })}\n` : `${textLine(time, record)}\n`,
    );
  };
}

function textLine(time: string, { level, msg, ...fields }: LogRecord): string {
  let line = `${time} ${level.toUpperCase()} ${msg}`;
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
    line += ` ${name}=${text}`;
  }
  return line;
}
