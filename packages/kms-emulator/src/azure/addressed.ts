import { keyResource, versionResource } from './names.js';
import type { OperationContext } from './operation.js';
import type { AzureKeyVersionRecord } from './records.js';

/** Records a version and its key as the resources a call acted on. */
export function touch(scope: OperationContext['scope'], version: AzureKeyVersionRecord): void {
  scope.touch(keyResource(version.vault, version.name));
  scope.touch(versionResource(version.vault, version.name, version.version));
}

/** The version a call addresses, audited; `KeyNotFound` when the key or version is missing. */
export function addressed(context: OperationContext, name: string, version: string): AzureKeyVersionRecord {
  const key = context.keys.key(context.vault, name);
  context.scope.touch(keyResource(context.vault, name));
  const record = context.keys.version(key, version);
  touch(context.scope, record);
  return record;
}
