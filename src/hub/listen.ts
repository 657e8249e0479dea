/** Binding a hub to a socket: HTTP or HTTPS, agent links on upgrade. */
import http, { type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { EdgewiseError } from '../api/errors.js';
import type { Hub } from './hub.js';

export interface ListeningHub {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Binds the hub to host:port (port 0 picks a free one) and starts its controllers
 * and link server. A secure hub serves HTTPS with its own CA; `tls` overrides the
 * certificate (tests).
 */
export async function listenHub(
  hub: Hub,
  listen: { host: string; port: number },
  tls: { cert: string; key: string } | undefined = hub.security?.pki.tls,
): Promise<ListeningHub> {
  const server: Server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, hub.handler)
    : http.createServer(hub.handler);
  // Watches and agent links are long-lived; the default request timeout would cut them.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (req, socket, head) => {
    if (!hub.link?.handleUpgrade(req, socket, head))
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new EdgewiseError(
            'EW_UNAVAILABLE',
            `${listen.host}:${listen.port} is already in use (is another hub running?); choose another address with --listen`,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new EdgewiseError(
            'EW_FORBIDDEN',
            `not allowed to listen on ${listen.host}:${listen.port}; choose a port above 1024 with --listen`,
          ),
        );
      } else reject(err);
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  await hub.start();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `${tls ? 'https' : 'http'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        hub.link?.disconnectAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses `host:port` as given to --listen. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!m) throw new EdgewiseError('EW_BAD_REQUEST', `--listen must be host:port, not "${text}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new EdgewiseError('EW_BAD_REQUEST', `--listen port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
