/** /proc identity checks: recycled pids, and when the wrapper's program has really started. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import {
  bootId,
  identify,
  isRunning,
  programStarted,
  readProcStat,
} from '../../../src/runtime/process/proc.js';
import { waitFor } from './helpers.js';

describe('proc', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.pid) killGroup(c.pid);
  });

  async function group(script: string): Promise<ChildProcess> {
    const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(child);
    await once(child, 'spawn');
    return child;
  }

  it('identifies a process by pid, start time and boot', () => {
    const me = identify(process.pid);
    assert.ok(me);
    assert.equal(me.bootId, bootId());
    assert.ok(isRunning(me));
    assert.equal(isRunning({ ...me, startTime: me.startTime + 1 }), false, 'same pid, other start time');
    assert.equal(isRunning({ ...me, bootId: 'another-boot' }), false, 'same pid, other boot');
    assert.equal(readProcStat(2 ** 22 + 1), undefined, 'a pid above pid_max does not exist');
  });

  it("does not count a forked, not yet exec'd copy of the shell as the program", async () => {
    // The subshell is a fork of the leader (same command line) blocked in the `read` built-in.
    const leader = await group('( read x ); sleep 5; exit 0');
    const id = identify(leader.pid as number);
    assert.ok(id);
    await waitFor('the subshell', () => countGroup(id.pid) >= 2);
    assert.equal(programStarted(id), false);
    // Let the subshell end: the leader then forks and execs `sleep`.
    leader.stdin?.end('go\n');
    await waitFor("sleep to be exec'd", () => programStarted(id));
  });
});

function countGroup(pgid: number): number {
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readProcStat(Number(entry))?.pgrp === pgid) n++;
  }
  return n;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
