/** Runs the edgewise CLI in-process and captures what it prints. */
import { run } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { stdin?: string; signal?: AbortSignal } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    // An empty HOME keeps a developer's ~/.edgewise/config out of tests.
    env: { HOME: '/nonexistent', ...env },
    readStdin: () => options.stdin ?? '',
    ...(options.signal && { signal: options.signal }),
  });
  return { code, stdout, stderr };
}

/** Replaces AGE-like cells (5s, 3m2s, 1h) so table snapshots do not depend on timing. */
export function maskAges(text: string): string {
  return text.replace(/(?<=\s)(\d+[smhdy])+(?=\s|$)/gm, '<age>');
}
