/**
 * A TCP proxy in front of a real server, so tests can take the server "down", bring it
 * back on the same address, cut live connections, or swallow a connection without a
 * word — and count the connections a sink holds open, from the server's side.
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'blackhole';

export class TcpProxy {
  readonly #target: { host: string; port: number };
  /** Connections accepted from clients (the sinks). */
  readonly #clients = new Set<net.Socket>();
  /** Their counterparts to the real server. */
  readonly #upstreams = new Set<net.Socket>();
  #server: net.Server | undefined;
  #port = 0;
  #accepted = 0;
  mode: ProxyMode = 'forward';

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Client connections accepted since the proxy started. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Client connections currently open through the proxy. */
  get connections(): number {
    return this.#clients.size;
  }

  /** Listens again (on the same port after `stop`). */
  async listen(): Promise<void> {
    const server = net.createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Cuts every connection, as a broker restart or a network blip would; keeps listening. */
  sever(): void {
    for (const socket of [...this.#clients, ...this.#upstreams]) socket.destroy();
    this.#clients.clear();
    this.#upstreams.clear();
  }

  /** Stops listening and cuts every connection: the server is "down" (connection refused). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.sever();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    this.#accepted += 1;
    this.#clients.add(client);
    client.on('close', () => this.#clients.delete(client));
    client.on('error', () => {});
    if (this.mode === 'blackhole') return;
    const upstream = net.connect(this.#target);
    this.#upstreams.add(upstream);
    upstream.on('close', () => {
      this.#upstreams.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => {});
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
