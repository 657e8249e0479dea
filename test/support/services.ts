/**
 * Tests that need a real server (PostgreSQL, RabbitMQ, …) call `serviceOrSkip` in a
 * `before` hook. Outside CI a missing server skips the test with a message naming
 * the service to start; with CI=true it fails the run, because CI must test it.
 */
import net from 'node:net';

export interface ServiceProbe {
  /** Human name used in messages: "PostgreSQL". */
  name: string;
  host: string;
  port: number;
  /** How to start it, shown when it is missing. */
  hint: string;
}

export const POSTGRES: ServiceProbe = {
  name: 'PostgreSQL',
  host: '127.0.0.1',
  port: 5432,
  hint: 'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
};
export const RABBITMQ: ServiceProbe = {
  name: 'RabbitMQ',
  host: '127.0.0.1',
  port: 5672,
  hint: 'start it with: rabbitmq-server -detached',
};
export const NATS: ServiceProbe = {
  name: 'NATS JetStream',
  host: '127.0.0.1',
  port: 4222,
  hint: 'start nats-server with -js on 127.0.0.1:4222',
};
export const MOSQUITTO: ServiceProbe = {
  name: 'Mosquitto',
  host: '127.0.0.1',
  port: 1883,
  hint: 'start it with: mosquitto -d -c /etc/mosquitto/mosquitto.conf',
};
export const REDIS: ServiceProbe = {
  name: 'Redis',
  host: '127.0.0.1',
  port: 6379,
  hint: 'start it with: redis-server --daemonize yes',
};

export function isCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** Resolves true when something accepts TCP connections at host:port within the timeout. */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Returns undefined when the service is up, else a skip message. Under CI a missing
 * service throws instead, so the run fails rather than silently testing less.
 */
export async function serviceOrSkip(probe: ServiceProbe): Promise<string | undefined> {
  if (await reachable(probe.host, probe.port)) return undefined;
  const message = `${probe.name} is not reachable on ${probe.host}:${probe.port}; ${probe.hint}`;
  if (isCI()) throw new Error(`CI=true and ${message}`);
  return message;
}
