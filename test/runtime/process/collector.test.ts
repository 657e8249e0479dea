/** The log collector on its own, driven tick by tick: deterministic rotation and timestamps. */
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { StampedLine } from '../../../src/runtime/process/logs/backlog.js';
import { StreamCollector } from '../../../src/runtime/process/logs/collector.js';
import { TempRoot } from './helpers.js';

describe('StreamCollector', () => {
  const root = new TempRoot();
  after(() => root.cleanup());

  function setup(limits = { maxFileBytes: 1000, maxFiles: 3, maxLineBytes: 200 }) {
    const dir = path.join(root.dir, root.next('logs'));
    const collector = new StreamCollector(dir, 'stdout', limits);
    // Like the program: one O_APPEND descriptor held across rotations.
    const fd = openSync(path.join(dir, 'stdout.log'), 'a');
    const seen: StampedLine[] = [];
    let ended = false;
    collector.subscribe(
      (l) => seen.push(l),
      () => {
        ended = true;
      },
    );
    return { dir, collector, fd, seen, isEnded: () => ended };
  }

  it('hands complete lines to followers and keeps an unterminated one until it ends', () => {
    const { collector, fd, seen, isEnded } = setup();
    writeSync(fd, 'one\ntwo\r\nthr');
    collector.tick();
    assert.deepEqual(
      seen.map((l) => l.text),
      ['one', 'two'],
    );
    writeSync(fd, 'ee\nfour');
    collector.tick();
    assert.deepEqual(
      seen.map((l) => l.text),
      ['one', 'two', 'three'],
    );
    assert.deepEqual(
      collector.backlog().map((l) => l.text),
      ['one', 'two', 'three'],
      'the unterminated line is not backlog yet',
    );
    collector.finish();
    closeSync(fd);
    assert.deepEqual(
      seen.map((l) => l.text),
      ['one', 'two', 'three', 'four'],
    );
    assert.ok(isEnded());
    for (const l of seen) assert.ok(Number.isFinite(l.time) && l.time > 0);
  });

  it('rotates by copy-and-truncate: the writer keeps writing, the newest lines are kept, disk is bounded', () => {
    const { dir, collector, fd, seen } = setup();
    let n = 0;
    // 40 rounds of ~10 lines (~120 bytes): many rotations of a 1000-byte file.
    for (let round = 0; round < 40; round++) {
      let chunk = '';
      for (let i = 0; i < 10; i++) chunk += `line ${String(n++).padStart(5, '0')}\n`;
      writeSync(fd, chunk);
      collector.tick();
    }
    collector.finish();
    closeSync(fd);
    // Followers saw every line, in order: rotation lost nothing while the writer paused.
    assert.equal(seen.length, n);
    assert.deepEqual(
      seen.map((l) => l.text),
      Array.from({ length: n }, (_, i) => `line ${String(i).padStart(5, '0')}`),
    );
    const files = readdirSync(dir)
      .filter((f) => !f.endsWith('.idx'))
      .sort();
    assert.deepEqual(files, ['stdout.log', 'stdout.log.1', 'stdout.log.2']);
    const total = files.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
    // Each file is rotated as soon as a tick sees it at the limit: at most limit + one chunk.
    assert.ok(total <= 3 * (1000 + 120), `${total} bytes on disk`);
    const backlog = collector.backlog().map((l) => l.text);
    assert.equal(backlog.at(-1), `line ${String(n - 1).padStart(5, '0')}`);
    const first = Number(backlog[0]?.slice(5));
    assert.ok(first > 0, 'old lines were dropped');
    assert.deepEqual(
      backlog,
      Array.from({ length: n - first }, (_, i) => `line ${String(first + i).padStart(5, '0')}`),
      'what is kept is contiguous up to the newest line',
    );
  });

  it('lets the writer continue at offset 0 after truncation (O_APPEND, no hole)', () => {
    const { dir, collector, fd } = setup({ maxFileBytes: 10, maxFiles: 2, maxLineBytes: 200 });
    writeSync(fd, 'aaaaaaaaaaaa\n');
    collector.tick();
    assert.equal(statSync(path.join(dir, 'stdout.log')).size, 0);
    writeSync(fd, 'b\n');
    assert.equal(readFileSync(path.join(dir, 'stdout.log'), 'utf8'), 'b\n');
    assert.equal(readFileSync(path.join(dir, 'stdout.log.1'), 'utf8'), 'aaaaaaaaaaaa\n');
    collector.finish();
    closeSync(fd);
  });

  it('keeps only the live file with maxFiles 1', () => {
    const { dir, collector, fd, seen } = setup({ maxFileBytes: 10, maxFiles: 1, maxLineBytes: 200 });
    writeSync(fd, 'aaaaaaaaaaaa\n');
    collector.tick();
    assert.equal(existsSync(path.join(dir, 'stdout.log.1')), false);
    assert.deepEqual(
      seen.map((l) => l.text),
      ['aaaaaaaaaaaa'],
    );
    collector.finish();
    closeSync(fd);
  });

  it('splits a line longer than maxLineBytes', () => {
    const { collector, fd, seen } = setup({ maxFileBytes: 10_000, maxFiles: 2, maxLineBytes: 4 });
    writeSync(fd, 'abcdefghij\n');
    collector.tick();
    collector.finish();
    closeSync(fd);
    assert.deepEqual(
      seen.map((l) => l.text),
      ['abcd', 'efgh', 'ij'],
    );
  });

  it('keeps line times across a new collector (an agent restart) from the time index', () => {
    const { dir, collector, fd } = setup();
    writeSync(fd, 'early\n');
    collector.tick();
    const before = collector.backlog();
    collector.detach();
    writeSync(fd, 'late\n');
    closeSync(fd);
    const again = new StreamCollector(dir, 'stdout', { maxFileBytes: 1000, maxFiles: 3, maxLineBytes: 200 });
    again.tick();
    const lines = again.backlog();
    assert.deepEqual(
      lines.map((l) => l.text),
      ['early', 'late'],
    );
    assert.equal(lines[0]?.time, before[0]?.time);
    again.finish();
  });
});
