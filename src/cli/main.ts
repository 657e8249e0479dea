#!/usr/bin/env node
/** The `edgewise` executable: one binary for every role (hub, agent, client verbs). */
import { Command, CommanderError } from 'commander';
import { EdgewiseError } from '../api/errors.js';
import { isServerError } from './client.js';
import { registerAgent } from './commands/agent.js';
import { registerApply } from './commands/apply.js';
import { registerDelete } from './commands/delete.js';
import { registerDescribe } from './commands/describe.js';
import { registerGet } from './commands/get.js';
import { registerHub } from './commands/hub.js';
import { registerLabel } from './commands/label.js';
import { registerLogs } from './commands/logs.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerPush } from './commands/push.js';
import { registerToken } from './commands/token.js';
import { registerUp } from './commands/up.js';
import { CliContext, type CliIO, type GlobalOptions } from './context.js';
import { ExitCode, UserError } from './errors.js';
import { ManifestError } from './manifests.js';

export function buildProgram(io: CliIO): Command {
  const program = new Command('edgewise');
  program
    .description('Run services on fleets of edge sites from one place.')
    .option(
      '--hub <url>',
      'hub API URL (or EDGEWISE_HUB; default from ~/.edgewise/config, else http://127.0.0.1:6443)',
    )
    .option('--token <token>', 'bearer token for the hub (or EDGEWISE_TOKEN)')
    .option(
      '--config <file>',
      'CLI config file, kubeconfig format (or EDGEWISE_CONFIG; default ~/.edgewise/config)',
    )
    .option('-n, --namespace <ns>', 'namespace for namespaced kinds (default from the config, else default)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  let ctx: CliContext | undefined;
  const context = () => {
    ctx ??= new CliContext(io, program.opts<GlobalOptions>());
    return ctx;
  };
  registerHub(program, context);
  registerUp(program, context);
  registerAgent(program, context);
  registerApply(program, context);
  registerGet(program, context);
  registerDescribe(program, context);
  registerDelete(program, context);
  registerLabel(program, context);
  registerLogs(program, context);
  registerPush(program, context);
  registerToken(program, context);
  registerPolicyCommands(program);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    // Global options may come after the verb, as with kubectl (`get pods -n store-001`).
    command.option('-n, --namespace <ns>', 'namespace for namespaced kinds');
    command.hook('preAction', (_this, action) => {
      const local = action.opts<{ namespace?: string }>();
      if (local.namespace) program.setOptionValue('namespace', local.namespace);
    });
  }
  return program;
}

/** Runs the CLI with the given arguments and returns the exit code. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (err instanceof ExitCode) return err.code;
    if (err instanceof UserError || err instanceof ManifestError) {
      io.stderr(`error: ${err.message}\n`);
      return 1;
    }
    if (EdgewiseError.is(err)) {
      io.stderr(
        isServerError(err)
          ? `Error from server (${err.reason}): ${err.message}\n`
          : `error: ${err.message}\n`,
      );
      return 1;
    }
    io.stderr(
      `edgewise: internal error (a bug; please report it with this output):\n${(err as Error).stack ?? String(err)}\n`,
    );
    return 1;
  }
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const code = await run(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    signal: abort.signal,
  });
  process.exitCode = code;
}
