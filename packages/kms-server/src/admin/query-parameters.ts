import type { IncomingMessage } from 'node:http';
import { AdminRequestError } from './admin-http.js';

/** The checked query of an admin request: each accessor refuses a value the endpoint cannot take. */
export interface QueryParameters {
  /** The parameter's value; refuses it given twice, or empty (leave a filter out to match every value). */
  one(name: string): string | undefined;
  /** As {@link one}, and the value must be one of `choices`. */
  oneOf<T extends string>(name: string, choices: readonly T[]): T | undefined;
}

/**
 * Reads an admin request's query string, refusing (400) any parameter not in `accepted`, so a
 * misspelt filter is an error rather than silently matching everything.
 */
export function queryParameters(request: IncomingMessage, accepted: readonly string[]): QueryParameters {
  const url = request.url ?? '/';
  const at = url.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
  for (const name of new Set(params.keys())) {
    if (!accepted.includes(name)) {
      throw new AdminRequestError(400, `Unknown query parameter ${name}; use ${accepted.join(', ')}.`);
    }
  }
  const one = (name: string): string | undefined => {
    const values = params.getAll(name);
    if (values.length > 1) throw new AdminRequestError(400, `Give ${name} once (got ${values.length}).`);
    if (values[0] === '')
      throw new AdminRequestError(400, `${name} is empty; leave it out to match every value.`);
    return values[0];
  };
  return {
    one,
    oneOf<T extends string>(name: string, choices: readonly T[]): T | undefined {
      const value = one(name);
      if (value !== undefined && !(choices as readonly string[]).includes(value)) {
        throw new AdminRequestError(400, `${name} must be one of ${choices.join(', ')} (got ${value}).`);
      }
      return value as T | undefined;
    },
  };
}
