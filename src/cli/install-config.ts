/**
 * Points the CLI at a hub this machine just started: copies the hub's kubeconfig to
 * the CLI's config path when there is none yet, or when the one there is for the
 * same server (a restarted hub). A config for another hub is left alone.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { defaultConfigPath, readKubeconfig } from './config.js';

/** Returns the path written, or undefined when an unrelated config was kept. */
export function installCliConfig(
  env: NodeJS.ProcessEnv,
  kubeconfig: string,
  serverUrl: string,
): string | undefined {
  const target = defaultConfigPath(env);
  if (existsSync(target)) {
    let sameServer = false;
    try {
      sameServer = readKubeconfig(target).connection.server === serverUrl;
    } catch {
      // An unreadable config is the user's to fix; never overwrite it.
      return undefined;
    }
    if (!sameServer) return undefined;
  }
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  copyFileSync(kubeconfig, target);
  return target;
}
