import { accountRoot, type KmsEngine } from '@envelope/kms-emulator';
import { credentialScope, type EncodedError, encodeNamedError, type HeaderBag } from './codec.js';
import { type AccessKey, verifySigV4 } from './sigv4.js';

export interface AwsCallerOptions {
  /**
   * When given, every request must carry a valid SigV4 signature by one of these keys, and the key
   * decides the principal; the signature's credential scope decides the region.
   */
  readonly accessKeys?: ReadonlyMap<string, AccessKey>;
  /** Access key id → principal ARN without verification. Unknown keys act as the default account's root. */
  readonly principals?: Readonly<Record<string, string>>;
  /** Region when neither the SigV4 scope nor the Host names one (default `us-east-1`). */
  readonly defaultRegion?: string;
}

export interface AwsCallerRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: HeaderBag;
  readonly body: Buffer;
}

export interface AwsCaller {
  readonly region: string;
  readonly principal: string;
  readonly accountId: string;
}

/**
 * Who calls and in which region: from a verified signature when access keys are configured (a bad
 * one is refused with AWS's error type, status 400), else from the credential scope and Host as sent.
 */
export function awsCaller(
  engine: KmsEngine,
  request: AwsCallerRequest,
  options: AwsCallerOptions,
): AwsCaller | EncodedError {
  let region: string;
  let principal: string;
  if (options.accessKeys) {
    const verified = verifySigV4(
      {
        method: request.method ?? 'POST',
        url: request.url ?? '/',
        headers: request.headers,
        body: request.body,
      },
      options.accessKeys,
    );
    if (!verified.ok) return encodeNamedError(400, verified.errorType, verified.message);
    region = verified.region;
    principal = verified.principal;
  } else {
    const scope = credentialScope(request.headers);
    region = scope.region ?? options.defaultRegion ?? 'us-east-1';
    principal =
      (scope.accessKeyId && options.principals?.[scope.accessKeyId]) || accountRoot(engine.defaultAccountId);
  }
  return { region, principal, accountId: principalAccount(principal) ?? engine.defaultAccountId };
}

/**
 * The account a principal ARN names (`arn:aws:iam::<12 digits>:…`), by principal. Principals come from
 * the server's configuration (access keys, `principals`, the default account's root), never from a
 * request, so there are few; the map still stops growing past {@link PRINCIPAL_ACCOUNTS}.
 */
const principalAccounts = new Map<string, string | undefined>();
const PRINCIPAL_ACCOUNTS = 1024;

function principalAccount(principal: string): string | undefined {
  if (principalAccounts.has(principal)) return principalAccounts.get(principal);
  const account = /::(\d{12}):/.exec(principal)?.[1];
  if (principalAccounts.size < PRINCIPAL_ACCOUNTS) principalAccounts.set(principal, account);
  return account;
}
