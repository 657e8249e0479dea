/** A hub as a user runs it with security on: HTTPS with its own CA, authentication, join routes. */
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { HubClient } from '../../../src/cli/client.js';
import type { HubSecurity } from '../../../src/hub/auth/security.js';
import { createHub, type Hub, listenHub } from '../../../src/hub/hub.js';
import { tempDir } from '../../support/hub.js';

/** A clock tests move by hand. */
export class TestClock {
  value: Date;
  constructor(start = new Date('2030-01-01T00:00:00Z')) {
    this.value = start;
  }
  now = (): Date => this.value;
  advance(ms: number): void {
    this.value = new Date(this.value.getTime() + ms);
  }
}

export interface SecureHub {
  hub: Hub;
  security: HubSecurity;
  url: string;
  dataDir: string;
  clock: TestClock;
  /** `METHOD /path` of every request that reached the routes (after authentication). */
  requests: string[];
  /** A client pinned to the hub's CA, with the given bearer token (or none). */
  client(token?: string): HubClient;
  close(): Promise<void>;
}

export async function startSecureHub(
  options: { dataDir?: string; clock?: TestClock } = {},
): Promise<SecureHub> {
  const dataDir = options.dataDir ?? tempDir('edgewise-join-');
  // Real time by default: the certificates are checked by TLS against the machine's clock.
  const clock = options.clock ?? new TestClock(new Date());
  const hub = await createHub({
    dataDir,
    logger: pino({ level: 'silent' }),
    now: clock.now,
    controllers: false,
  });
  const security = hub.security as HubSecurity;
  const requests: string[] = [];
  // Recorded after authentication, before the join routes answer.
  hub.routes.unshift((req, _res, url) => {
    requests.push(`${req.method ?? ''} ${url.pathname}`);
    return false;
  });
  const served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
  security.writeKubeconfig(served.url);
  return {
    hub,
    security,
    url: served.url,
    dataDir,
    clock,
    requests,
    client: (token) => new HubClient({ server: served.url, ca: security.pki.caPem, ...(token && { token }) }),
    async close() {
      await served.close();
      await hub.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
