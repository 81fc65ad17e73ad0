import type protobuf from 'protobufjs';
import { kmsService } from '../gcp-protos/definitions.js';

/** One `google.api.http` binding of a method, compiled for matching incoming requests. */
export interface HttpRule {
  method: string;
  rpc: protobuf.Method;
  verb: string;
  pattern: RegExp;
  /** Request field paths (snake_case, dotted) of the template's variables, in order. */
  variables: string[];
  /** `*`, a field name, or undefined when the request has no body. */
  body: string | undefined;
}

const VERBS = ['get', 'post', 'patch', 'put', 'delete'] as const;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `{name=projects/*\/locations/*}` segments: `*` is one path segment, `**` any number of them. */
function compileTemplate(template: string): { pattern: RegExp; variables: string[] } {
  const variables: string[] = [];
  let source = '';
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open < 0) {
      source += escapeRegExp(rest);
      break;
    }
    source += escapeRegExp(rest.slice(0, open));
    const close = rest.indexOf('}', open);
    const [field = '', segments = '*'] = rest.slice(open + 1, close).split('=');
    variables.push(field);
    const inner = segments
      .split('/')
      .map((segment) => (segment === '**' ? '[^:?]+' : segment === '*' ? '[^/:?]+' : escapeRegExp(segment)))
      .join('/');
    source += `(${inner})`;
    rest = rest.slice(close + 1);
  }
  return { pattern: new RegExp(`^${source}$`), variables };
}

let rules: HttpRule[] | undefined;

/** Every HTTP binding of `KeyManagementService`, read from the shipped definitions. */
export function httpRules(): HttpRule[] {
  if (rules) return rules;
  rules = [];
  for (const rpc of Object.values(kmsService().methods)) {
    const http = (rpc.parsedOptions ?? []).find((o: Record<string, unknown>) => o['(google.api.http)'])?.[
      '(google.api.http)'
    ] as Record<string, string> | undefined;
    if (!http) continue;
    for (const verb of VERBS) {
      const template = http[verb];
      if (!template) continue;
      rules.push({
        method: rpc.name,
        rpc,
        verb: verb.toUpperCase(),
        ...compileTemplate(template),
        body: http.body,
      });
    }
  }
  return rules;
}

export function matchRule(verb: string, path: string): { rule: HttpRule; values: string[] } | undefined {
  for (const rule of httpRules()) {
    if (rule.verb !== verb) continue;
    const match = rule.pattern.exec(path);
    if (match) return { rule, values: match.slice(1).map((v) => decodeURIComponent(v)) };
  }
  return undefined;
}
