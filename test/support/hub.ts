/** Starts throwaway hubs for tests: a temp data dir, SQLite, optionally a real socket. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createHub, type Hub, type HubOptions, listenHub } from '../../src/hub/hub.js';

export interface TestHub {
  hub: Hub;
  dataDir: string;
  /** Set when started with listen: true. */
  url: string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'edgewise-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A hub for tests of the resource API: plain HTTP without credentials and no
 * controllers, unless the options ask for them.
 */
export async function startTestHub(
  options: Partial<HubOptions> & { listen?: boolean } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? tempDir();
  const hub = await createHub({
    logger: pino({ level: 'silent' }),
    secure: false,
    controllers: false,
    ...options,
    dataDir,
  });
  const served = options.listen ? await listenHub(hub, { host: '127.0.0.1', port: 0 }) : undefined;
  return {
    hub,
    dataDir,
    url: served?.url ?? '',
    async close() {
      await served?.close();
      await hub.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A one-time token for an agent to join `hub`, which must be secure (an insecure hub gives undefined). */
export async function joinToken(hub: Hub): Promise<string> {
  const created = await hub.security?.tokens.create({ ttlMs: 600_000, oneTime: true });
  return created?.token as string;
}
