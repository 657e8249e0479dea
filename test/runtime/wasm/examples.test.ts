import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EdgewiseError } from '../../../src/api/errors.js';
import type { HttpHandler } from '../../../src/runtime/driver.js';
import { WasmDriver } from '../../../src/runtime/wasm/driver.js';
import { request, type Served, serve, tempDir, wasmSpec } from '../../support/wasm.js';
import { EDUCATION_POLICY, TestPolicyHost, TestStreamHost } from '../../support/wasm-host-services.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const EXAMPLES = {
  hello: 'examples/hello/hello',
  tracker: 'examples/supply-chain/tracker',
  courses: 'examples/education/courses',
  signalling: 'examples/telemedicine/signalling',
};

/** Builds the examples with the project's own build when a module is missing or stale. */
function ensureBuilt(): void {
  const stale = Object.values(EXAMPLES).some((base) => {
    const wasm = path.join(ROOT, `${base}.wasm`);
    return !existsSync(wasm) || statSync(wasm).mtimeMs < statSync(path.join(ROOT, `${base}.ts`)).mtimeMs;
  });
  if (stale)
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-examples.mjs')], { stdio: 'inherit' });
}

describe('example services through the WAGI executor', () => {
  const tmp = tempDir();
  // The education service asks the node's policy, the tracker writes to a stream: through host functions.
  const policy = new TestPolicyHost({ 'education-policy.rego': EDUCATION_POLICY });
  const streams = new TestStreamHost();
  const driver = new WasmDriver({ workers: 2, hostServices: { policy, streams } });
  const servers: Served[] = [];
  const urls: Record<string, string> = {};
  const dataDirs: Record<string, string> = {};
  const ids: Record<string, string> = {};

  before(async () => {
    ensureBuilt();
    for (const [name, base] of Object.entries(EXAMPLES)) {
      const data = path.join(tmp.dir, name, 'data');
      mkdirSync(data, { recursive: true });
      dataDirs[name] = data;
      const spec = wasmSpec(path.join(ROOT, `${base}.wasm`), tmp.dir, {
        mounts: name === 'hello' ? [] : [{ hostPath: data, guestPath: '/data', readOnly: false }],
        env: name === 'courses' ? { COURSES: 'math-101:active:30,tiny-1:active:1,old-9:archived:10' } : {},
        limits: { memoryBytes: 64 * 1024 * 1024, cpuMillis: 500 },
      });
      ids[name] = spec.id;
      const started = await driver.start(spec);
      const s = await serve(started.httpHandlers?.get(8080) as HttpHandler);
      servers.push(s);
      urls[name] = s.url;
    }
  });

  after(async () => {
    for (const s of servers) await s.close();
    await driver.close();
    tmp.remove();
  });

  const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('hello answers plain text', async () => {
    const res = await request(`${urls.hello}/anything`);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'Hello from the edge!\n');
  });

  it('supply-chain tracker records events and answers tracking queries', async () => {
    const url = urls.tracker as string;
    assert.equal((await request(`${url}/track/PO-1234`)).status, 404);
    const first = await postJson(`${url}/track`, { po: 'PO-1234', event: 'shipped', location: 'Shenzhen' });
    assert.equal(first.status, 201);
    assert.equal(first.headers.location, '/track/PO-1234');
    assert.deepEqual(JSON.parse(first.body.toString()), { recorded: true, po: 'PO-1234', events: 1, seq: 1 });
    await postJson(`${url}/track`, { po: 'PO-1234', event: 'customs "cleared"' });
    const res = await request(`${url}/track/PO-1234`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    const body = JSON.parse(res.body.toString());
    assert.equal(body.po, 'PO-1234');
    assert.deepEqual(
      body.events.map((e: { event: string }) => e.event),
      ['shipped', 'customs "cleared"'],
    );
    assert.equal(body.events[0].location, 'Shenzhen');
    assert.match(body.events[0].recordedAt, /^\d{4}-\d\d-\d\dT/);
    const onDisk = readFileSync(path.join(dataDirs.tracker as string, 'shipments', 'PO-1234.jsonl'), 'utf8');
    assert.equal(onDisk.trim().split('\n').length, 2);
    assert.equal((await postJson(`${url}/track`, { po: '../../etc/passwd', event: 'x' })).status, 400);
    assert.equal((await postJson(`${url}/track`, { po: 'PO-1' })).status, 400);
    // Each event went to the node's shipments stream too, as stored on disk.
    assert.deepEqual(
      streams.records.map((r) => [r.name, r.seq, JSON.parse(r.record).event]),
      [
        ['shipments', 1, 'shipped'],
        ['shipments', 2, 'customs "cleared"'],
      ],
    );
    assert.deepEqual(
      streams.records.map((r) => JSON.parse(r.record)),
      onDisk
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
  });

  it('supply-chain tracker refuses an event its stream will not take, and keeps it off disk', async () => {
    const url = urls.tracker as string;
    streams.failWith = new EdgewiseError('EW_TOO_MANY_REQUESTS', 'stream shipments is full');
    try {
      const full = await postJson(`${url}/track`, { po: 'PO-9', event: 'shipped' });
      assert.equal(full.status, 503);
      assert.match(JSON.parse(full.body.toString()).error, /ENOSPC/);
      assert.equal((await request(`${url}/track/PO-9`)).status, 404);
    } finally {
      streams.failWith = undefined;
    }
  });

  it('education service applies the join policy', async () => {
    const url = urls.courses as string;
    const join = (course: string, student: string, role = 'student') =>
      postJson(`${url}/courses/${course}/join`, { student, role });
    const ok = await join('math-101', 's-1');
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body.toString()).joined, true);
    assert.equal(JSON.parse((await join('math-101', 's-1')).body.toString()).already, true);
    const teacher = await join('math-101', 't-1', 'teacher');
    assert.equal(teacher.status, 403);
    const refused = JSON.parse(teacher.body.toString());
    assert.equal(
      refused.reason,
      'the join policy (education/allow) does not admit a teacher to this active course',
    );
    assert.equal((await join('old-9', 's-1')).status, 403);
    // Every answer came from the policy, and each decision was logged with its id.
    const logged = policy.parsed();
    assert.ok(logged.some((e) => e.decision_id === refused.decision_id && e.result === false));
    assert.ok(
      logged.some((e) => e.decision_id === JSON.parse(ok.body.toString()).decision_id && e.result === true),
    );
    assert.equal((await join('tiny-1', 's-1')).status, 200);
    const full = await join('tiny-1', 's-2');
    assert.equal(full.status, 409);
    assert.equal(JSON.parse(full.body.toString()).reason, 'course is full');
    assert.equal((await join('nope', 's-1')).status, 404);
    const info = JSON.parse((await request(`${url}/courses/math-101`)).body.toString());
    assert.deepEqual(info, { course: 'math-101', status: 'active', capacity: 30, students: 1 });
    // A stricter policy in force on the node refuses whom the old one admitted.
    policy.set({ 'education-policy.rego': 'package education\ndefault allow = false\n' });
    try {
      const denied = await join('math-101', 's-7');
      assert.equal(denied.status, 403);
      assert.equal(JSON.parse(denied.body.toString()).joined, false);
    } finally {
      policy.set({ 'education-policy.rego': EDUCATION_POLICY });
    }
    assert.equal((await join('math-101', 's-7')).status, 200);
  });

  it('telemedicine signalling needs staff role and consent, and keeps data local', async () => {
    const url = urls.signalling as string;
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n';
    const post = (kind: string, body: string, headers: Record<string, string> = {}) =>
      request(`${url}/rooms/r-1/${kind}`, { method: 'POST', headers, body });
    assert.equal(
      (await post('offer', offer, { 'x-user-role': 'nurse', 'x-patient-consent': 'true' })).status,
      403,
    );
    assert.equal((await post('offer', offer, { 'x-user-role': 'authorized_medical_staff' })).status, 403);
    const created = await post('offer', offer, {
      'x-user-role': 'authorized_medical_staff',
      'x-patient-consent': 'true',
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers['x-data-locality'], 'local');
    const got = await request(`${url}/rooms/r-1/offer`);
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/sdp');
    assert.equal(got.body.toString(), offer);
    assert.equal((await request(`${url}/rooms/r-1/answer`)).status, 404);
    assert.equal((await post('answer', 'v=0 answer')).status, 201);
    await post('candidates', 'candidate:1 1 udp 1 10.0.0.1 5000 typ host');
    await post('candidates', 'candidate:2 1 udp 1 10.0.0.2 5000 typ host');
    const cands = await request(`${url}/rooms/r-1/candidates`);
    assert.equal(cands.body.toString().trim().split('\n').length, 2);
  });

  it('logs what the guests print to stderr', async () => {
    const lines: string[] = [];
    for await (const l of driver.logs(ids.tracker as string, { stream: 'stderr' })) lines.push(l.line);
    assert.ok(lines.includes('tracker: PO-1234 shipped (1 events)'), lines.join('\n'));
    const none: string[] = [];
    for await (const l of driver.logs('no/such-workload')) none.push(l.line);
    assert.deepEqual(none, []);
  });
});
