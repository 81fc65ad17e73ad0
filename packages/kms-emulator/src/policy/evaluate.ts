import { principalAccount } from '../engine/ids.js';
import { kmsError } from '../errors.js';

/**
 * Key policy evaluation for the documented subset (see README "Key policies"): Version, Statement[]
 * with Sid, Effect, Principal, Action, Resource and Condition (StringEquals / StringLike on
 * kms:EncryptionContext:<key> and kms:CallerAccount). NotPrincipal / NotAction / NotResource and other
 * condition operators are rejected when the policy is put, so a stored policy is always understood.
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

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const SUPPORTED_OPERATORS = new Set(['StringEquals', 'StringLike']);
const malformed = (why: string) =>
  kmsError('MalformedPolicyDocumentException', `The policy is malformed: ${why}`);
const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Parses and checks a policy document; throws MalformedPolicyDocumentException naming the problem. */
export function parsePolicy(text: string): Statement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw malformed('the document must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') {
    throw malformed(`unsupported Version ${String(d.Version)}`);
  }
  const statements = Array.isArray(d.Statement) ? d.Statement : d.Statement ? [d.Statement] : [];
  if (statements.length === 0) throw malformed('Statement is required');
  return statements.map((raw, i) => checkStatement(raw, i));
}

function checkStatement(raw: unknown, i: number): Statement {
  if (!raw || typeof raw !== 'object') throw malformed(`Statement[${i}] must be an object`);
  const s = raw as Record<string, unknown>;
  for (const unsupported of ['NotPrincipal', 'NotAction', 'NotResource']) {
    if (unsupported in s) throw malformed(`Statement[${i}].${unsupported} is not supported by the emulator`);
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny')
    throw malformed(`Statement[${i}].Effect must be Allow or Deny`);
  if (s.Principal === undefined) throw malformed(`Statement[${i}].Principal is required`);
  if (s.Action === undefined || !isStrings(s.Action)) throw malformed(`Statement[${i}].Action is required`);
  if (s.Resource !== undefined && !isStrings(s.Resource))
    throw malformed(`Statement[${i}].Resource is invalid`);
  if (s.Condition !== undefined) {
    if (!s.Condition || typeof s.Condition !== 'object')
      throw malformed(`Statement[${i}].Condition is invalid`);
    for (const [op, body] of Object.entries(s.Condition)) {
      if (!SUPPORTED_OPERATORS.has(op))
        throw malformed(`condition operator ${op} is not supported by the emulator`);
      if (!body || typeof body !== 'object') throw malformed(`Statement[${i}].Condition.${op} is invalid`);
      for (const [key, value] of Object.entries(body)) {
        if (!/^kms:EncryptionContext:.+$/.test(key) && key !== 'kms:CallerAccount') {
          throw malformed(`condition key ${key} is not supported by the emulator`);
        }
        if (!isStrings(value)) throw malformed(`Statement[${i}].Condition.${op}.${key} is invalid`);
      }
    }
  }
  return s as unknown as Statement;
}

const isStrings = (v: unknown): v is string | string[] =>
  typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/** Explicit Deny wins over any Allow; no matching statement is NoMatch (the caller falls back to grants). */
export function evaluatePolicy(statements: readonly Statement[], req: PolicyRequest): PolicyDecision {
  let allowed = false;
  for (const s of statements) {
    if (!principalMatches(s.Principal, req.principal)) continue;
    if (!list(s.Action).some((a) => wildcardMatch(a.toLowerCase(), req.action.toLowerCase()))) continue;
    const resources = list(s.Resource);
    if (resources.length > 0 && !resources.some((r) => wildcardMatch(r, req.resourceArn))) continue;
    if (!conditionsMatch(s.Condition, req)) continue;
    if (s.Effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}

function principalMatches(principal: unknown, caller: string): boolean {
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  const aws = (principal as Record<string, unknown>).AWS;
  const entries = typeof aws === 'string' ? [aws] : Array.isArray(aws) ? aws : [];
  return entries.some((p) => {
    if (typeof p !== 'string') return false;
    if (p === '*' || p === caller) return true;
    // There is no IAM layer, so the account (root or bare id) stands for every principal in it.
    const rootAccount = /^\d{12}$/.test(p) ? p : /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(p)?.[1];
    return rootAccount !== undefined && principalAccount(caller) === rootAccount;
  });
}

function conditionsMatch(condition: Statement['Condition'], req: PolicyRequest): boolean {
  if (!condition) return true;
  for (const [op, body] of Object.entries(condition)) {
    for (const [key, expected] of Object.entries(body)) {
      const actual =
        key === 'kms:CallerAccount'
          ? req.callerAccount
          : req.encryptionContext?.[key.slice('kms:EncryptionContext:'.length)];
      if (actual === undefined) return false;
      const patterns = list(expected);
      const ok =
        op === 'StringEquals' ? patterns.includes(actual) : patterns.some((p) => wildcardMatch(p, actual));
      if (!ok) return false;
    }
  }
  return true;
}

/** IAM-style `*` and `?` wildcards. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return re.test(value);
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
