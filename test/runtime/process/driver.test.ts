import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { WorkloadStatus } from '../../../src/runtime/driver.js';
import { ProcessDriver } from '../../../src/runtime/process/index.js';
import { freePort } from '../../support/fleet.js';
import {
  alive,
  collect,
  nodeSpec,
  recordedPid,
  TempRoot,
  testOptions,
  waitFor,
  waitForAsync,
  waitForState,
} from './helpers.js';

describe('ProcessDriver', () => {
  const root = new TempRoot();
  const driver = new ProcessDriver(testOptions(root.dir, { onClose: 'stop', graceSeconds: 2 }));
  const events: Array<{ id: string; status: WorkloadStatus }> = [];
  driver.onStatusChange((id, status) => events.push({ id, status }));

  after(async () => {
    try {
      await driver.close();
    } finally {
      root.cleanup();
    }
  });

  async function stdoutOf(id: string): Promise<string[]> {
    await waitForState(driver, id, 'terminated');
    return (await collect(driver.logs(id, { stream: 'stdout' }))).map((l) => l.line);
  }

  it('is available on Linux with sh and serves the process handler', async () => {
    assert.deepEqual(await driver.capabilities(), { available: true, handlers: ['process'] });
  });

  it('gives the program its args, its env and a minimal base, and runs it in workDir', async () => {
    process.env.EDGEWISE_TEST_AGENT_SECRET = 'must-not-leak';
    try {
      const spec = nodeSpec(
        root,
        'console.log(JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), env: process.env }))',
        { env: { GREETING: 'hello world', EMPTY: '' } },
      );
      spec.args.push('first arg', '--flag');
      const started = await driver.start(spec);
      assert.equal(started.status.state, 'running');
      const [line] = await stdoutOf(spec.id);
      const seen = JSON.parse(line ?? '{}') as { argv: string[]; cwd: string; env: Record<string, string> };
      assert.deepEqual(seen.argv, ['first arg', '--flag']);
      assert.equal(seen.cwd, realpathSync(spec.workDir));
      // The wrapper shell exports PWD itself (bash adds SHLVL and _); nothing else may appear.
      const shellSet = new Set(['PWD', 'SHLVL', '_']);
      const names = Object.keys(seen.env).filter((k) => !shellSet.has(k));
      assert.deepEqual(names.sort(), ['EMPTY', 'GREETING', 'HOME', 'PATH']);
      if (seen.env.PWD !== undefined) assert.equal(realpathSync(seen.env.PWD), realpathSync(spec.workDir));
      assert.equal(seen.env.GREETING, 'hello world');
      assert.equal(seen.env.HOME, spec.workDir);
      assert.equal(seen.env.PATH, process.env.PATH);
    } finally {
      delete process.env.EDGEWISE_TEST_AGENT_SECRET;
    }
  });

  it('runs args[0] as the program when command is empty, with PATH from the spec env', async () => {
    const spec = nodeSpec(root, '', {
      command: [],
      args: [path.basename(process.execPath), '-e', 'console.log(process.env.PATH)'],
      env: { PATH: path.dirname(process.execPath) },
    });
    await driver.start(spec);
    assert.deepEqual(await stdoutOf(spec.id), [path.dirname(process.execPath)]);
  });

  it('reports exit 0 as Completed and a non-zero exit as Error, through onStatusChange', async () => {
    const ok = nodeSpec(root, 'process.exit(0)');
    const bad = nodeSpec(root, 'process.exit(3)');
    await driver.start(ok);
    await driver.start(bad);
    const okEnd = await waitForState(driver, ok.id, 'terminated');
    const badEnd = await waitForState(driver, bad.id, 'terminated');
    assert.equal(okEnd.reason, 'Completed');
    assert.equal(okEnd.exitCode, 0);
    assert.equal(badEnd.reason, 'Error');
    assert.equal(badEnd.exitCode, 3);
    assert.ok(badEnd.startedAt && badEnd.finishedAt);
    const seen = events.filter((e) => e.id === bad.id).map((e) => [e.status.state, e.status.exitCode]);
    assert.deepEqual(seen, [
      ['running', undefined],
      ['terminated', 3],
    ]);
  });

  it('names the signal when the program is killed by one', async () => {
    const spec = nodeSpec(root, "process.kill(process.pid, 'SIGSEGV')");
    await driver.start(spec);
    const end = await waitForState(driver, spec.id, 'terminated');
    assert.equal(end.exitCode, 128 + 11);
    assert.equal(end.reason, 'Error');
    assert.match(end.message ?? '', /SIGSEGV/);
  });

  it('reports a missing executable as StartError naming the command', async () => {
    const spec = nodeSpec(root, '', { command: ['no-such-program-edgewise'], args: [] });
    const started = await driver.start(spec);
    assert.equal(started.status.state, 'terminated');
    assert.equal(started.status.reason, 'StartError');
    assert.match(started.status.message ?? '', /no-such-program-edgewise/);
    assert.equal(driver.status(spec.id)?.reason, 'StartError');
    const relative = nodeSpec(root, '', { command: ['./missing.sh'], args: [] });
    const rel = await driver.start(relative);
    assert.equal(rel.status.reason, 'StartError');
    assert.match(rel.status.message ?? '', /\.\/missing\.sh/);
    await driver.stop(spec.id);
    assert.equal(driver.status(spec.id), undefined);
  });

  it('refuses a spec for another runtime handler', async () => {
    const spec = nodeSpec(root, '', { handler: 'wasmedge' });
    await assert.rejects(driver.start(spec), (err: Error & { code?: string }) => err.code === 'EW_INVALID');
  });

  it('stops with SIGTERM to the process group when the program obeys it', async () => {
    const spec = nodeSpec(root, "console.log('up'); setInterval(() => {}, 1000)");
    await driver.start(spec);
    const pid = recordedPid(spec);
    // Stop only once the program runs, so it is the program that gets SIGTERM.
    await waitFor('first output', () => readLogText(spec.logDir).includes('up'));
    assert.ok(alive(pid));
    await driver.stop(spec.id, { graceSeconds: 5 });
    assert.equal(alive(pid), false);
    const end = events.filter((e) => e.id === spec.id).at(-1)?.status;
    assert.equal(end?.state, 'terminated');
    assert.equal(end?.exitCode, 128 + 15);
    assert.match(end?.message ?? '', /SIGTERM/);
    assert.equal(driver.status(spec.id), undefined, 'stop forgets the workload');
  });

  it('kills a program that ignores SIGTERM after the grace period, children included', async () => {
    const script = [
      "const { spawn } = require('node:child_process');",
      "const child = spawn(process.execPath, ['-e', \"process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)\"], { stdio: 'ignore' });",
      // The handler is in place before the line the test waits for.
      "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));",
      "console.log('child ' + child.pid);",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const spec = nodeSpec(root, script);
    await driver.start(spec);
    const pid = recordedPid(spec);
    const childLine = await waitFor('the child pid', () => {
      const text = readLogText(spec.logDir);
      return /child (\d+)/.exec(text)?.[1];
    });
    const childPid = Number(childLine);
    assert.ok(alive(childPid));
    await driver.stop(spec.id, { graceSeconds: 0.5 });
    assert.equal(alive(pid), false);
    await waitFor('the forked child to be gone', () => !alive(childPid));
    const end = events.filter((e) => e.id === spec.id).at(-1)?.status;
    assert.equal(end?.exitCode, 137);
    assert.match(end?.message ?? '', /SIGKILL/);
  });

  it('delivers SIGTERM to a program stopped the moment it was started', async () => {
    for (let i = 0; i < 5; i++) {
      const spec = nodeSpec(root, 'setInterval(() => {}, 1000)');
      await driver.start(spec);
      // A lost SIGTERM would end in SIGKILL (137) after the long grace period.
      await driver.stop(spec.id, { graceSeconds: 20 });
      const end = events.filter((e) => e.id === spec.id).at(-1)?.status;
      assert.equal(end?.exitCode, 143, `attempt ${i}: ${end?.message}`);
    }
  });

  it('treats stop of an unknown id as a no-op', async () => {
    await driver.stop('no-such-uid/no-such-container');
  });

  it('serves HTTP on the host port it is told through EDGEWISE_PORT_<NAME>', async () => {
    const port = await freePort();
    const script = [
      "const http = require('node:http');",
      "http.createServer((req, res) => res.end('hello from ' + process.env.SITE)).listen(Number(process.env.EDGEWISE_PORT_HTTP), '127.0.0.1');",
    ].join('\n');
    const spec = nodeSpec(root, script, {
      env: { SITE: 'store-001' },
      ports: [{ name: 'http', containerPort: 8080, hostPort: port, protocol: 'TCP' }],
    });
    const started = await driver.start(spec);
    assert.equal(started.status.ready, true);
    const body = await waitFor('the workload to answer', () => undefined, 0).catch(() => undefined);
    assert.equal(body, undefined);
    const text = await fetchWithRetry(`http://127.0.0.1:${port}/`);
    assert.equal(text, 'hello from store-001');
    await driver.stop(spec.id, { graceSeconds: 2 });
  });

  it('materializes mounts as symlinks under workDir', async () => {
    const config = path.join(root.dir, 'configmap');
    mkdirSync(config, { recursive: true });
    writeFileSync(path.join(config, 'app.txt'), 'colour=blue\n');
    const spec = nodeSpec(
      root,
      "const fs = require('node:fs'); console.log(fs.readFileSync('etc/config/app.txt', 'utf8').trim()); console.log(fs.readFileSync(process.env.HOME + '/etc/config/app.txt', 'utf8').trim())",
      { mounts: [{ hostPath: config, guestPath: '/etc/config', readOnly: true }] },
    );
    await driver.start(spec);
    assert.deepEqual(await stdoutOf(spec.id), ['colour=blue', 'colour=blue']);
  });

  it('refuses to create a mount through a symlink the workload put in the way (CreateContainerError)', async () => {
    const elsewhere = path.join(root.dir, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const spec = nodeSpec(root, '', {
      mounts: [{ hostPath: root.dir, guestPath: '/etc/config', readOnly: true }],
    });
    mkdirSync(spec.workDir, { recursive: true });
    symlinkSync(elsewhere, path.join(spec.workDir, 'etc'));
    await assert.rejects(driver.start(spec), (err: Error & { code?: string }) => err.code === 'EW_INVALID');
    assert.equal(driver.status(spec.id)?.reason, 'CreateContainerError');
    assert.match(driver.status(spec.id)?.message ?? '', /etc/);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it('applies the memory limit as RLIMIT_DATA', async () => {
    const spec = nodeSpec(
      root,
      "console.log(require('node:fs').readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max data size')))",
      { limits: { memoryBytes: 512 * 1024 * 1024 } },
    );
    await driver.start(spec);
    const [line] = await stdoutOf(spec.id);
    assert.match(line ?? '', /^Max data size\s+536870912\s+536870912\s+bytes/);
  });

  it('starts a finished workload again when start is called again (a restart)', async () => {
    const spec = nodeSpec(root, "console.log('run'); process.exit(1)");
    await driver.start(spec);
    await waitForState(driver, spec.id, 'terminated');
    const firstPid = recordedPid(spec);
    const again = await driver.start(spec);
    assert.equal(again.status.state, 'running');
    assert.notEqual(recordedPid(spec), firstPid);
    await waitForState(driver, spec.id, 'terminated');
  });

  it('returns the running workload when start is repeated with the same spec', async () => {
    const spec = nodeSpec(root, 'setInterval(() => {}, 1000)');
    const first = await driver.start(spec);
    const pid = recordedPid(spec);
    const second = await driver.start(spec);
    assert.equal(second.status.startedAt, first.status.startedAt);
    assert.equal(recordedPid(spec), pid);
    await driver.stop(spec.id, { graceSeconds: 2 });
  });
});

function readLogText(logDir: string): string {
  // Read the file directly: the test watches output while the workload still runs.
  return readFileSync(path.join(logDir, 'stdout.log'), 'utf8');
}

async function fetchWithRetry(url: string): Promise<string> {
  return waitForAsync(`${url} to answer`, async () => {
    try {
      const res = await fetch(url);
      return await res.text();
    } catch {
      return undefined; // not listening yet
    }
  });
}
