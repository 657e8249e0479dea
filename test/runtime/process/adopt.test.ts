/**
 * Workloads outlive the agent: a new driver instance (a restarted agent) re-adopts
 * them instead of starting a second copy, and still learns how they end.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { WorkloadSpec, WorkloadStatus } from '../../../src/runtime/driver.js';
import { fingerprint } from '../../../src/runtime/process/fingerprint.js';
import { ProcessDriver } from '../../../src/runtime/process/index.js';
import { bootId, readProcStat } from '../../../src/runtime/process/proc.js';
import {
  alive,
  collect,
  nodeSpec,
  recordedPid,
  TempRoot,
  testOptions,
  waitFor,
  waitForState,
} from './helpers.js';

/** A workload that beats every 20 ms and exits 7 once a `quit` file appears in its workDir. */
function beater(root: TempRoot, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const name = root.next('beat');
  const script = [
    `// token ${root.dir}/${name}`,
    "const fs = require('node:fs');",
    'let i = 0;',
    "setInterval(() => { console.log('beat ' + ++i); if (fs.existsSync('quit')) process.exit(7); }, 20);",
  ].join('\n');
  return nodeSpec(root, script, { container: name, ...overrides });
}

/** Pids of the program (not its wrapper) of a beater workload. */
function programPids(spec: WorkloadSpec): number[] {
  // beater() puts `<root>/<name>` in the script; workDir is `<root>/work/<name>`.
  const token = `// token ${path.dirname(path.dirname(spec.workDir))}/${spec.container}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while we looked
    }
    if (argv[3] !== 'edgewise-process' && argv.some((a) => a.startsWith(token)) && alive(Number(entry))) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

function beats(spec: WorkloadSpec): number {
  return readFileSync(path.join(spec.logDir, 'stdout.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('beat')).length;
}

describe('ProcessDriver across agent restarts', () => {
  const root = new TempRoot();
  const strangers: ChildProcess[] = [];
  const drivers: ProcessDriver[] = [];

  function newDriver(extra: Parameters<typeof testOptions>[1] = {}): ProcessDriver {
    const d = new ProcessDriver(testOptions(root.dir, { graceSeconds: 2, ...extra }));
    drivers.push(d);
    return d;
  }

  after(async () => {
    try {
      for (const d of drivers) await d.close();
      for (const s of strangers) s.kill('SIGKILL');
    } finally {
      root.cleanup();
    }
  });

  it('re-adopts a running workload in a new driver: same pid, one copy, its later exit code reported', async () => {
    const spec = beater(root);
    const first = newDriver();
    const started = await first.start(spec);
    const pid = recordedPid(spec);
    await waitFor('beats', () => beats(spec) > 0);
    await first.close();
    assert.ok(alive(pid), 'close() leaves the workload running');

    const second = newDriver();
    const events: WorkloadStatus[] = [];
    second.onStatusChange((id, s) => id === spec.id && events.push(s));
    const adopted = await second.start(spec);
    assert.equal(adopted.status.state, 'running');
    assert.equal(adopted.status.startedAt, started.status.startedAt);
    assert.equal(recordedPid(spec), pid);
    assert.equal(programPids(spec).length, 1, 'exactly one copy of the program runs');

    // The new instance follows the adopted workload's log to its end.
    const following = collect(second.logs(spec.id, { follow: true, stream: 'stdout', tail: 0 }), 10_000);
    writeFileSync(path.join(spec.workDir, 'quit'), '');
    const end = await waitForState(second, spec.id, 'terminated');
    assert.equal(end.exitCode, 7);
    assert.equal(end.reason, 'Error');
    assert.deepEqual(
      events.map((e) => e.state),
      ['running', 'terminated'],
    );
    const followed = await following;
    assert.ok(followed.length > 0 && followed.every((l) => l.line.startsWith('beat')));
  });

  it('keeps the workload running when the agent process is killed, and re-adopts it', async () => {
    const spec = beater(root);
    const agent = spawnAgent(spec);
    strangers.push(agent);
    const lines = createInterface({ input: agent.stdout as NodeJS.ReadableStream });
    const [first] = (await Promise.race([
      once(lines, 'line'),
      once(agent, 'exit').then(() => {
        throw new Error('the agent exited before starting the workload');
      }),
    ])) as [string];
    assert.equal((JSON.parse(first) as WorkloadStatus).state, 'running');
    const pid = recordedPid(spec);
    agent.kill('SIGKILL');
    await once(agent, 'exit');
    // Still writing to its log after the agent is gone: stdio was never a pipe into it.
    const before = beats(spec);
    await waitFor('beats after the agent died', () => beats(spec) > before + 3);
    assert.ok(alive(pid));

    const next = newDriver();
    await next.start(spec);
    assert.equal(recordedPid(spec), pid);
    assert.equal(programPids(spec).length, 1);
    writeFileSync(path.join(spec.workDir, 'quit'), '');
    assert.equal((await waitForState(next, spec.id, 'terminated')).exitCode, 7);
  });

  it('reports an exit that happened while no agent watched, once, then starts it again', async () => {
    const spec = beater(root);
    const first = newDriver();
    await first.start(spec);
    const pid = recordedPid(spec);
    await first.close();
    writeFileSync(path.join(spec.workDir, 'quit'), '');
    await waitFor('the workload to exit', () => !alive(pid));

    const second = newDriver();
    const reported = await second.start(spec);
    assert.equal(reported.status.state, 'terminated');
    assert.equal(reported.status.exitCode, 7);
    assert.equal(programPids(spec).length, 0, 'nothing was started');
    const restarted = await second.start(spec);
    assert.equal(restarted.status.state, 'running');
    assert.notEqual(recordedPid(spec), pid);
    await second.stop(spec.id);
  });

  it('does not mistake a recycled pid for the workload', async () => {
    const spec = beater(root);
    // An unrelated process that now holds the pid the state file names.
    const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    strangers.push(stranger);
    await once(stranger, 'spawn');
    const strangerPid = stranger.pid as number;
    const stat = readProcStat(strangerPid);
    assert.ok(stat);
    const control = path.join(spec.workDir, '.edgewise');
    mkdirSync(control, { recursive: true });
    const state = {
      id: spec.id,
      fingerprint: fingerprint(spec),
      pid: strangerPid,
      // The workload that had this pid started at another time.
      startTime: stat.startTime - 1,
      bootId: bootId(),
      startedAt: new Date(Date.now() - 60_000).toISOString(),
    };
    writeFileSync(path.join(control, 'state.json'), JSON.stringify(state));
    writeFileSync(path.join(control, 'exit'), '0\n');

    const driver = newDriver();
    const reported = await driver.start(spec);
    assert.equal(reported.status.state, 'terminated', 'the recorded run is over, not adopted');
    assert.equal(reported.status.reason, 'Completed');
    assert.ok(alive(strangerPid), 'the stranger is not signalled');
    const fresh = await driver.start(spec);
    assert.equal(fresh.status.state, 'running');
    assert.notEqual(recordedPid(spec), strangerPid);
    await waitFor('the new program to run', () => programPids(spec).length === 1);
    await driver.stop(spec.id);
    assert.ok(alive(strangerPid), 'stopping the workload spares the stranger');

    // A bare pid file (no state.json) naming the stranger is not adopted either.
    const other = beater(root);
    mkdirSync(path.join(other.workDir, '.edgewise'), { recursive: true });
    writeFileSync(path.join(other.workDir, '.edgewise', 'pid'), `${strangerPid}\n`);
    assert.equal((await driver.start(other)).status.state, 'running');
    assert.notEqual(recordedPid(other), strangerPid);
    await driver.stop(other.id);
    assert.ok(alive(strangerPid));
  });

  it('stops a workload an earlier agent recorded without being asked to start it', async () => {
    const spec = beater(root);
    const first = newDriver();
    await first.start(spec);
    const pid = recordedPid(spec);
    await first.close();
    const second = newDriver();
    assert.ok(second.recorded().some((r) => r.id === spec.id && r.workDir === spec.workDir));
    await second.stop(spec.id, { graceSeconds: 2 });
    assert.equal(alive(pid), false);
    assert.equal(programPids(spec).length, 0);
    assert.ok(!second.recorded().some((r) => r.id === spec.id), 'stop forgets the record');
  });

  it('replaces a running workload whose spec changed while the agent was away', async () => {
    const spec = beater(root);
    const first = newDriver();
    await first.start(spec);
    const pid = recordedPid(spec);
    await first.close();
    const second = newDriver();
    const changed = { ...spec, env: { MODE: 'new' } };
    await second.start(changed);
    assert.equal(alive(pid), false);
    assert.notEqual(recordedPid(changed), pid);
    await waitFor('the new program to run', () => programPids(changed).length === 1);
    await second.stop(changed.id);
  });

  it('stops its workloads on close() when built with onClose "stop"', async () => {
    const spec = beater(root);
    const driver = newDriver({ onClose: 'stop' });
    await driver.start(spec);
    const pid = recordedPid(spec);
    await driver.close();
    assert.equal(alive(pid), false);
  });
});

/** A separate agent process that starts `spec` with the driver and then idles. */
function spawnAgent(spec: WorkloadSpec): ChildProcess {
  const driverUrl = pathToFileURL(
    path.resolve(
      import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
      '../../../src/runtime/process/index.js',
    ),
  ).href;
  const source = [
    `import { ProcessDriver } from ${JSON.stringify(driverUrl)};`,
    'const [spec, options] = process.argv.slice(2).map((a) => JSON.parse(a));',
    'const driver = new ProcessDriver(options);',
    'const started = await driver.start(spec);',
    "process.stdout.write(JSON.stringify(started.status) + '\\n');",
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const file = path.join(spec.logDir, '..', `agent-${spec.container}.mjs`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, source);
  const options = { stateDir: path.join(spec.workDir, '..', '..', 'state'), logPollMs: 20, exitPollMs: 20 };
  return spawn(process.execPath, [file, JSON.stringify(spec), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}
