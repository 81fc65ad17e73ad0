/**
 * Key Vault's error codes (the `error.code` of its `{"error":{"code","message"}}` body) and the HTTP
 * status each answers with. Codes and messages follow the Key Vault REST reference and what the
 * service returns (`KeyNotFound`, `Forbidden` with inner `KeyDisabled` / `KeyOperationForbidden` …).
 */
export const AZURE_ERROR_STATUS = {
  BadParameter: 400,
  Unauthorized: 401,
  Forbidden: 403,
  KeyNotFound: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  Throttled: 429,
  InternalServerError: 500,
  NotImplemented: 501,
  ServiceUnavailable: 503,
} as const;

export type AzureErrorCode = keyof typeof AZURE_ERROR_STATUS;

export const isAzureErrorCode = (name: string): name is AzureErrorCode =>
  Object.hasOwn(AZURE_ERROR_STATUS, name);

/** A Key Vault error: the code, the message, an optional inner error code, and the HTTP status. */
export class AzureKeyVaultError extends Error {
  readonly status: number;

  constructor(
    readonly code: AzureErrorCode,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
    this.name = 'AzureKeyVaultError';
    this.status = AZURE_ERROR_STATUS[code];
  }

  /** The body Key Vault answers with. */
  toBody(): { error: { code: string; message: string; innererror?: { code: string } } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.innerCode ? { innererror: { code: this.innerCode } } : {}),
      },
    };
  }
}

export const badParameter = (message: string): AzureKeyVaultError =>
  new AzureKeyVaultError('BadParameter', message);

const FWLINK = 'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

export const keyNotFound = (nameOrId: string): AzureKeyVaultError =>
  new AzureKeyVaultError(
    'KeyNotFound',
    `A key with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. ${FWLINK}`,
  );

export const deletedKeyNotFound = (): AzureKeyVaultError =>
  new AzureKeyVaultError('KeyNotFound', 'Deleted Key not found');

export const keyDisabled = (operation: string): AzureKeyVaultError =>
  new AzureKeyVaultError(
    'Forbidden',
    `Operation ${operation} is not allowed on a disabled key.`,
    'KeyDisabled',
  );

export const operationForbidden = (operation: string): AzureKeyVaultError =>
  new AzureKeyVaultError(
    'Forbidden',
    `Operation ${operation} is not permitted on this key.`,
    'KeyOperationForbidden',
  );
