/**
 * edgewise.policy_decide / policy_result: decisions on the guest's worker thread,
 * from a snapshot of the policy in force, logged back on the main thread; every bad
 * argument answered with its errno; per-request limits; nothing held between requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { driverHarness, request } from '../../support/wasm.js';
import { staticGuest } from '../../support/wasm-guests.js';
import {
  BUF_AT,
  DECIDE_REQUEST_GUEST,
  decideGuest,
  hostGuest,
  LEN_AT,
} from '../../support/wasm-host-guests.js';
import { EDUCATION_POLICY, TestPolicyHost } from '../../support/wasm-host-services.js';

const CONFLICT_POLICY = `package conflict
x := 1 if input.a
x := 2 if input.b
`;

const STUDENT = {
  action: 'join',
  user: { role: 'student' },
  course: { status: 'active', capacity: 2, students: ['s-1'] },
};

/** "e1 e2 … {json}" → the numbers and the JSON after them. */
function answer(body: Buffer): { numbers: number[]; json: Record<string, unknown> | undefined } {
  const text = body.toString('utf8');
  const brace = text.indexOf('{');
  const head = brace < 0 ? text : text.slice(0, brace);
  return {
    numbers: head.trim() === '' ? [] : head.trim().split(' ').map(Number),
    json: brace < 0 ? undefined : (JSON.parse(text.slice(brace)) as Record<string, unknown>),
  };
}

describe('host functions: policy_decide and policy_result', () => {
  const policy = new TestPolicyHost({ 'education.rego': EDUCATION_POLICY, 'conflict.rego': CONFLICT_POLICY });
  const h = driverHarness({ workers: 2, hostServices: { policy } });
  let decideUrl = '';

  before(async () => {
    decideUrl = await h.deploy(DECIDE_REQUEST_GUEST);
  });
  after(() => h.close());

  const ask = async (path: string, input: unknown) =>
    answer((await request(`${decideUrl}${path}`, { method: 'POST', body: JSON.stringify(input) })).body);

  it('decides on the worker thread and logs every decision on the main thread', async () => {
    const logged = policy.entries.length;
    const yes = await ask('/education/allow', STUDENT);
    assert.deepEqual(yes.numbers.slice(0, 1), [0]);
    assert.equal(yes.numbers[2], 0, 'policy_result copied the response');
    assert.equal(yes.json?.result, true);
    const no = await ask('/education/allow', { ...STUDENT, user: { role: 'teacher' } });
    assert.equal(no.json?.result, false);
    const entries = policy.parsed().slice(logged);
    assert.deepEqual(
      entries.map((e) => [e.decision_id, e.path, e.result, e.revision]),
      [
        [yes.json?.decision_id, 'education/allow', true, 1],
        [no.json?.decision_id, 'education/allow', false, 1],
      ],
    );
    assert.deepEqual(entries[0]?.erased, ['/input'], 'inputs are redacted by default, as on the data API');
    assert.equal(typeof entries[0]?.eval_ns, 'number');
  });

  it('reports the response length it holds, and takes Rego-style paths', async () => {
    const res = await ask('/data.education.allow', STUDENT);
    const text = JSON.stringify(res.json);
    assert.equal(res.numbers[1], Buffer.byteLength(text), 'result_len is the byte length of the response');
    assert.equal(res.json?.result, true);
  });

  it('answers an undefined document without a result, and an evaluation error inside the JSON', async () => {
    const none = await ask('/education/nothing', STUDENT);
    assert.deepEqual(none.numbers, [0, none.numbers[1], 0]);
    assert.deepEqual(Object.keys(none.json ?? {}), ['decision_id']);
    const conflict = await ask('/conflict/x', { a: true, b: true });
    assert.equal(conflict.numbers[0], 0, 'an evaluation error is a decision, not an errno');
    const error = conflict.json?.error as { code: string; message: string };
    assert.equal(error.code, 'eval_conflict_error');
    assert.equal('result' in (conflict.json ?? {}), false);
    const entry = policy.parsed().find((e) => e.decision_id === conflict.json?.decision_id);
    assert.equal((entry?.error as { code?: string } | undefined)?.code, 'eval_conflict_error');
  });

  it('decides with the policy in force when the job is sent: a new snapshot reaches each worker first', async () => {
    policy.set({ 'education.rego': 'package education\nallow := "everyone"\n' });
    const res = await Promise.all([1, 2, 3, 4].map(() => ask('/education/allow', {})));
    for (const r of res) assert.equal(r.json?.result, 'everyone');
    const entry = policy.parsed().find((e) => e.decision_id === res[0]?.json?.decision_id);
    assert.equal(entry?.revision, 2);
    policy.set({ 'education.rego': EDUCATION_POLICY, 'conflict.rego': CONFLICT_POLICY });
    assert.equal((await ask('/education/allow', STUDENT)).json?.result, true);
  });

  it('answers bad arguments with errnos, and logs no decision it could not report', async () => {
    const run = async (body: string, strings: string[] = []) => {
      const url = await h.deploy(hostGuest({ policy: true, strings, body }));
      return answer((await request(url)).body).numbers;
    };
    const decide = (args: string) => `(call $e (call $decide ${args}))`;
    const path = '(global.get $s0) (global.get $s0len)';
    const before = policy.entries.length;
    assert.deepEqual(
      await run(decide(`${path} (global.get $s1) (global.get $s1len) (i32.const ${LEN_AT})`), [
        'education/allow',
        '{"x":',
      ]),
      [28],
      'input not JSON: EINVAL',
    );
    assert.deepEqual(
      await run(decide(`${path} (i32.const 0) (i32.const 0) (i32.const ${LEN_AT})`), ['education//allow']),
      [28],
      'empty segment: EINVAL',
    );
    assert.deepEqual(
      await run(decide(`${path} (i32.const 0) (i32.const 0) (i32.const ${LEN_AT})`), ['']),
      [28],
      'empty path: EINVAL',
    );
    assert.deepEqual(
      await run(
        decide(`(i32.const ${BUF_AT}) (i32.const 513) (i32.const 0) (i32.const 0) (i32.const ${LEN_AT})`),
      ),
      [1],
      'path over 512 bytes: E2BIG',
    );
    assert.deepEqual(
      await run(decide(`${path} (i32.const ${BUF_AT}) (i32.const 65537) (i32.const ${LEN_AT})`), [
        'education/allow',
      ]),
      [1],
      'input over 64 KiB: E2BIG',
    );
    assert.deepEqual(
      await run(decide(`(i32.const -16) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const ${LEN_AT})`)),
      [21],
      'path outside memory: EFAULT',
    );
    assert.deepEqual(
      await run(decide(`${path} (i32.const 0) (i32.const 0) (i32.const 262142)`), ['education/allow']),
      [21],
      'result_len_ptr outside memory: EFAULT',
    );
    assert.equal(policy.entries.length, before, 'none of these was decided, so none was logged');
    // Invalid UTF-8 in the path: 0xff alone.
    assert.deepEqual(
      await run(
        `(i32.store8 (i32.const 3000) (i32.const 255)) ${decide(`(i32.const 3000) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const ${LEN_AT})`)}`,
      ),
      [25],
      'EILSEQ',
    );
    const result = (args: string) => `(call $e (call $result ${args}))`;
    assert.deepEqual(
      await run(result(`(i32.const ${BUF_AT}) (i32.const 100)`)),
      [44],
      'nothing held yet: ENOENT',
    );
    const decided = `${decide(`${path} (global.get $s1) (global.get $s1len) (i32.const ${LEN_AT})`)}`;
    const input = JSON.stringify(STUDENT);
    assert.deepEqual(
      await run(`${decided} ${result(`(i32.const ${BUF_AT}) (i32.const 10)`)}`, ['education/allow', input]),
      [0, 42],
      'short buffer: ENOBUFS',
    );
    assert.deepEqual(
      await run(`${decided} ${result(`(i32.const 262100) (i32.const 1000)`)}`, ['education/allow', input]),
      [0, 21],
      'buffer outside memory: EFAULT',
    );
    // A failed decide drops what the last one held.
    assert.deepEqual(
      await run(
        `${decided} ${decide(`${path} (i32.const 0) (i32.const 0) (i32.const 262142)`)} ${result(`(i32.const ${BUF_AT}) (i32.const 4096)`)}`,
        ['education/allow', input],
      ),
      [0, 21, 44],
    );
  });

  it('costs modules that import no host function nothing: no snapshot, no evaluator', async () => {
    const quiet = driverHarness({ workers: 2, hostServices: { policy: new TestPolicyHost({}) } });
    try {
      const url = await quiet.deploy(staticGuest('Content-Type: text/plain\n\nplain\n'));
      for (let i = 0; i < 5; i++) assert.equal((await request(url)).body.toString(), 'plain\n');
      const host = quiet.driver.options.hostServices?.policy as TestPolicyHost;
      assert.equal(host.snapshots, 0);
      assert.equal(host.entries.length, 0);
    } finally {
      await quiet.close();
    }
  });
});

describe('host functions: policy limits and isolation between requests', () => {
  const policy = new TestPolicyHost({ 'education.rego': EDUCATION_POLICY });
  // One worker: every request runs on the same thread, so anything kept would show.
  const h = driverHarness({
    workers: 1,
    requestTimeoutMs: 5000,
    hostServices: { policy },
    hostLimits: { maxDecisionsPerRequest: 3, maxResponseBytes: 72 },
  });
  after(() => h.close());

  it('stops a request at its call limit, counting afresh for the next request', async () => {
    const url = await h.deploy(
      hostGuest({
        policy: true,
        strings: ['education/allow'],
        body: `(loop $again
          (call $e (call $decide (global.get $s0) (global.get $s0len) (i32.const 0) (i32.const 0) (i32.const ${LEN_AT})))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 5))))`,
      }),
    );
    assert.deepEqual(answer((await request(url)).body).numbers, [0, 0, 0, 19, 19]);
    assert.deepEqual(answer((await request(url)).body).numbers, [0, 0, 0, 19, 19]);
  });

  it('refuses a response over its cap, and never lets a request read the last one’s', async () => {
    const big = await h.deploy(decideGuest('data.education', '{}'));
    assert.deepEqual(
      answer((await request(big)).body).numbers,
      [1],
      'the package document ({"allow":false}) makes a 79-byte response: E2BIG',
    );
    const first = await h.deploy(decideGuest('education/allow', '{}'));
    assert.equal(answer((await request(first)).body).numbers[0], 0);
    const reader = await h.deploy(
      hostGuest({ policy: true, body: `(call $e (call $result (i32.const ${BUF_AT}) (i32.const 4096)))` }),
    );
    assert.deepEqual(
      answer((await request(reader)).body).numbers,
      [44],
      'the held response died with its request',
    );
  });

  it('stops a guest looping around its host calls at its budget; the next request is served', async () => {
    const spin = await h.deploy(
      hostGuest({
        policy: true,
        strings: ['education/allow'],
        body: `(loop $forever
          (drop (call $decide (global.get $s0) (global.get $s0len) (i32.const 0) (i32.const 0) (i32.const ${LEN_AT})))
          (br $forever))`,
      }),
      { limits: { cpuMillis: 20 } },
    );
    const res = await request(spin);
    assert.equal(res.status, 504);
    assert.match(res.body.toString(), /longer than 100 ms/);
    const ok = await h.deploy(decideGuest('education/allow', JSON.stringify(STUDENT)));
    assert.equal(answer((await request(ok)).body).json?.result, true, 'the replacement worker decides too');
  });
});
