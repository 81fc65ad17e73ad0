import { z } from 'zod';
import { kmsError } from '../errors.js';
import { KMS_ACTIONS } from './actions.js';
import { wellFormed } from './utf8.js';
import { wildcardMatch } from './wildcard.js';

/**
 * The key policy grammar the emulator implements (README "Key policies"), as one zod schema. Every
 * object is strict: an element, operator, condition key or principal shape outside this grammar is
 * refused with MalformedPolicyDocumentException, so a stored policy never holds anything the evaluator
 * would skip (a misspelled `Conditions`, a `{"aws": …}` principal, a `NotAction` …).
 */

const strings = <T extends z.ZodType<string>>(item: T, what: string) =>
  z.union([item, z.array(item).min(1, `${what} must not be an empty list`)], {
    error: `${what} must be a string or a non-empty list of strings`,
  });

const strict = <T extends z.ZodRawShape>(shape: T, where: string) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unsupported element ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} in ${where}; the emulator understands only ${Object.keys(shape).join(', ')} (element names are case-sensitive)`
        : issue.code === 'invalid_type'
          ? `${where} must be a JSON object`
          : undefined,
  });

const ACCOUNT_ID = /^\d{12}$/;
// IAM names and paths: letters, digits and +=,.@_- (no wildcards: AWS refuses them in principals).
const IAM_NAME = '[\\w+=,.@-]+';
const PRINCIPAL_ARN = new RegExp(
  `^arn:aws:(?:iam::\\d{12}:(?:root|(?:user|role)(?:/${IAM_NAME})*/${IAM_NAME})|sts::\\d{12}:assumed-role/${IAM_NAME}/${IAM_NAME})$`,
);
const principalId = z.string().refine((p) => p === '*' || ACCOUNT_ID.test(p) || PRINCIPAL_ARN.test(p), {
  error: (issue) =>
    `invalid principal ${JSON.stringify(issue.input)}: use "*", a 12-digit account id, or an arn:aws:iam::<account>:root / :user/<name> / :role/<name> or arn:aws:sts::<account>:assumed-role/<role>/<session> ARN, without wildcards`,
});
const principal = z.union(
  [z.literal('*'), strict({ AWS: strings(principalId, 'Principal.AWS') }, 'Principal')],
  {
    error: 'Principal must be "*" or {"AWS": <principal or list of principals>}',
  },
);

const actionPattern = z
  .string()
  .refine(
    (a) => /^(?:\*|kms:[A-Za-z*?]+)$/i.test(a) && KMS_ACTIONS.some((known) => wildcardMatch(a, known, true)),
    {
      error: (issue) =>
        `invalid action ${JSON.stringify(issue.input)}: not an AWS KMS action (kms:Decrypt, kms:Generate*, kms:* …)`,
    },
  );

const KEY_ARN_PATTERN = /^arn:aws:kms:[a-z0-9*?-]+:[0-9*?]+:key\/[A-Za-z0-9*?-]+$/;
const resourcePattern = z.string().refine((r) => r === '*' || KEY_ARN_PATTERN.test(r), {
  error: (issue) =>
    `invalid resource ${JSON.stringify(issue.input)}: use "*" (this key) or a key ARN arn:aws:kms:<region>:<account>:key/<id>, wildcards allowed`,
});

const CONTEXT_KEY_PREFIX = 'kms:EncryptionContext:';
const conditionBlock = (operator: 'StringEquals' | 'StringLike') =>
  z
    .record(
      z
        .string()
        .refine(
          (k) =>
            k === 'kms:CallerAccount' ||
            (k.startsWith(CONTEXT_KEY_PREFIX) && k.length > CONTEXT_KEY_PREFIX.length),
          {
            error: (issue) =>
              `unsupported condition key ${JSON.stringify(issue.input)}: the emulator understands kms:CallerAccount and kms:EncryptionContext:<context-key> (case-sensitive)`,
          },
        ),
      strings(z.string(), `${operator} value`),
      {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? `Condition.${operator} must be an object of condition keys`
            : undefined,
      },
    )
    .refine((block) => Object.keys(block).length > 0, {
      error: `Condition.${operator} must name a condition key`,
    })
    .superRefine((block, ctx) => {
      const accounts = block['kms:CallerAccount'];
      if (accounts === undefined) return;
      const valid = operator === 'StringEquals' ? ACCOUNT_ID : /^[\d*?]{1,12}$/;
      for (const value of typeof accounts === 'string' ? [accounts] : accounts) {
        if (!valid.test(value)) {
          ctx.addIssue({
            code: 'custom',
            path: ['kms:CallerAccount'],
            message: `kms:CallerAccount value ${JSON.stringify(value)} is not a 12-digit account id${operator === 'StringLike' ? ' pattern' : ''}`,
          });
        }
      }
    });

const condition = strict(
  {
    StringEquals: conditionBlock('StringEquals').optional(),
    StringLike: conditionBlock('StringLike').optional(),
  },
  'Condition (condition operators)',
);

const statement = strict(
  {
    Sid: z.string({ error: 'Sid must be a string' }).optional(),
    Effect: z.enum(['Allow', 'Deny'], { error: 'Effect must be "Allow" or "Deny"' }),
    Principal: principal,
    Action: strings(actionPattern, 'Action'),
    Resource: strings(resourcePattern, 'Resource').optional(),
    Condition: condition.optional(),
  },
  'a Statement',
);

const documentSchema = strict(
  {
    Version: z
      .enum(['2012-10-17', '2008-10-17'], { error: 'Version must be "2012-10-17" or "2008-10-17"' })
      .optional(),
    Id: z.string({ error: 'Id must be a string' }).optional(),
    Statement: z.union([statement, z.array(statement).min(1, 'Statement must not be an empty list')], {
      error: 'Statement must be an object or a non-empty list of objects',
    }),
  },
  'the policy document',
);

type StatementInput = z.output<typeof statement>;
type ConditionOperator = 'StringEquals' | 'StringLike';

/** A principal pattern as the evaluator understands it. */
export type PrincipalPattern =
  | { readonly kind: 'any' }
  /** An account id or account root: every principal of that account (there is no IAM layer). */
  | { readonly kind: 'account'; readonly accountId: string }
  | { readonly kind: 'exact'; readonly arn: string };

export type ConditionKey =
  | { readonly kind: 'callerAccount' }
  | { readonly kind: 'encryptionContext'; readonly contextKey: string };

export interface PolicyCondition {
  readonly operator: ConditionOperator;
  readonly key: ConditionKey;
  /** Well-formed strings (lone surrogates replaced by U+FFFD, as their UTF-8 encoding does). */
  readonly values: readonly string[];
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly principals: readonly PrincipalPattern[];
  /** `kms:` action patterns, lower-cased (actions match case-insensitively). */
  readonly actions: readonly string[];
  /** Absent: every resource (in a key policy, "this key"). */
  readonly resources?: readonly string[];
  /** All must hold. */
  readonly conditions: readonly PolicyCondition[];
}

/** A parsed, fully understood key policy. Only `parsePolicy` makes one. */
export interface KeyPolicy {
  readonly statements: readonly PolicyStatement[];
  /** The canonical JSON of what was understood: this is what the key stores and GetKeyPolicy returns. */
  readonly text: string;
}

const malformed = (why: string) =>
  kmsError('MalformedPolicyDocumentException', `The policy is malformed: ${why}`);

/** Parses a key policy document once; throws MalformedPolicyDocumentException naming the first problem. */
export function parsePolicy(text: string): KeyPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw malformed(`not valid JSON (${(error as Error).message})`);
  }
  // Strings are compared as the UTF-8 bytes they encode to, so normalise them before anything else.
  const result = documentSchema.safeParse(normaliseStrings(json));
  if (!result.success) {
    const { path, message } = innermost(first(result.error.issues), []);
    throw malformed(`${issuePath(path)}${message}`);
  }
  const doc = result.data;
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).map(toStatement);
  return Object.freeze({ statements: Object.freeze(statements), text: JSON.stringify(doc, null, 2) });
}

function toStatement(s: StatementInput): PolicyStatement {
  const conditions: PolicyCondition[] = [];
  for (const operator of ['StringEquals', 'StringLike'] as const) {
    for (const [key, value] of Object.entries(s.Condition?.[operator] ?? {})) {
      conditions.push({
        operator,
        key:
          key === 'kms:CallerAccount'
            ? { kind: 'callerAccount' }
            : { kind: 'encryptionContext', contextKey: key.slice(CONTEXT_KEY_PREFIX.length) },
        values: list(value),
      });
    }
  }
  return Object.freeze({
    ...(s.Sid !== undefined ? { sid: s.Sid } : {}),
    effect: s.Effect,
    principals: s.Principal === '*' ? [ANY] : list(s.Principal.AWS).map(toPrincipal),
    actions: list(s.Action).map((a) => a.toLowerCase()),
    ...(s.Resource !== undefined ? { resources: list(s.Resource) } : {}),
    conditions,
  });
}

const ANY: PrincipalPattern = { kind: 'any' };

function toPrincipal(p: string): PrincipalPattern {
  if (p === '*') return ANY;
  if (ACCOUNT_ID.test(p)) return { kind: 'account', accountId: p };
  const root = /^arn:aws:iam::(\d{12}):root$/.exec(p);
  return root ? { kind: 'account', accountId: root[1]! } : { kind: 'exact', arn: p };
}

const list = (v: string | readonly string[]): string[] => (typeof v === 'string' ? [v] : [...v]);

function normaliseStrings(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(normaliseStrings);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const k = wellFormed(key);
      if (Object.hasOwn(out, k)) {
        throw malformed(
          `two element names encode to the same UTF-8 bytes ${JSON.stringify(k)} (a lone surrogate?)`,
        );
      }
      out[k] = normaliseStrings(v);
    }
    return out;
  }
  return value;
}

/**
 * A failed union (string or list, object or list) reports each branch; the branch whose type matched
 * the input holds the real problem, so report that one. When no branch matched, the union's own
 * message says which shapes are accepted.
 */
function innermost(
  issue: z.core.$ZodIssue,
  base: readonly PropertyKey[],
): { path: PropertyKey[]; message: string } {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_key' && issue.issues[0]) return innermost(issue.issues[0], path);
  if (issue.code !== 'invalid_union') return { path, message: issue.message };
  const wrongShape = (i: z.core.$ZodIssue) =>
    (i.code === 'invalid_type' || i.code === 'invalid_value') && i.path.length === 0;
  const matched = issue.errors.find((branch) => !(branch.length === 1 && wrongShape(branch[0]!)));
  return matched?.[0] ? innermost(first(matched), path) : { path, message: issue.message };
}

/** An unknown element is the likeliest cause of every other issue (a `NotAction` for a missing `Action`). */
function first(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  return issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
}

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return `${out}: `;
}
