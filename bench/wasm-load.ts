/**
 * Load generators for bench/wasm-http: Debian's `wrk` when installed (C, one thread,
 * so it takes as little of a small machine as possible away from the server), else
 * autocannon (JavaScript: it competes with the server for the same cores, which
 * flatters neither side — the results record which one ran).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface LoadResult {
  rps: number;
  requests: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  duration: number;
  connections: number;
  /** Load generator threads (wrk only). */
  threads: number;
  /** Target request rate; flat out when absent. */
  rate?: number;
}

export interface LoadGenerator {
  name: string;
  run(options: LoadOptions): Promise<LoadResult>;
}

// wrk prints this JSON line from done(); latencies are in microseconds. With WRK_RATE
// set (requests per second per wrk thread), `delay` holds each request until its slot
// in an evenly spaced schedule, over whichever connection is free: a token bucket.
// Latency is still measured from when a request is sent, as in any closed-loop client.
// wrk checks once at start whether the script has a `delay` function, so it is only
// defined when pacing. Time comes from clock_gettime through LuaJIT's FFI; wrk takes
// whole milliseconds, so each delay is dithered between floor and ceil — the schedule
// itself is exact, so the rate is too.
const WRK_SCRIPT = `
local rate = tonumber(os.getenv("WRK_RATE") or "0")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } ew_timespec; int clock_gettime(int clk, ew_timespec *tp); ]]
  local ts = ffi.new("ew_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000 / rate
  -- Slots missed while every connection waited for an answer are made up later, up
  -- to one per connection, as an open-loop client's backlog would be.
  local slack = interval * tonumber(os.getenv("WRK_CONNECTIONS") or "1")
  local next_at = 0
  delay = function()
    local now = now_ms()
    if next_at < now - slack then next_at = now - slack end
    next_at = next_at + interval
    local d = next_at - now
    if d <= 0 then return 0 end
    local base = math.floor(d)
    if math.random() < d - base then return base + 1 end
    return base
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'EDGEWISE {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.mean))
end
`;

function wrkAvailable(): boolean {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return r.error === undefined && /wrk/.test(`${r.stdout}${r.stderr}`);
}

function wrkVersion(): string {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const m = /wrk (?:debian\/)?([\w.+-]+)/.exec(`${r.stdout}${r.stderr}`);
  return m ? `wrk ${m[1]}` : 'wrk';
}

class Wrk implements LoadGenerator {
  readonly name = wrkVersion();
  private readonly script: string;

  constructor() {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgewise-wrk-'));
    this.script = path.join(dir, 'report.lua');
    writeFileSync(this.script, WRK_SCRIPT);
  }

  run(o: LoadOptions): Promise<LoadResult> {
    return this.once(o, o.rate ? o.rate / o.threads : 0);
  }

  private once(o: LoadOptions, ratePerThread: number): Promise<LoadResult> {
    const args = [
      `-t${o.threads}`,
      `-c${o.connections}`,
      `-d${o.duration}s`,
      '--timeout',
      '10s',
      '-s',
      this.script,
      o.url,
    ];
    const env = {
      ...process.env,
      WRK_RATE: ratePerThread > 0 ? ratePerThread.toFixed(3) : '0',
      WRK_CONNECTIONS: String(Math.ceil(o.connections / o.threads)),
    };
    return new Promise((resolve, reject) => {
      const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        const line = out.split('\n').find((l) => l.startsWith('EDGEWISE '));
        if (code !== 0 || !line) {
          reject(new Error(`wrk exited with ${code}: ${out}`));
          return;
        }
        const r = JSON.parse(line.slice('EDGEWISE '.length)) as Record<string, number>;
        const ms = (us: number | undefined) => Math.round((us ?? 0) / 10) / 100;
        resolve({
          rps: Math.round(((r.requests ?? 0) * 1e6) / (r.duration_us ?? 1)),
          requests: r.requests ?? 0,
          p50_ms: ms(r.p50),
          p90_ms: ms(r.p90),
          p99_ms: ms(r.p99),
          p999_ms: ms(r.p999),
          errors: r.errors ?? 0,
          non2xx: r.non2xx ?? 0,
        });
      });
    });
  }
}

class Autocannon implements LoadGenerator {
  readonly name = 'autocannon';

  async run(o: LoadOptions): Promise<LoadResult> {
    // Loaded on demand: the server children import this file too and must stay lean.
    const { default: autocannon } = await import('autocannon');
    const r = await autocannon({
      url: o.url,
      duration: o.duration,
      connections: o.connections,
      ...(o.rate ? { overallRate: o.rate } : {}),
    });
    return {
      rps: Math.round(r.requests.average),
      requests: r.requests.total,
      p50_ms: r.latency.p50,
      p90_ms: r.latency.p90,
      p99_ms: r.latency.p99,
      p999_ms: r.latency.p99_9,
      errors: r.errors + r.timeouts,
      non2xx: r.non2xx,
    };
  }
}

/** wrk when it is installed (`apt-get install wrk`), unless `prefer` says autocannon. */
export function loadGenerator(prefer?: string): LoadGenerator {
  if (prefer !== 'autocannon' && wrkAvailable()) return new Wrk();
  if (prefer === 'wrk') throw new Error('wrk is not installed (apt-get install -y wrk)');
  return new Autocannon();
}
