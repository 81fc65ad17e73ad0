import { kmsError } from './errors.js';
import type { OperationTable } from './operation.js';
import { type KeyPolicy, parsePolicy } from './policy/document.js';
import { evaluatePolicy } from './policy/evaluate.js';
import type { OperationScope } from './scope.js';
import { optionalBoolean, optionalString, requireString } from './validate.js';

/** GetKeyPolicy, PutKeyPolicy, ListKeyPolicies: one policy per key, named `default`. */
function readPolicyName(input: Parameters<OperationTable[string]>[1], required: boolean): void {
  const name = required ? requireString(input, 'PolicyName', 128) : optionalString(input, 'PolicyName', 128);
  if (name !== undefined && name !== 'default') {
    throw kmsError(
      'NotFoundException',
      `Policy '${name}' does not exist; the only key policy name is 'default'`,
    );
  }
}

/**
 * Parses a policy being put (once, here) and applies AWS's policy lockout safety check: refuse a
 * policy under which the caller could no longer put the key policy, unless
 * BypassPolicyLockoutSafetyCheck is set. The key stores the returned policy's canonical text.
 */
export function checkPolicyLockout(
  scope: OperationScope,
  policyText: string,
  keyArn: string,
  bypass: boolean,
): KeyPolicy {
  const policy = parsePolicy(policyText);
  if (bypass) return policy;
  const decision = evaluatePolicy(policy, {
    principal: scope.ctx.principal,
    callerAccount: scope.ctx.accountId,
    action: 'kms:PutKeyPolicy',
    resourceArn: keyArn,
  });
  if (decision !== 'Allow') {
    throw kmsError(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
  }
  return policy;
}

export const keyPolicyOperations: OperationTable = {
  GetKeyPolicy(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    readPolicyName(input, false);
    scope.authorize(key, 'GetKeyPolicy');
    return { Policy: key.policy, PolicyName: 'default' };
  },

  PutKeyPolicy(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    readPolicyName(input, false);
    const policy = requireString(input, 'Policy', 32768);
    const bypass = optionalBoolean(input, 'BypassPolicyLockoutSafetyCheck') ?? false;
    scope.authorize(key, 'PutKeyPolicy');
    scope.requireNotPendingDeletion(key);
    key.policy = checkPolicyLockout(scope, policy, key.arn, bypass).text;
    scope.store.putKey(key);
    return {};
  },

  ListKeyPolicies(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'ListKeyPolicies');
    return { PolicyNames: ['default'], Truncated: false };
  },
};
