/** logs() through the driver: tail, stream selection, follow, rotation under a real writer. */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ProcessDriver } from '../../../src/runtime/process/index.js';
import { collect, nodeSpec, TempRoot, testOptions, waitForState } from './helpers.js';

describe('ProcessDriver logs', () => {
  const root = new TempRoot();
  const driver = new ProcessDriver(testOptions(root.dir, { onClose: 'stop', graceSeconds: 2 }));

  after(async () => {
    try {
      await driver.close();
    } finally {
      root.cleanup();
    }
  });

  it('returns both streams with times, the last N with tail, one stream on request', async () => {
    const spec = nodeSpec(
      root,
      "for (let i = 1; i <= 10; i++) console.log('out ' + i); console.error('err 1'); console.error('err 2')",
    );
    await driver.start(spec);
    await waitForState(driver, spec.id, 'terminated');
    const all = await collect(driver.logs(spec.id));
    assert.equal(all.length, 12);
    assert.deepEqual(
      all.filter((l) => l.stream === 'stdout').map((l) => l.line),
      Array.from({ length: 10 }, (_, i) => `out ${i + 1}`),
    );
    for (const l of all) assert.ok(!Number.isNaN(Date.parse(l.time)), l.time);
    const tail = await collect(driver.logs(spec.id, { tail: 3, stream: 'stdout' }));
    assert.deepEqual(
      tail.map((l) => l.line),
      ['out 8', 'out 9', 'out 10'],
    );
    const errors = await collect(driver.logs(spec.id, { stream: 'stderr' }));
    assert.deepEqual(
      errors.map((l) => [l.stream, l.line]),
      [
        ['stderr', 'err 1'],
        ['stderr', 'err 2'],
      ],
    );
    assert.deepEqual(await collect(driver.logs(spec.id, { tail: 0 })), []);
    assert.deepEqual(await collect(driver.logs('unknown/id')), []);
  });

  it('follows new lines until the workload stops and its file is drained', async () => {
    const script = [
      'let i = 0;',
      "const t = setInterval(() => { console.log('tick ' + ++i); if (i === 20) { clearInterval(t); process.stdout.write('last without newline'); } }, 10);",
    ].join('\n');
    const spec = nodeSpec(root, script);
    await driver.start(spec);
    const lines = await collect(driver.logs(spec.id, { follow: true, stream: 'stdout' }), 15_000);
    assert.deepEqual(
      lines.map((l) => l.line),
      [...Array.from({ length: 20 }, (_, i) => `tick ${i + 1}`), 'last without newline'],
    );
    assert.equal(driver.status(spec.id)?.state, 'terminated');
  });

  it('stops following when aborted', async () => {
    const spec = nodeSpec(root, "let i = 0; setInterval(() => console.log('beat ' + ++i), 10)");
    await driver.start(spec);
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of driver.logs(spec.id, { follow: true, signal: controller.signal })) {
        seen.push(l.line);
        if (seen.length === 5) controller.abort();
      }
    })();
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('follow did not end after abort')), 10_000),
      ),
    ]);
    assert.equal(seen.length, 5);
    assert.equal(driver.status(spec.id)?.state, 'running');
    await driver.stop(spec.id, { graceSeconds: 2 });
  });

  it('rotates a busy log: the newest lines survive and disk use stays bounded', async () => {
    const small = new ProcessDriver(
      testOptions(root.dir, { maxLogFileBytes: 16 * 1024, maxLogFiles: 3, onClose: 'stop' }),
    );
    try {
      // ~400 KB in 2 KB bursts: many times the 48 KB the logs may keep.
      const script = [
        'let n = 0;',
        'const t = setInterval(() => {',
        "  let s = ''; for (let i = 0; i < 100; i++) s += 'line ' + String(n++).padStart(6, '0') + '\\n';",
        '  process.stdout.write(s);',
        '  if (n >= 20000) { clearInterval(t); }',
        '}, 5);',
      ].join('\n');
      const spec = nodeSpec(root, script);
      await small.start(spec);
      await waitForState(small, spec.id, 'terminated', 30_000);
      const files = readdirSync(spec.logDir).filter((f) => f.startsWith('stdout.log') && !f.endsWith('.idx'));
      assert.deepEqual(files.sort(), ['stdout.log', 'stdout.log.1', 'stdout.log.2']);
      const total = files.reduce((sum, f) => sum + statSync(path.join(spec.logDir, f)).size, 0);
      // Bound: 3 files of 16 KiB, each allowed to overshoot by what is written between
      // two polls; far below the 260 KB written.
      assert.ok(total < 3 * 16 * 1024 + 64 * 1024, `${total} bytes of logs on disk`);
      const lines = (await collect(small.logs(spec.id, { stream: 'stdout' }))).map((l) => l.line);
      assert.equal(lines.at(-1), 'line 019999');
      const tail = await collect(small.logs(spec.id, { stream: 'stdout', tail: 50 }));
      assert.deepEqual(
        tail.map((l) => l.line),
        Array.from({ length: 50 }, (_, i) => `line ${String(19950 + i).padStart(6, '0')}`),
      );
    } finally {
      await small.close();
    }
  });
});
