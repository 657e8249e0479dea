/**
 * Shared pieces of the data-sync benchmarks, on top of the sync tests' fleet: a hub
 * with the ingest feature on a fixed loopback port (reporting stream status once a
 * second, not ten times as the tests do), and a stream routed to the hub's store.
 */
import type { Hub } from '../src/hub/hub.js';
import { applyDataSync, dataSync, type SyncHub, startSyncHub } from '../test/sync/support/fleet.js';

export function startHub(dataDir: string, port: number): Promise<SyncHub> {
  return startSyncHub(dataDir, { port, ingest: { statusIntervalMs: 1000 } });
}

export function routeStream(hub: Hub, stream: string): Promise<void> {
  return applyDataSync(hub, dataSync(stream, { streams: [stream] }));
}
