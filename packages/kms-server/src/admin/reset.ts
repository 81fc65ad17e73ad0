import type { IncomingMessage, ServerResponse } from 'node:http';
import { applySeed, type KmsEngine, type SeedFile, type SeedSummary } from '@envelope/kms-emulator';
import { AdminRequestError, json, jsonBody } from './admin-http.js';
import { applyFault, type FaultSpec } from './fault-spec.js';

export const RESET_PATH = '/_envelope/reset';

/** What the server was started with, and so what a reset goes back to. */
export interface StartState {
  readonly engine: KmsEngine;
  readonly seeds: readonly { readonly file: string; readonly seed: SeedFile }[];
  readonly faults: readonly FaultSpec[];
  readonly defaultRegion: string;
  readonly accountId: string;
}

/**
 * Puts the server back to its start state: every cloud's keys, key rings, aliases, grants and
 * audit records are deleted in one store transaction (all or nothing, on SQLite too), every fault is
 * removed, then the start seeds (as read at start) and start faults are applied again, as at start.
 * Resets run one at a time; a call that arrives during one sees the state before or after the
 * deletion, and may see the seed half re-applied.
 */
export function stateReset(start: StartState): () => Promise<SeedSummary[]> {
  let running: Promise<unknown> = Promise.resolve();
  const reset = async (): Promise<SeedSummary[]> => {
    const { engine } = start;
    engine.core.faults.clear();
    engine.core.store.transaction(() => engine.core.store.clear());
    const summaries: SeedSummary[] = [];
    for (const { file, seed } of start.seeds) {
      summaries.push(
        await applySeed(engine, seed, {
          file,
          defaultRegion: start.defaultRegion,
          accountId: start.accountId,
        }),
      );
    }
    for (const spec of start.faults) applyFault(engine.core.faults, spec);
    return summaries;
  };
  return () => {
    const next = running.then(reset, reset);
    running = next.catch(() => {});
    return next;
  };
}

/** `POST /_envelope/reset` (JSON content type, empty body or `{}`): answers what the seeds re-created. */
export async function serveReset(
  reset: () => Promise<SeedSummary[]>,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  if (request.method !== 'POST') throw new AdminRequestError(405, `Use POST ${RESET_PATH}.`);
  const options = jsonBody(request, body);
  if (
    options === null ||
    typeof options !== 'object' ||
    Array.isArray(options) ||
    Object.keys(options).length
  ) {
    throw new AdminRequestError(400, 'A reset takes no options: send an empty body or {}.');
  }
  const seeds = await reset();
  json(response, 200, {
    status: 'ok',
    seeded: seeds.reduce((sum, summary) => sum + summary.created.length + summary.replicas.length, 0),
  });
}
