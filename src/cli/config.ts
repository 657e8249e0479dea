/**
 * Where the CLI finds its hub. In order: `--hub`/`--token` flags, the EDGEWISE_HUB
 * and EDGEWISE_TOKEN variables, the config file (`--config`, EDGEWISE_CONFIG, or
 * `~/.edgewise/config`), then `http://127.0.0.1:6443`. The config file is a
 * kubeconfig, so the one a hub writes works for kubectl too.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { HubConnection } from './client.js';

export const DEFAULT_HUB = 'http://127.0.0.1:6443';

export interface ConfigSources {
  hub?: string;
  token?: string;
  config?: string;
  env: NodeJS.ProcessEnv;
}

interface Kubeconfig {
  'current-context'?: string;
  clusters?: {
    name: string;
    cluster: { server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean };
  }[];
  users?: { name: string; user: { token?: string } }[];
  contexts?: { name: string; context: { cluster: string; user?: string; namespace?: string } }[];
}

export interface ResolvedConfig {
  connection: HubConnection;
  /** Namespace from the config's current context, if any. */
  namespace?: string;
  /** The file the settings came from, for messages. */
  file?: string;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  return env.EDGEWISE_CONFIG ?? path.join(env.HOME ?? os.homedir(), '.edgewise', 'config');
}

export function resolveConfig(sources: ConfigSources): ResolvedConfig {
  const file = sources.config ?? defaultConfigPath(sources.env);
  const fromFile = existsSync(file) ? readKubeconfig(file) : undefined;
  const server = sources.hub ?? sources.env.EDGEWISE_HUB ?? fromFile?.connection.server ?? DEFAULT_HUB;
  // A token or CA from the file belongs to the file's server; don't send it elsewhere.
  const sameServer = fromFile !== undefined && fromFile.connection.server === server;
  const token =
    sources.token ?? sources.env.EDGEWISE_TOKEN ?? (sameServer ? fromFile.connection.token : undefined);
  const connection: HubConnection = { server };
  if (token) connection.token = token;
  if (sameServer && fromFile.connection.ca) connection.ca = fromFile.connection.ca;
  if (sameServer && fromFile.connection.insecure) connection.insecure = true;
  return {
    connection,
    ...(sameServer && fromFile.namespace && { namespace: fromFile.namespace }),
    ...(fromFile && { file }),
  };
}

export function readKubeconfig(file: string): ResolvedConfig {
  let doc: Kubeconfig;
  try {
    doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Kubeconfig;
  } catch (err) {
    throw new Error(`the config file ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const contextName = doc['current-context'] ?? doc.contexts?.[0]?.name;
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  const cluster =
    doc.clusters?.find((c) => c.name === context?.cluster)?.cluster ?? doc.clusters?.[0]?.cluster;
  if (!cluster?.server) throw new Error(`the config file ${file} names no cluster server`);
  const user = doc.users?.find((u) => u.name === context?.user)?.user;
  const connection: HubConnection = { server: cluster.server };
  if (user?.token) connection.token = user.token;
  if (cluster['certificate-authority-data']) {
    connection.ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  }
  if (cluster['insecure-skip-tls-verify']) connection.insecure = true;
  return { connection, ...(context?.namespace && { namespace: context.namespace }), file };
}

/** A kubeconfig for one hub, as `edgewise hub` writes it for the CLI and kubectl. */
export function kubeconfigFor(connection: HubConnection, name = 'edgewise'): Kubeconfig {
  return {
    'current-context': name,
    clusters: [
      {
        name,
        cluster: {
          server: connection.server,
          ...(connection.ca && {
            'certificate-authority-data': Buffer.from(connection.ca).toString('base64'),
          }),
        },
      },
    ],
    users: [{ name, user: connection.token ? { token: connection.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name } }],
  };
}
