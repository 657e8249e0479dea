/**
 * An edge node's agent: joins the hub once (token → per-node credential, CA
 * pinned), then runs everything from its own SQLite state — workloads start from
 * local state before the hub is reached and keep running without it. The link to
 * the hub carries desired state down and status up whenever it is there.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { EdgewiseError } from '../api/errors.js';
import { podType } from '../api/kinds/pod.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import { ProcessDriver } from '../runtime/process/index.js';
import { WasmDriver } from '../runtime/wasm/driver.js';
import { createArtifactResolver } from './artifacts.js';
import type { AgentFeature } from './feature.js';
import { Gateway } from './gateway.js';
import { joinHub, loadOrCreateMachineId } from './join.js';
import { LinkClient } from './link/client.js';
import { LocalApi } from './local-api.js';
import { LogServer } from './logs.js';
import { buildNodeReport, internalIp } from './node-report.js';
import type { PortRange } from './reconciler/ports.js';
import { Reconciler, type ResolvedArtifact } from './reconciler/reconciler.js';
import { AgentState, STATE_FILE } from './state/agent-state.js';
import { AgentWasmHost } from './wasm-host.js';

export interface AgentOptions {
  /** The hub's URL (`https://…`). Required to join; afterwards taken from state when omitted. */
  hubUrl?: string;
  /** Join token; needed only the first time. */
  token?: string;
  /** Node name. Required to join; afterwards taken from state when omitted. */
  name?: string;
  dataDir: string;
  /** Labels the node registers with. */
  labels?: Record<string, string>;
  /** Overrides of the machine's capacity (cpu, memory, pods). */
  capacity?: Record<string, string>;
  logger?: Logger;
  /** Address workloads are reached at. @default the first non-internal IPv4 */
  address?: string;
  portRange?: PortRange;
  /** Stop process workloads when the agent stops (`edgewise up`); by default they keep running. */
  stopWorkloadsOnClose?: boolean;
  /** Link redial delays. */
  linkBackoff?: { minMs: number; maxMs: number };
  /** Replace the runtime drivers (tests). */
  drivers?: RuntimeDriver[];
  /**
   * The object the features fill with what they lend Wasm host functions. The
   * default Wasm driver gets it; pass one to give your own `drivers` a WasmDriver
   * built with `hostServices` set to it.
   */
  wasmHost?: AgentWasmHost;
  /** Where the local API for workloads listens. @default 127.0.0.1, any free port */
  localApi?: { host?: string; port?: number };
  /** Features to start with the agent (edge policy, data streams). */
  features?: AgentFeature[];
  /**
   * One port serving every HTTP workload of the node, routed by Host header
   * (`<deployment-or-pod>.<namespace>[.<anything>]`); absent: host ports only.
   */
  gateway?: { host: string; port: number };
  /** Registries reached over plain HTTP besides loopback ones (module pulls). */
  insecureRegistries?: string[];
  /** Registries whose images are pulled from the hub's module store instead (mirrors). */
  registryMirrors?: string[];
  /**
   * Resolves images to local artifacts (Wasm modules). By default images of Wasm
   * handlers are pulled from the hub's module store or their registry (artifacts.ts).
   */
  resolveArtifact?: (
    image: string,
    handler: string,
    pullPolicy: string,
  ) => Promise<ResolvedArtifact | undefined>;
}

const META = {
  node: 'nodeName',
  hub: 'hubUrl',
  credential: 'credential',
  ca: 'caPem',
  machine: 'machineId',
} as const;

export class Agent {
  readonly nodeName: string;
  readonly state: AgentState;
  readonly reconciler: Reconciler;
  readonly link: LinkClient;
  readonly gateway: Gateway;
  readonly localApi: LocalApi;
  readonly drivers: RuntimeDriver[];
  readonly features: AgentFeature[];
  readonly logs: LogServer;
  readonly #log: Logger;

  private constructor(parts: {
    nodeName: string;
    state: AgentState;
    reconciler: Reconciler;
    link: LinkClient;
    gateway: Gateway;
    localApi: LocalApi;
    drivers: RuntimeDriver[];
    features: AgentFeature[];
    logs: LogServer;
    log: Logger;
  }) {
    this.nodeName = parts.nodeName;
    this.state = parts.state;
    this.reconciler = parts.reconciler;
    this.link = parts.link;
    this.gateway = parts.gateway;
    this.localApi = parts.localApi;
    this.drivers = parts.drivers;
    this.features = parts.features;
    this.logs = parts.logs;
    this.#log = parts.log;
  }

  static async start(input: AgentOptions): Promise<Agent> {
    // Workloads run with their own working directories; every path they are given must be absolute.
    const options = { ...input, dataDir: path.resolve(input.dataDir) };
    const logger = options.logger ?? pino({ level: 'info' });
    const log = logger.child({ component: 'agent' });
    const state = await openOrJoin(options, log);
    const nodeName = state.getMeta(META.node) as string;
    const hubUrl = state.getMeta(META.hub) as string;
    const credential = state.getMeta(META.credential) as string;
    const caPem = state.getMeta(META.ca);
    const machineId = state.getMeta(META.machine) as string;
    // Filled in by the features below; the Wasm driver reads it when workloads start.
    const wasmHost = options.wasmHost ?? new AgentWasmHost();
    const drivers = options.drivers ?? [
      new ProcessDriver({
        stateDir: path.join(options.dataDir, 'process'),
        path: process.env.PATH ?? '/usr/bin:/bin',
        logger,
        onClose: options.stopWorkloadsOnClose ? 'stop' : 'detach',
      }),
      new WasmDriver({ hostServices: wasmHost }),
    ];
    const handlers = new Map<string, RuntimeDriver>();
    for (const driver of drivers) {
      const caps = await driver.capabilities();
      if (!caps.available) {
        log.warn(`runtime ${driver.name} is unavailable: ${caps.reason ?? 'unknown reason'}`);
        continue;
      }
      for (const h of caps.handlers) if (!handlers.has(h)) handlers.set(h, driver);
    }
    const hostIP = options.address ?? internalIp();
    // Workloads carry the local API's address in their env; keep it across restarts so
    // a restarted agent does not change their spec (and restart them).
    const rememberedPort = Number(state.getMeta('localApiPort') ?? 0);
    const host = options.localApi?.host;
    let localApi = new LocalApi({
      logger,
      port: options.localApi?.port ?? rememberedPort,
      ...(host && { host }),
    });
    let localApiUrl: string;
    try {
      localApiUrl = await localApi.listen();
    } catch (err) {
      if (
        options.localApi?.port !== undefined ||
        rememberedPort === 0 ||
        !EdgewiseError.isCode(err, 'EW_UNAVAILABLE')
      )
        throw err;
      log.warn(`local API port ${rememberedPort} is taken; using another (workloads restart to learn it)`);
      localApi = new LocalApi({ logger, port: 0, ...(host && { host }) });
      localApiUrl = await localApi.listen();
    }
    state.setMeta('localApiPort', new URL(localApiUrl).port);
    const gateway = new Gateway({
      logger,
      host: options.address ?? '0.0.0.0',
      ...(options.gateway && { shared: options.gateway }),
      ownerOf: (namespace, pod) =>
        state.object(podType.storage, namespace, pod)?.metadata.ownerReferences?.find((o) => o.controller)
          ?.name,
    });
    const shared = await gateway.listen();
    const gatewayAddress = shared && {
      address: ['0.0.0.0', '::'].includes(shared.address) ? hostIP : shared.address,
      port: shared.port,
    };
    // Images of Wasm handlers are modules: from the hub's store (CA pinned, this node's credential) or their registry.
    const wasmHandlers = new Set([...handlers].filter(([, d]) => d.name === 'wasm').map(([h]) => h));
    const resolveArtifact =
      options.resolveArtifact ??
      createArtifactResolver({
        cacheDir: path.join(options.dataDir, 'modules'),
        hubUrl,
        ...(caPem && { caPem }),
        credential,
        handlers: wasmHandlers,
        logger,
        ...(options.insecureRegistries && { insecureRegistries: options.insecureRegistries }),
        ...(options.registryMirrors && { mirrors: options.registryMirrors }),
      }).resolve;
    const labels = options.labels ?? {};
    const capacity = options.capacity ?? {};
    let link: LinkClient | undefined;
    const reconciler = new Reconciler({
      state,
      drivers: handlers,
      dataDir: options.dataDir,
      nodeName,
      hostIP,
      logger,
      extraEnv: { EDGEWISE_AGENT_URL: localApiUrl, EDGEWISE_NODE_NAME: nodeName },
      ...(options.portRange && { portRange: options.portRange }),
      resolveArtifact,
      onServe: (pod, container, ports) => gateway.serve(pod, container, ports),
      onReport: () => link?.flush(),
    });
    link = new LinkClient({
      hubUrl,
      credential,
      ...(caPem && { caPem }),
      nodeName,
      state,
      logger,
      report: () =>
        buildNodeReport({
          nodeName,
          labels,
          capacity,
          machineId,
          handlers: [...handlers.keys()],
          address: hostIP,
          ...(gatewayAddress && { gateway: gatewayAddress }),
        }),
      onChanges: () => reconciler.trigger(),
      onSynced: () => reconciler.reportAll(),
      ...(options.linkBackoff && { backoff: options.linkBackoff }),
    });
    const logs = new LogServer({ link, state, drivers: handlers, logger });
    const features = options.features ?? [];
    for (const feature of features) {
      await feature.start({ nodeName, dataDir: options.dataDir, state, link, localApi, reconciler, logger });
      wasmHost.attach(feature);
    }
    // Local state first: workloads come back whether or not the hub answers.
    reconciler.trigger();
    link.start();
    log.info(
      {
        node: nodeName,
        hub: hubUrl,
        handlers: [...handlers.keys()],
        localApi: localApiUrl,
        ...(gatewayAddress && { gateway: `${gatewayAddress.address}:${gatewayAddress.port}` }),
      },
      'agent started',
    );
    return new Agent({ nodeName, state, reconciler, link, gateway, localApi, drivers, features, logs, log });
  }

  async close(): Promise<void> {
    await this.logs.close();
    await this.link.close();
    await this.reconciler.close();
    for (const feature of [...this.features].reverse()) await feature.close();
    await this.localApi.close();
    await this.gateway.close();
    for (const driver of this.drivers) await driver.close();
    this.state.close();
    this.#log.info('agent stopped');
  }
}

/** Opens existing state, or joins the hub with the token and creates it. */
async function openOrJoin(options: AgentOptions, log: Logger): Promise<AgentState> {
  const stateFile = path.join(options.dataDir, STATE_FILE);
  if (existsSync(stateFile)) {
    const state = AgentState.open(options.dataDir, { create: false });
    const owner = state.getMeta(META.node);
    if (!owner || !state.getMeta(META.credential)) {
      state.close();
      throw new EdgewiseError(
        'EW_INVALID',
        `agent state in ${options.dataDir} has no node identity; move it aside and join again with --token`,
      );
    }
    if (options.name && options.name !== owner) {
      state.close();
      throw new EdgewiseError(
        'EW_INVALID',
        `the data dir ${options.dataDir} belongs to node ${owner}, not ${options.name}; use another --data-dir`,
      );
    }
    if (options.token) log.info(`node ${owner} already joined; ignoring --token`);
    if (options.hubUrl && options.hubUrl !== state.getMeta(META.hub)) state.setMeta(META.hub, options.hubUrl);
    return state;
  }
  if (!options.token) {
    // Let AgentState explain what is missing.
    return AgentState.open(options.dataDir, { create: false });
  }
  if (!options.hubUrl || !options.name)
    throw new EdgewiseError('EW_BAD_REQUEST', 'joining needs --hub and --name');
  const machineId = loadOrCreateMachineId(options.dataDir);
  const joined = await joinHub({
    hubUrl: options.hubUrl,
    token: options.token,
    nodeName: options.name,
    machineId,
  });
  const state = AgentState.open(options.dataDir, { create: true });
  state.setMeta(META.node, joined.nodeName);
  state.setMeta(META.hub, options.hubUrl);
  state.setMeta(META.credential, joined.credential);
  state.setMeta(META.ca, joined.caPem);
  state.setMeta(META.machine, machineId);
  log.info(`joined ${options.hubUrl} as node ${joined.nodeName}`);
  return state;
}
