/**
 * Helpers for Wasm runtime tests: assemble WAT text with wabt.js (from npm), build
 * WorkloadSpecs, serve an HttpHandler on a loopback port, or a driver's guests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wabtInit from 'wabt';
import type { HttpHandler, WorkloadSpec } from '../../src/runtime/driver.js';
import { WasmDriver } from '../../src/runtime/wasm/driver.js';
import type { WasmDriverOptions } from '../../src/runtime/wasm/options.js';

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

/** Assembles WebAssembly text into a binary module. */
export async function wat(source: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const mod = wabt.parseWat('test.wat', source);
  try {
    mod.resolveNames();
    mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

export function tempDir(prefix = 'edgewise-wasm-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a module file under `dir` and returns its path. */
export function writeModule(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

let seq = 0;
export function wasmSpec(
  artifactPath: string,
  dir: string,
  overrides: Partial<WorkloadSpec> = {},
): WorkloadSpec {
  seq++;
  const uid = `uid-${seq}`;
  return {
    id: `${uid}/app`,
    pod: { namespace: 'default', name: `pod-${seq}`, uid },
    container: 'app',
    handler: 'wasmedge',
    image: `test/module-${seq}:1`,
    artifactPath,
    command: [],
    args: [],
    env: {},
    workDir: dir,
    logDir: path.join(dir, `logs-${seq}`),
    ports: [{ containerPort: 8080, protocol: 'TCP', hostPort: 18080 }],
    mounts: [],
    limits: {},
    ...overrides,
  };
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 with `handler`; close() also ends keep-alive sockets. */
export async function serve(handler: RequestListener): Promise<Served> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A plain node:http request (fetch hides some headers and normalises others). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A Wasm driver with `options`, and deploy() that serves a WAT guest on a loopback port. */
export function driverHarness(options: WasmDriverOptions) {
  const tmp = tempDir();
  const driver = new WasmDriver(options);
  const served: Served[] = [];
  return {
    driver,
    async deploy(source: string, overrides: Parameters<typeof wasmSpec>[2] = {}) {
      const file = writeModule(tmp.dir, `m-${Math.random().toString(36).slice(2)}.wasm`, await wat(source));
      const started = await driver.start(wasmSpec(file, tmp.dir, overrides));
      const s = await serve(started.httpHandlers?.get(8080) as HttpHandler);
      served.push(s);
      return s.url;
    },
    async close() {
      for (const s of served) await s.close();
      await driver.close();
      tmp.remove();
    },
  };
}
