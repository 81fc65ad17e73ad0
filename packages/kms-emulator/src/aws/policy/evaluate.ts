import { principalAccount } from '../ids.js';
import type { KeyPolicy, PolicyCondition, PolicyStatement, PrincipalPattern } from './document.js';
import { sameUtf8, wellFormed } from './utf8.js';
import { wildcardMatch } from './wildcard.js';

/**
 * Key policy evaluation over a parsed policy (`parsePolicy`): it never sees raw JSON, so it cannot
 * skip an element it does not understand — the parser has refused those already.
 */
export interface PolicyRequest {
  principal: string;
  callerAccount: string;
  /** e.g. `kms:Decrypt`. */
  action: string;
  resourceArn: string;
  encryptionContext?: Readonly<Record<string, string>>;
}

export type PolicyDecision = 'Allow' | 'Deny' | 'NoMatch';

/** Explicit Deny wins over any Allow; no matching statement is NoMatch (the caller falls back to grants). */
export function evaluatePolicy(policy: KeyPolicy, req: PolicyRequest): PolicyDecision {
  const context = contextByUtf8(req.encryptionContext);
  const action = req.action.toLowerCase();
  let allowed = false;
  for (const s of policy.statements) {
    if (!s.principals.some((p) => principalMatches(p, req.principal))) continue;
    if (!s.actions.some((a) => wildcardMatch(a, action, true))) continue;
    if (s.resources && !s.resources.some((r) => wildcardMatch(r, req.resourceArn))) continue;
    if (!s.conditions.every((c) => conditionHolds(c, s, req, context))) continue;
    if (s.effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}

function principalMatches(p: PrincipalPattern, caller: string): boolean {
  if (p.kind === 'any') return true;
  if (p.kind === 'account') return principalAccount(caller) === p.accountId;
  return p.arn === caller;
}

/**
 * A missing key does not match (IAM semantics for StringEquals/StringLike). Should two context keys
 * encode to the same UTF-8 bytes, the key has several values: an Allow needs all of them to match and
 * a Deny any one, so the ambiguity can only ever deny.
 */
function conditionHolds(
  c: PolicyCondition,
  s: PolicyStatement,
  req: PolicyRequest,
  context: ReadonlyMap<string, readonly string[]>,
): boolean {
  const actual = c.key.kind === 'callerAccount' ? [req.callerAccount] : (context.get(c.key.contextKey) ?? []);
  if (actual.length === 0) return false;
  const matches = (value: string) =>
    c.operator === 'StringEquals'
      ? c.values.some((expected) => sameUtf8(expected, value))
      : c.values.some((pattern) => wildcardMatch(pattern, value));
  return s.effect === 'Deny' ? actual.some(matches) : actual.every(matches);
}

function contextByUtf8(context: Readonly<Record<string, string>> | undefined): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of Object.entries(context ?? {})) {
    const k = wellFormed(key);
    byKey.set(k, [...(byKey.get(k) ?? []), wellFormed(value)]);
  }
  return byKey;
}

export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}
