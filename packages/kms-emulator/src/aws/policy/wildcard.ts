const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 1024;

/**
 * IAM-style wildcards: `*` matches any run of characters, `?` exactly one (one code point), everything
 * else literally. `ignoreCase` for action names, which IAM matches case-insensitively.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  // `"Resource": "*"` in nearly every key policy: matches anything, no pattern to look up.
  if (pattern === '*') return true;
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = compiled.get(cacheKey);
  if (!re) {
    const source = Array.from(pattern, (c) =>
      c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    ).join('');
    re = new RegExp(`^${source}$`, ignoreCase ? 'isu' : 'su');
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(cacheKey, re);
  }
  return re.test(value);
}
