/**
 * Runs Debian's `docker-registry` (CNCF Distribution) on a free loopback port for
 * a test, storing under a temp dir. Missing binary: skip outside CI, fail in CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './fleet.js';
import { isCI } from './services.js';

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RunningRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  host: string;
  stop(): Promise<void>;
}

/** Undefined when the registry can run, else why not (throws under CI). */
export function dockerRegistryOrSkip(): string | undefined {
  if (existsSync(DOCKER_REGISTRY_BIN)) return undefined;
  const message = `${DOCKER_REGISTRY_BIN} is missing; install it with: apt-get install -y docker-registry`;
  if (isCI()) throw new Error(`CI=true and ${message}`);
  return message;
}

export async function startDockerRegistry(dir: string): Promise<RunningRegistry> {
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(DOCKER_REGISTRY_BIN, ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i === 99) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer on ${host} within 10 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
