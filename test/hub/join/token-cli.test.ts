/** `edgewise token create|list|delete` against a real HTTPS hub, configured by the kubeconfig the hub wrote. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { joinHub } from '../../../src/agent/join.js';
import { tokenTable } from '../../../src/cli/commands/token.js';
import { cli } from '../../support/cli.js';
import { type SecureHub, startSecureHub } from './support.js';

describe('edgewise token', () => {
  let h: SecureHub;
  let config: string[];

  before(async () => {
    h = await startSecureHub();
    config = ['--config', h.security.kubeconfigPath];
  });
  after(() => h.close());

  it('creates a token that an agent can join with', async () => {
    const created = await cli([
      ...config,
      'token',
      'create',
      '--ttl',
      '1h',
      '--one-time',
      '--description',
      'store 001 box a',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, new RegExp(`^EW1${h.security.pki.caHash.slice(7)}::[a-z0-9]{6}\\.[a-z0-9]{16}$`));
    const joined = await joinHub({ hubUrl: h.url, token, nodeName: 'store-001-a', machineId: randomUUID() });
    assert.equal(joined.nodeName, 'store-001-a');
  });

  it('lists tokens as a table without their secrets, and deletes them', async () => {
    const created = (await cli([...config, 'token', 'create', '--ttl', '2h'])).stdout.trim();
    const id = created.split('::')[1]?.split('.')[0] ?? '';
    const listed = await cli([...config, 'token', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^TOKEN-ID\s+TTL\s+EXPIRES\s+USAGE\s+DESCRIPTION$/);
    assert.match(listed.stdout, /\bused \(store-001-a\)\s+store 001 box a\n/);
    assert.match(
      listed.stdout,
      new RegExp(`^${id}\\s+11[89]m\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+reusable\\s+<none>$`, 'm'),
    );
    assert.ok(!listed.stdout.includes(created.split('.')[1] ?? 'x'), 'no secret in the list');
    const deleted = await cli([...config, 'token', 'delete', id]);
    assert.equal(deleted.stdout, `bootstrap token "${id}" deleted\n`);
    assert.ok(!(await cli([...config, 'token', 'list'])).stdout.includes(id));
    const again = await cli([...config, 'token', 'delete', id]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `Error from server (NotFound): bootstrap token "${id}" not found\n`);
  });

  it('refuses a bad --ttl before asking the hub, and callers without the admin token', async () => {
    const bad = await cli([...config, 'token', 'create', '--ttl', 'soon']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: invalid --ttl "soon"/);
    const stranger = await cli([...config, '--token', 'wrong', 'token', 'list']);
    assert.equal(stranger.code, 1);
    assert.equal(
      stranger.stderr,
      'Error from server (Unauthorized): Unauthorized: the bearer token is not valid\n',
    );
  });

  it('prints TTLs as kubeadm does', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const table = tokenTable(
      [
        { id: 'aaaaaa', oneTime: false, expires: '2030-01-02T00:00:00Z', createdAt: '2029-12-31T00:00:00Z' },
        {
          id: 'bbbbbb',
          oneTime: true,
          expires: '2029-12-31T00:00:00Z',
          createdAt: '2029-12-31T00:00:01Z',
          description: 'old',
        },
        { id: 'cccccc', oneTime: false, createdAt: '2029-12-31T00:00:02Z', description: 'lab' },
      ],
      now,
    );
    assert.equal(
      table,
      [
        'TOKEN-ID   TTL         EXPIRES                USAGE      DESCRIPTION',
        'aaaaaa     24h         2030-01-02T00:00:00Z   reusable   <none>',
        'bbbbbb     <invalid>   2029-12-31T00:00:00Z   one-time   old',
        'cccccc     <forever>   <never>                reusable   lab',
      ].join('\n'),
    );
  });
});
