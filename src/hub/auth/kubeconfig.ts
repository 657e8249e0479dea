/**
 * The kubeconfig a hub writes for its admin (`<dataDir>/kubeconfig.yaml`, 0600):
 * server, CA data and the admin token, readable by kubectl and by the edgewise CLI's
 * config reader. Written here rather than shared with the CLI because hub code may
 * not import cli; the format is kubeconfig's, which is the contract between them.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import { SECRET_MODE, writeFileAtomic } from '../pki/files.js';

export interface KubeconfigParams {
  /** `https://127.0.0.1:6443`; a wildcard listen address is turned into loopback. */
  server: string;
  caPem: string;
  token: string;
  /** Cluster, user and context name. @default 'edgewise' */
  name?: string;
}

export function kubeconfigPath(dataDir: string): string {
  return path.join(dataDir, 'kubeconfig.yaml');
}

export function renderKubeconfig(params: KubeconfigParams): string {
  const name = params.name ?? 'edgewise';
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters: [
      {
        name,
        cluster: {
          server: clientServerUrl(params.server),
          'certificate-authority-data': Buffer.from(params.caPem, 'utf8').toString('base64'),
        },
      },
    ],
    users: [{ name: `${name}-admin`, user: { token: params.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    preferences: {},
  };
  return stringify(doc, { lineWidth: 0 });
}

export function writeKubeconfig(file: string, params: KubeconfigParams): void {
  writeFileAtomic(file, renderKubeconfig(params), SECRET_MODE);
}

/** A hub listening on 0.0.0.0 or [::] is reached by clients on loopback, which its certificate names. */
export function clientServerUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  return parsed.toString().replace(/\/$/, '');
}
