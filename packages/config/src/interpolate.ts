import { ConfigError, formatIssuePath } from '@envelope/core';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed config document. An unset
 * variable without a default is an error naming the variable and where it was used; `$${` escapes.
 */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  path: string[] = [],
): unknown {
  return interpolateIn(value, env, file, path, new Set());
}

/**
 * `ancestors` holds the arrays and objects on the way down: a YAML alias to an enclosing anchor
 * (`a: &x { b: *x }`) parses to a cyclic object, which is refused here rather than recursed into.
 */
function interpolateIn(
  value: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  path: string[],
  ancestors: Set<object>,
): unknown {
  if (typeof value === 'string') {
    return value
      .split('$${')
      .map((part) =>
        part.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
          const found = env[name];
          if (found !== undefined && found !== '') return found;
          if (fallback !== undefined) return fallback;
          throw new ConfigError(
            `${file}: ${formatIssuePath(path)} uses \${${name}}, but the environment variable ${name} is not set (set it or write \${${name}:-default}).`,
          );
        }),
      )
      .join('${');
  }
  if (!value || typeof value !== 'object') return value;
  if (ancestors.has(value)) {
    throw new ConfigError(
      `${file}: ${formatIssuePath(path)} refers to an enclosing value through a YAML alias, which makes the config endless; replace the alias with the value it should have.`,
    );
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item, i) => interpolateIn(item, env, file, [...path, String(i)], ancestors));
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolateIn(item, env, file, [...path, key], ancestors),
      ]),
    );
  } finally {
    ancestors.delete(value);
  }
}
