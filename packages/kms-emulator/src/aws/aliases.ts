import { kmsError, validationError } from './errors.js';
import { aliasArn } from './ids.js';
import type { OperationTable } from './operation.js';
import { pageResult, readPage } from './paginate.js';
import type { OperationScope } from './scope.js';
import { type Input, optionalString, requireString } from './validate.js';

/** CreateAlias, UpdateAlias, DeleteAlias, ListAliases. */
const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9/_-]+$/;

function readAliasName(input: Input): string {
  const name = requireString(input, 'AliasName', 256);
  if (!ALIAS_PATTERN.test(name)) {
    throw validationError(
      'aliasName',
      name,
      'Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$',
    );
  }
  if (name.startsWith('alias/aws/')) {
    throw kmsError('InvalidAliasNameException', `Alias ${name} uses the reserved prefix alias/aws/`);
  }
  return name;
}

function targetKey(scope: OperationScope, input: Input, action: string) {
  const keyIdParam = requireString(input, 'TargetKeyId');
  if (keyIdParam.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyIdParam)) {
    throw validationError('targetKeyId', keyIdParam, 'TargetKeyId must be a key id or key ARN, not an alias');
  }
  const key = scope.resolveKey(keyIdParam);
  scope.authorize(key, action);
  scope.requireNotPendingDeletion(key);
  return key;
}

export const aliasOperations: OperationTable = {
  CreateAlias(scope, input) {
    const name = readAliasName(input);
    const key = targetKey(scope, input, 'CreateAlias');
    const { accountId, region } = scope.ctx;
    if (scope.store.getAlias(accountId, region, name)) {
      throw kmsError(
        'AlreadyExistsException',
        `An alias with the name ${aliasArn(region, accountId, name)} already exists`,
      );
    }
    const now = scope.now();
    scope.store.putAlias({
      aliasName: name,
      aliasArn: aliasArn(region, accountId, name),
      accountId,
      region,
      targetKeyId: key.keyId,
      creationDate: now,
      lastUpdatedDate: now,
    });
    return {};
  },

  UpdateAlias(scope, input) {
    const name = readAliasName(input);
    const { accountId, region } = scope.ctx;
    const alias = scope.store.getAlias(accountId, region, name);
    if (!alias)
      throw kmsError('NotFoundException', `Alias '${aliasArn(region, accountId, name)}' is not found.`);
    const key = targetKey(scope, input, 'UpdateAlias');
    const current = scope.store.getKey(key.arn.replace(key.keyId, alias.targetKeyId));
    if (current && (current.keySpec !== key.keySpec || current.keyUsage !== key.keyUsage)) {
      throw validationError(
        'targetKeyId',
        key.keyId,
        'The new key must have the same key spec and key usage as the current one',
      );
    }
    scope.store.putAlias({ ...alias, targetKeyId: key.keyId, lastUpdatedDate: scope.now() });
    return {};
  },

  DeleteAlias(scope, input) {
    const name = readAliasName(input);
    const { accountId, region } = scope.ctx;
    const alias = scope.store.getAlias(accountId, region, name);
    if (!alias)
      throw kmsError('NotFoundException', `Alias '${aliasArn(region, accountId, name)}' is not found.`);
    const key = scope.store.getKey(`arn:aws:kms:${region}:${accountId}:key/${alias.targetKeyId}`);
    if (key) {
      scope.touch(key);
      scope.authorize(key, 'DeleteAlias');
    }
    scope.store.deleteAlias(accountId, region, name);
    return {};
  },

  ListAliases(scope, input) {
    const keyIdParam = optionalString(input, 'KeyId');
    const { region, accountId } = scope.ctx;
    const key = keyIdParam === undefined ? undefined : scope.resolveKey(keyIdParam);
    const listing = `ListAliases:${region}:${accountId}:${key?.arn ?? ''}`;
    const { limit, after } = readPage(input, listing, scope.vault.markerKey, 100, 50);
    const { records, next } = scope.store.listAliases(region, accountId, key?.arn, after, limit);
    return {
      Aliases: records.map((a) => ({
        AliasName: a.aliasName,
        AliasArn: a.aliasArn,
        TargetKeyId: a.targetKeyId,
        CreationDate: new Date(a.creationDate),
        LastUpdatedDate: new Date(a.lastUpdatedDate),
      })),
      ...pageResult(next, listing, scope.vault.markerKey),
    };
  },
};
