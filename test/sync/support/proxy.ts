/**
 * A TCP proxy between agents and their hub, for link faults: take the link down
 * (connections cut, new ones refused), cut it once (agents redial at once), or let
 * agent→hub bytes through while dropping everything hub→agent (lost acknowledgements).
 * It forwards TLS untouched.
 */
import net from 'node:net';

export class LinkProxy {
  readonly port: number;
  readonly #server: net.Server;
  readonly #pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  #down = false;
  #dropDownstream = false;
  /** Agent→hub bytes per second, or 0 for no limit. */
  #upstreamRate = 0;
  /** Bytes discarded while dropping hub→agent traffic. */
  dropped = 0;
  connections = 0;

  private constructor(server: net.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(target: { host: string; port: number }, port = 0): Promise<LinkProxy> {
    let proxy: LinkProxy | undefined;
    const server = net.createServer((client) => proxy?.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    proxy = new LinkProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  accept(client: net.Socket, target: { host: string; port: number }): void {
    if (this.#down) {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = net.connect(target);
    // Forward small frames (acks, heartbeats) at once, as the endpoints themselves do.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (this.#upstreamRate > 0) {
        // A slow uplink: hold the agent's bytes back so its socket fills as on a real link.
        client.pause();
        setTimeout(() => client.resume(), (chunk.length / this.#upstreamRate) * 1000);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.#dropDownstream) this.dropped += chunk.length;
      else client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  }

  /** Cuts every connection and refuses new ones until up(). */
  down(): void {
    this.#down = true;
    this.cut();
  }

  up(): void {
    this.#down = false;
  }

  get isDown(): boolean {
    return this.#down;
  }

  /** Cuts every open connection (agents redial). */
  cut(): void {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Limits agent→hub traffic to `bytesPerSecond` (0: unlimited). */
  throttleUpstream(bytesPerSecond: number): void {
    this.#upstreamRate = bytesPerSecond;
  }

  /** Drops hub→agent bytes (acknowledgements never arrive) until restored. */
  dropHubToAgent(drop: boolean): void {
    this.#dropDownstream = drop;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
