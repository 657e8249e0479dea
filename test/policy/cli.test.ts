import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerPolicyCommands } from '../../src/cli/commands/policy.js';
import { ExitCode, UserError } from '../../src/cli/errors.js';

let dir: string;

function program(): { cmd: Command; out: () => string } {
  let out = '';
  const cmd = new Command();
  cmd.exitOverride();
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  registerPolicyCommands(cmd);
  return { cmd, out: () => out };
}

async function run(args: string[]): Promise<{ out: string; error?: unknown }> {
  const { cmd, out } = program();
  try {
    await cmd.parseAsync(['node', 'edgewise', ...args]);
    return { out: out() };
  } catch (error) {
    return { out: out(), error };
  }
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-policy-cli-'));
  fs.writeFileSync(
    path.join(dir, 'edu.rego'),
    'package education\n\ndefault allow = false\n\nallow {\n  input.user.role == "student"\n  count(input.courses) < data.max\n}\n',
  );
  fs.writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ max: 3 }));
  fs.writeFileSync(path.join(dir, 'input.json'), JSON.stringify({ user: { role: 'student' }, courses: [1] }));
  fs.mkdirSync(path.join(dir, 'tests'));
  fs.writeFileSync(
    path.join(dir, 'tests', 'edu_test.rego'),
    'package education_test\nimport rego.v1\ntest_student if data.education.allow with input as {"user": {"role": "student"}, "courses": []} with data.max as 2\ntest_teacher if not data.education.allow with input as {"user": {"role": "teacher"}, "courses": []}\n',
  );
  fs.writeFileSync(
    path.join(dir, 'failing_test.rego'),
    'package failing\nimport rego.v1\ntest_wrong if 1 == 2\n',
  );
  fs.writeFileSync(path.join(dir, 'broken.rego'), 'package broken\nallow {\n');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('edgewise policy eval', () => {
  it('prints the result like opa eval', async () => {
    const { out, error } = await run([
      'policy',
      'eval',
      '-d',
      path.join(dir, 'edu.rego'),
      '-d',
      path.join(dir, 'data.json'),
      '-i',
      path.join(dir, 'input.json'),
      'data.education.allow',
    ]);
    assert.equal(error, undefined);
    const json = JSON.parse(out);
    assert.deepEqual(json.result[0].expressions[0], {
      value: true,
      text: 'data.education.allow',
      location: { row: 1, col: 1 },
    });
  });

  it('prints bindings, and {} for an undefined query', async () => {
    const withVars = await run(['policy', 'eval', 'x := [1, 2][_]']);
    assert.deepEqual(
      JSON.parse(withVars.out).result.map((r: { bindings: unknown }) => r.bindings),
      [{ x: 1 }, { x: 2 }],
    );
    const undef = await run(['policy', 'eval', '-d', path.join(dir, 'edu.rego'), 'data.education.nope']);
    assert.equal(undef.out.trim(), '{}');
    const failing = await run(['policy', 'eval', '--fail', 'data.nope']);
    assert.ok(failing.error instanceof ExitCode && failing.error.code === 1);
  });

  it('explains compile errors with file and line', async () => {
    const { error } = await run(['policy', 'eval', '-d', path.join(dir, 'broken.rego'), 'data.broken']);
    assert.ok(error instanceof UserError);
    assert.match((error as Error).message, /broken\.rego:3:\d+: rego_parse_error/);
  });
});

describe('edgewise policy test', () => {
  it('runs test_ rules and passes', async () => {
    const { out, error } = await run([
      'policy',
      'test',
      '-v',
      path.join(dir, 'edu.rego'),
      path.join(dir, 'data.json'),
      path.join(dir, 'tests'),
    ]);
    assert.equal(error, undefined);
    assert.match(out, /data\.education_test\.test_student: PASS/);
    assert.match(out, /data\.education_test\.test_teacher: PASS/);
    assert.match(out, /PASS: 2\/2/);
  });

  it('reports failures and exits 2', async () => {
    const { out, error } = await run(['policy', 'test', path.join(dir, 'failing_test.rego')]);
    assert.match(out, /data\.failing\.test_wrong: FAIL/);
    assert.match(out, /FAIL: 1\/1/);
    assert.ok(error instanceof ExitCode && error.code === 2);
  });
});
