import { KeyringError } from '@envelope/core';

/**
 * A Key Vault call failed. Carries Azure's error code (`KeyNotFound`, `Forbidden`, `Throttled` …)
 * and HTTP status when the service answered, so callers can switch on them; the message names the
 * operation and key, never key bytes.
 */
export class AzureKeyVaultError extends KeyringError {
  static override readonly code: string = 'ENVELOPE_AZURE_KEY_VAULT_FAILED';
  /** Azure's error code, or the network error code (`ECONNREFUSED` …), when known. */
  readonly azureCode: string | undefined;
  /** The HTTP status of the answer, when there was one. */
  readonly statusCode: number | undefined;

  constructor(
    message: string,
    details: { azureCode?: string | undefined; statusCode?: number | undefined; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.azureCode = details.azureCode;
    this.statusCode = details.statusCode;
  }
}

interface RestErrorLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  details?: { error?: { code?: string; message?: string } };
}

/** Azure's code for an error: the service's `error.code`, else the RestError / network code. */
export function azureErrorCode(error: unknown): string | undefined {
  const e = error as RestErrorLike;
  return e?.details?.error?.code ?? e?.code ?? undefined;
}

const HINTS: Record<number, string> = {
  401: 'the credential was refused: check the TokenCredential and the tenant',
  403: 'the identity may not use this key, or the key is disabled: check access policy / RBAC and the key state',
  404: 'no such key or version: check the key id',
  429: 'the vault is throttling: lower the request rate',
};

/** Turns any failure of one call into an {@link AzureKeyVaultError} naming operation and key. */
export function normalizeAzureError(operation: string, keyId: string, error: unknown): KeyringError {
  if (error instanceof KeyringError) return error;
  const e = error as RestErrorLike;
  const azureCode = azureErrorCode(error);
  const statusCode = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const what = e?.details?.error?.message ?? e?.message ?? String(error);
  const hint = statusCode !== undefined ? HINTS[statusCode] : undefined;
  const head = [azureCode, statusCode].filter((x) => x !== undefined).join(' ');
  return new AzureKeyVaultError(
    `Azure Key Vault ${operation} with ${keyId} failed: ${head ? `${head}: ` : ''}${what}${hint ? ` (${hint})` : ''}`,
    { azureCode, statusCode, cause: error },
  );
}
