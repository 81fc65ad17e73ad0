import { expect } from 'chai';

/** What `promise` rejected with; fails the test if it resolved or rejected with something not an Error. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) expect.fail('expected a rejection');
  expect(outcome.error, 'rejected with an Error').to.be.instanceOf(Error);
  return outcome.error as Error;
}
