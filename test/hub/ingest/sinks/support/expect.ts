/** Assertions the sink tests share. */
import assert from 'node:assert/strict';
import { EdgewiseError, type ErrorCode } from '../../../../../src/api/errors.js';

/** Asserts `promise` rejects with an EdgewiseError of `code` whose message matches `message`. */
export async function rejectsWithCode(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<EdgewiseError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${code}, but it resolved`);
  assert.ok(EdgewiseError.is(caught), `expected an EdgewiseError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Polls `check` until it returns true, for at most `ms`; fails with `what` otherwise. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
