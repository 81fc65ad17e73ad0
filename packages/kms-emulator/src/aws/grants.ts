import { randomBytes } from 'node:crypto';
import { readGrantTokens } from './envelope-crypto.js';
import { kmsError, validationError } from './errors.js';
import { principalAccount } from './ids.js';
import type { OperationTable } from './operation.js';
import { pageResult, readPage } from './paginate.js';
import { accessDenied } from './scope.js';
import type { GrantConstraints, GrantRecord } from './types.js';
import { type Input, optionalString, optionalStringMap, requireString } from './validate.js';

/** CreateGrant, ListGrants, RetireGrant, RevokeGrant, ListRetirableGrants. */
export const GRANT_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
] as const;

const PRINCIPAL = /^(arn:aws[a-z-]*:(iam|sts)::\d{12}:.+|\d{12}|[a-z0-9.-]+\.amazonaws\.com)$/;

function readConstraints(input: Input): GrantConstraints | undefined {
  const raw = input.Constraints;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object')
    throw kmsError('SerializationException', "Unexpected type for member 'Constraints'");
  // Ignoring a constraint would grant more than was asked, so one the emulator cannot enforce is refused.
  if ((raw as Input).SourceArn !== undefined) {
    throw kmsError(
      'UnsupportedOperationException',
      'The SourceArn grant constraint is not supported by the emulator',
    );
  }
  const subset = optionalStringMap(raw as Input, 'EncryptionContextSubset');
  const equals = optionalStringMap(raw as Input, 'EncryptionContextEquals');
  return {
    ...(subset ? { EncryptionContextSubset: subset } : {}),
    ...(equals ? { EncryptionContextEquals: equals } : {}),
  };
}

const grantEntry = (g: GrantRecord) => ({
  KeyId: g.keyArn,
  GrantId: g.grantId,
  ...(g.name ? { Name: g.name } : {}),
  CreationDate: new Date(g.creationDate),
  GranteePrincipal: g.granteePrincipal,
  ...(g.retiringPrincipal ? { RetiringPrincipal: g.retiringPrincipal } : {}),
  IssuingAccount: `arn:aws:iam::${g.issuingAccount}:root`,
  Operations: g.operations,
  ...(g.constraints ? { Constraints: g.constraints } : {}),
});

type GrantParameters = Pick<GrantRecord, 'granteePrincipal' | 'operations'> & {
  retiringPrincipal: string | undefined;
  constraints: GrantConstraints | undefined;
};

function sameGrantParameters(grant: GrantRecord, asked: GrantParameters): boolean {
  const sorted = (ops: readonly string[]) => [...ops].sort().join(',');
  const context = (c: Record<string, string> | undefined) =>
    JSON.stringify(Object.entries(c ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return (
    grant.granteePrincipal === asked.granteePrincipal &&
    grant.retiringPrincipal === asked.retiringPrincipal &&
    sorted(grant.operations) === sorted(asked.operations) &&
    context(grant.constraints?.EncryptionContextSubset) ===
      context(asked.constraints?.EncryptionContextSubset) &&
    context(grant.constraints?.EncryptionContextEquals) ===
      context(asked.constraints?.EncryptionContextEquals)
  );
}

const grantIdOfToken = (token: string): string =>
  Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8');

export const grantOperations: OperationTable = {
  CreateGrant(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const grantee = requireString(input, 'GranteePrincipal', 256);
    const retiring = optionalString(input, 'RetiringPrincipal', 256);
    for (const member of ['GranteeServicePrincipal', 'RetiringServicePrincipal']) {
      if (input[member] !== undefined) {
        throw kmsError('UnsupportedOperationException', `${member} is not supported by the emulator`);
      }
    }
    for (const [member, p] of [
      ['granteePrincipal', grantee],
      ['retiringPrincipal', retiring],
    ] as const) {
      if (p !== undefined && !PRINCIPAL.test(p))
        throw validationError(member, p, 'Member must be a valid principal ARN');
    }
    const ops = input.Operations;
    if (!Array.isArray(ops) || ops.length === 0)
      throw validationError('operations', undefined, 'Member must not be null');
    for (const op of ops) {
      if (!(GRANT_OPERATIONS as readonly unknown[]).includes(op)) {
        throw validationError(
          'operations',
          op,
          `Member must satisfy enum value set: [${GRANT_OPERATIONS.join(', ')}]`,
        );
      }
    }
    const name = optionalString(input, 'Name', 256);
    const constraints = readConstraints(input);
    readGrantTokens(input);
    scope.authorize(key, 'CreateGrant');
    scope.requireNotPendingDeletion(key);
    const operations = [...new Set(ops as string[])];
    // A Name makes CreateGrant safe to retry: the same name with identical parameters returns the
    // existing grant, as AWS does. The same name with other parameters is refused rather than
    // answered with a grant that is not the one asked for, or a second grant under that name.
    const named = name ? scope.store.grantsOfKey(key.arn).find((g) => g.name === name) : undefined;
    if (named) {
      const asked = { granteePrincipal: grantee, retiringPrincipal: retiring, operations, constraints };
      if (!sameGrantParameters(named, asked)) {
        throw validationError(
          'name',
          name,
          `A grant named '${name}' already exists on ${key.arn} with different parameters; ` +
            'retry with identical parameters, or choose another name',
        );
      }
      return { GrantId: named.grantId, GrantToken: named.grantToken };
    }
    const grantId = randomBytes(32).toString('hex');
    const grantToken = `gt1.${Buffer.from(grantId, 'utf8').toString('base64url')}.${randomBytes(48).toString('base64url')}`;
    scope.store.putGrant({
      grantId,
      grantToken,
      keyArn: key.arn,
      keyId: key.keyId,
      ...(name ? { name } : {}),
      creationDate: scope.now(),
      granteePrincipal: grantee,
      ...(retiring ? { retiringPrincipal: retiring } : {}),
      issuingAccount: scope.ctx.accountId,
      operations,
      ...(constraints ? { constraints } : {}),
    });
    return { GrantId: grantId, GrantToken: grantToken };
  },

  ListGrants(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const grantId = optionalString(input, 'GrantId', 128);
    const grantee = optionalString(input, 'GranteePrincipal', 256);
    scope.authorize(key, 'ListGrants');
    const listing = `ListGrants:${key.arn}`;
    const { limit, after } = readPage(input, listing, scope.vault.markerKey, 100, 50);
    if (grantId !== undefined) {
      // One grant at most: looked up by id, not found by listing.
      const grant = scope.store.getGrant(grantId);
      const hit = grant && grant.keyArn === key.arn && (!grantee || grant.granteePrincipal === grantee);
      return { Grants: hit && after === undefined ? [grantEntry(grant)] : [], Truncated: false };
    }
    const { records, next } = scope.store.listGrants(key.arn, after, limit);
    // A grantee filter can leave a page short of Limit while Truncated is true, as AWS allows.
    const grants = records.filter((g) => !grantee || g.granteePrincipal === grantee);
    return { Grants: grants.map(grantEntry), ...pageResult(next, listing, scope.vault.markerKey) };
  },

  ListRetirableGrants(scope, input) {
    const principal = requireString(input, 'RetiringPrincipal', 256);
    const { region, accountId } = scope.ctx;
    const listing = `ListRetirableGrants:${region}:${accountId}:${principal}`;
    const { limit, after } = readPage(input, listing, scope.vault.markerKey, 100, 50);
    const { records, next } = scope.store.listRetirableGrants(region, accountId, principal, after, limit);
    return { Grants: records.map(grantEntry), ...pageResult(next, listing, scope.vault.markerKey) };
  },

  RetireGrant(scope, input) {
    const token = optionalString(input, 'GrantToken', 8192);
    const keyIdParam = optionalString(input, 'KeyId');
    const grantIdParam = optionalString(input, 'GrantId', 128);
    let grant: GrantRecord | undefined;
    if (token !== undefined) {
      readGrantTokens({ GrantTokens: [token] });
      grant = scope.store.getGrant(grantIdOfToken(token));
      if (!grant || grant.grantToken !== token)
        throw kmsError('InvalidGrantTokenException', 'Invalid grant token');
    } else if (keyIdParam !== undefined && grantIdParam !== undefined) {
      const key = scope.resolveKey(keyIdParam);
      grant = scope.store.getGrant(grantIdParam);
      if (!grant || grant.keyArn !== key.arn)
        throw kmsError('InvalidGrantIdException', `Grant ID ${grantIdParam} is not valid`);
    } else {
      throw validationError('grantToken', undefined, 'Specify GrantToken, or both KeyId and GrantId');
    }
    const key = scope.store.getKey(grant.keyArn);
    if (key) scope.touch(key);
    const caller = scope.ctx.principal;
    const mayRetire =
      caller === grant.retiringPrincipal ||
      (caller === grant.granteePrincipal && grant.operations.includes('RetireGrant')) ||
      caller === `arn:aws:iam::${grant.issuingAccount}:root` ||
      (grant.retiringPrincipal !== undefined &&
        grant.retiringPrincipal === `arn:aws:iam::${principalAccount(caller)}:root`);
    if (!mayRetire) throw accessDenied(caller, 'kms:RetireGrant', grant.keyArn, false);
    scope.store.deleteGrant(grant.grantId);
    return {};
  },

  RevokeGrant(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const grantId = requireString(input, 'GrantId', 128);
    scope.authorize(key, 'RevokeGrant');
    const grant = scope.store.getGrant(grantId);
    if (!grant || grant.keyArn !== key.arn)
      throw kmsError('NotFoundException', `Grant ID ${grantId} not found`);
    scope.store.deleteGrant(grantId);
    return {};
  },
};
