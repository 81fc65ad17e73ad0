import { principalAccount } from './ids.js';
import type { GrantRecord } from './types.js';

/** Whether `grant` lets `principal` perform `operation` with this encryption context. */
export function grantAllows(
  grant: GrantRecord,
  principal: string,
  operation: string,
  encryptionContext: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!grant.operations.includes(operation)) return false;
  const rootAccount = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(grant.granteePrincipal)?.[1];
  const granteeMatches =
    grant.granteePrincipal === principal ||
    (rootAccount !== undefined && principalAccount(principal) === rootAccount);
  if (!granteeMatches) return false;
  const context = encryptionContext ?? {};
  const equals = grant.constraints?.EncryptionContextEquals;
  if (equals) {
    const a = Object.keys(equals);
    if (a.length !== Object.keys(context).length || a.some((k) => context[k] !== equals[k])) return false;
  }
  const subset = grant.constraints?.EncryptionContextSubset;
  if (subset && Object.entries(subset).some(([k, v]) => context[k] !== v)) return false;
  return true;
}
