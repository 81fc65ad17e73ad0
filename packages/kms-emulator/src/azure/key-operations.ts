import { addressed, touch } from './addressed.js';
import { deletedKeyBundle, deletedKeyItem, keyBundle, keyItem, rotationPolicy } from './bundles.js';
import { addDuration } from './durations.js';
import { AzureKeyVaultError, badParameter, keyDisabled } from './errors.js';
import { isEc, isOct, isRsa } from './key-material.js';
import { isPurgeDue, type NewVersion } from './key-store.js';
import { keyResource } from './names.js';
import {
  defineOperation,
  keyName,
  keyVersion,
  type Operation,
  pageAfter,
  pageSize,
  pageToken,
} from './operation.js';
import {
  type AzureKeyRecord,
  type AzureKeyVersionRecord,
  type KeyOperation,
  type KeyType,
  OCT_SIZES,
  RECOVERABLE_DAYS,
  RSA_SIZES,
} from './records.js';
import { createKeyBody, parseBody, rotationPolicyBody, updateKeyBody } from './requests.js';

const OPS_BY_TYPE = (kty: KeyType): readonly KeyOperation[] =>
  isEc(kty)
    ? ['sign', 'verify']
    : isOct(kty)
      ? ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']
      : ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'];

function checkKeyOps(kty: KeyType, ops: readonly KeyOperation[]): KeyOperation[] {
  const allowed = OPS_BY_TYPE(kty);
  const wrong = ops.find((op) => !allowed.includes(op));
  if (wrong) throw badParameter(`Key operation '${wrong}' is not valid for a key of type '${kty}'.`);
  return [...new Set(ops)];
}

function checkValidity(nbf: number | undefined, exp: number | undefined): void {
  if (nbf !== undefined && exp !== undefined && exp <= nbf)
    throw badParameter('attributes.exp must be later than attributes.nbf.');
}

function versionSpec(body: ReturnType<typeof createKeyBody.parse>): NewVersion {
  const { kty } = body;
  let keySize: number | undefined;
  let curve = body.crv;
  if (isRsa(kty)) {
    keySize = body.key_size ?? 2048;
    if (!(RSA_SIZES as readonly number[]).includes(keySize))
      throw badParameter(`key_size ${keySize} is not supported for RSA keys; use 2048, 3072 or 4096.`);
    if (curve) throw badParameter(`crv is not valid for a key of type '${kty}'.`);
  } else if (isOct(kty)) {
    keySize = body.key_size ?? 256;
    if (!(OCT_SIZES as readonly number[]).includes(keySize))
      throw badParameter(`key_size ${keySize} is not supported for oct keys; use 128, 192 or 256.`);
    if (curve) throw badParameter(`crv is not valid for a key of type '${kty}'.`);
  } else {
    curve ??= 'P-256';
    if (body.key_size !== undefined)
      throw badParameter(`key_size is not valid for a key of type '${kty}'; use crv.`);
  }
  const publicExponent = body.public_exponent ?? 65537;
  if (body.public_exponent !== undefined && (!isRsa(kty) || ![3, 65537].includes(publicExponent)))
    throw badParameter('public_exponent must be 3 or 65537, and only for RSA keys.');
  checkValidity(body.attributes?.nbf, body.attributes?.exp);
  return {
    kty,
    ...(keySize !== undefined ? { keySize } : {}),
    ...(curve !== undefined ? { curve } : {}),
    publicExponent,
    keyOps: checkKeyOps(kty, body.key_ops ?? OPS_BY_TYPE(kty)),
    enabled: body.attributes?.enabled ?? true,
    ...(body.attributes?.nbf !== undefined ? { nbf: body.attributes.nbf } : {}),
    ...(body.attributes?.exp !== undefined ? { exp: body.attributes.exp } : {}),
    tags: body.tags ?? {},
  };
}

const deletedConflict = (name: string) =>
  new AzureKeyVaultError(
    'Conflict',
    `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can be recovered or purged.`,
  );

/** Creates a key, or a new version when the name exists (as Key Vault does). */
const createKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    const body = parseBody(createKeyBody, request.body);
    const spec = versionSpec(body);
    const { kty, key_size, crv, key_ops } = body;
    return {
      input: { name, spec },
      parameters: { name, kty, key_size, crv, key_ops, attributes: body.attributes },
    };
  },
  run: ({ name, spec }, { keys, scope, vault, vaultUrl, now }) => {
    let existing = keys.peek(vault, name);
    if (existing && isPurgeDue(existing, now)) {
      keys.purge(existing);
      existing = undefined;
    }
    if (existing?.deleted) throw deletedConflict(name);
    const version = keys.newVersion(vault, name, spec, now);
    const key: AzureKeyRecord = existing
      ? { ...existing, currentVersion: version.version, updated: now }
      : { vault, name, currentVersion: version.version, created: now, updated: now };
    keys.putKey(key);
    touch(scope, version);
    return keyBundle(vaultUrl, version);
  },
});

const getKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    const version = keyVersion(request);
    return { input: { name, version }, parameters: { name, ...(version ? { version } : {}) } };
  },
  run: ({ name, version }, context) => {
    const record = addressed(context, name, version);
    if (!record.enabled) throw keyDisabled('get');
    return keyBundle(context.vaultUrl, record);
  },
});

const updateKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    const version = keyVersion(request);
    const body = parseBody(updateKeyBody, request.body);
    return {
      input: { name, version, body },
      parameters: {
        name,
        ...(version ? { version } : {}),
        key_ops: body.key_ops,
        attributes: body.attributes,
      },
    };
  },
  run: ({ name, version, body }, context) => {
    const record = addressed(context, name, version);
    const nbf = body.attributes?.nbf ?? record.nbf;
    const exp = body.attributes?.exp ?? record.exp;
    checkValidity(nbf, exp);
    const updated: AzureKeyVersionRecord = {
      ...record,
      ...(body.key_ops ? { keyOps: checkKeyOps(record.kty, body.key_ops) } : {}),
      ...(body.attributes?.enabled !== undefined ? { enabled: body.attributes.enabled } : {}),
      ...(nbf !== undefined ? { nbf } : {}),
      ...(exp !== undefined ? { exp } : {}),
      ...(body.tags ? { tags: { ...body.tags } } : {}),
      updated: context.now,
    };
    context.keys.putVersion(updated);
    return keyBundle(context.vaultUrl, updated);
  },
});

/** A new version with the current version's type, size, operations and tags. */
const rotateKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    return { input: { name }, parameters: { name } };
  },
  run: ({ name }, context) => {
    const { keys, vault, now } = context;
    const key = keys.key(vault, name);
    const current = keys.version(key, undefined);
    const expiry = key.rotationPolicy?.expiryTime;
    const version = keys.newVersion(
      vault,
      name,
      {
        kty: current.kty,
        ...(current.keySize !== undefined ? { keySize: current.keySize } : {}),
        ...(current.publicJwk.crv ? { curve: current.publicJwk.crv } : {}),
        publicExponent: publicExponentOf(current),
        keyOps: current.keyOps,
        enabled: true,
        ...(expiry ? { exp: addDuration(now, expiry) } : {}),
        tags: current.tags,
      },
      now,
    );
    keys.putKey({ ...key, currentVersion: version.version, updated: now });
    touch(context.scope, version);
    return keyBundle(context.vaultUrl, version);
  },
});

function publicExponentOf(version: AzureKeyVersionRecord): number {
  const e = Buffer.from(version.publicJwk.e ?? '', 'base64url');
  return e.length ? e.readUIntBE(0, e.length) : 65537;
}

const listKeys = defineOperation({
  parse: (request) => ({
    input: { size: pageSize(request), request },
    parameters: { maxresults: request.maxresults },
  }),
  run: ({ size, request }, { keys, vault, vaultUrl }) => {
    const page = keys.listKeys(vault, false, pageAfter(request, vault), size);
    return {
      value: page.records.map((key) => keyItem(vaultUrl, keys.version(key, undefined), false)),
      next: pageToken(page.next),
    };
  },
});

const listKeyVersions = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    return {
      input: { name, size: pageSize(request), request },
      parameters: { name, maxresults: request.maxresults },
    };
  },
  run: ({ name, size, request }, { keys, scope, vault, vaultUrl }) => {
    const key = keys.key(vault, name);
    scope.touch(keyResource(vault, name));
    const page = keys.listVersions(key, pageAfter(request, vault), size);
    return { value: page.records.map((v) => keyItem(vaultUrl, v, true)), next: pageToken(page.next) };
  },
});

const deleteKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    return { input: { name }, parameters: { name } };
  },
  run: ({ name }, { keys, scope, vault, vaultUrl, now }) => {
    const key = keys.key(vault, name);
    scope.touch(keyResource(vault, name));
    const deleted: AzureKeyRecord = {
      ...key,
      deleted: { deletedDate: now, scheduledPurgeDate: now + RECOVERABLE_DAYS * 86_400 },
    };
    keys.putKey(deleted);
    return deletedKeyBundle(vaultUrl, deleted, keys.version(key, undefined));
  },
});

const getDeletedKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    return { input: { name }, parameters: { name } };
  },
  run: ({ name }, { keys, scope, vault, vaultUrl, now }) => {
    scope.touch(keyResource(vault, name));
    const key = keys.deletedKey(vault, name, now, scope);
    return deletedKeyBundle(vaultUrl, key, keys.version(key, undefined));
  },
});

const listDeletedKeys = defineOperation({
  parse: (request) => ({
    input: { size: pageSize(request), request },
    parameters: { maxresults: request.maxresults },
  }),
  run: ({ size, request }, { keys, vault, vaultUrl, now }) => {
    const page = keys.listKeys(vault, true, pageAfter(request, vault), size);
    return {
      value: page.records
        .filter((key) => !isPurgeDue(key, now))
        .map((key) => deletedKeyItem(vaultUrl, key, keys.version(key, undefined))),
      next: pageToken(page.next),
    };
  },
});

const recoverDeletedKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    return { input: { name }, parameters: { name } };
  },
  run: ({ name }, { keys, scope, vault, vaultUrl, now }) => {
    scope.touch(keyResource(vault, name));
    const { deleted: _, ...key } = keys.deletedKey(vault, name, now, scope);
    keys.putKey({ ...key, updated: now });
    return keyBundle(vaultUrl, keys.version(key, undefined));
  },
});

const purgeDeletedKey = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    return { input: { name }, parameters: { name } };
  },
  run: ({ name }, { keys, scope, vault, now }) => {
    scope.touch(keyResource(vault, name));
    keys.purge(keys.deletedKey(vault, name, now, scope));
    return undefined;
  },
});

const getKeyRotationPolicy = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    return { input: { name }, parameters: { name } };
  },
  run: ({ name }, { keys, scope, vault, vaultUrl }) => {
    const key = keys.key(vault, name);
    scope.touch(keyResource(vault, name));
    return rotationPolicy(vaultUrl, name, key.rotationPolicy);
  },
});

const updateKeyRotationPolicy = defineOperation({
  parse: (request) => {
    const name = keyName(request);
    const body = parseBody(rotationPolicyBody, request.body);
    for (const action of body.lifetimeActions ?? []) {
      const { timeAfterCreate, timeBeforeExpiry } = action.trigger;
      if ((timeAfterCreate === undefined) === (timeBeforeExpiry === undefined))
        throw badParameter(
          'Each lifetime action trigger needs exactly one of timeAfterCreate and timeBeforeExpiry.',
        );
    }
    return {
      input: { name, body },
      parameters: { name, lifetimeActions: body.lifetimeActions, attributes: body.attributes },
    };
  },
  run: ({ name, body }, { keys, scope, vault, vaultUrl, now }) => {
    const key = keys.key(vault, name);
    scope.touch(keyResource(vault, name));
    const expiryTime = body.attributes?.expiryTime;
    const policy = {
      lifetimeActions: (body.lifetimeActions ?? []).map((a) => ({
        trigger: { ...a.trigger },
        action: { type: a.action.type },
      })),
      ...(expiryTime ? { expiryTime } : {}),
      created: key.rotationPolicy?.created ?? now,
      updated: now,
    };
    keys.putKey({ ...key, rotationPolicy: policy });
    return rotationPolicy(vaultUrl, name, policy);
  },
});

export const keyOperations: Readonly<Record<string, Operation>> = {
  createKey,
  getKey,
  updateKey,
  rotateKey,
  getKeys: listKeys,
  getKeyVersions: listKeyVersions,
  deleteKey,
  getDeletedKey,
  getDeletedKeys: listDeletedKeys,
  recoverDeletedKey,
  purgeDeletedKey,
  getKeyRotationPolicy,
  updateKeyRotationPolicy,
};
