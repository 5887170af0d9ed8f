import { Command, CommanderError } from 'commander';
import { isUserError } from '../util/errors';
import { fsUserError } from '../util/files';
import { registerConfigCommand } from './config';
import { registerDataCommand } from './data';
import { registerCompareCommand } from './compare';
import { registerAblateCommand } from './ablate';
import { registerTablesCommand } from './tables';
import { registerTrainCommand } from './train';
import { registerEvalCommand } from './eval';
import { registerInfoCommand } from './info';
import { registerBenchCommand } from './bench';
import { registerWorkerCommand } from './worker';
import { registerPruneCommand } from './prune';
import { registerPredictCommand } from './predict';
import { registerExportCommand } from './export';
import { registerServeCommand } from './serve';

/** Each command lives in its own file and adds itself to the program here. */
const COMMANDS: Array<(program: Command) => void> = [
  registerConfigCommand,
  registerInfoCommand,
  registerDataCommand,
  registerCompareCommand,
  registerAblateCommand,
  registerTablesCommand,
  registerTrainCommand,
  registerEvalCommand,
  registerBenchCommand,
  registerWorkerCommand,
  registerPruneCommand,
  registerPredictCommand,
  registerExportCommand,
  registerServeCommand,
];

export function buildProgram(): Command {
  const program = new Command('dresnet')
    .description('Reproduce the DResNet (J. Med. Syst. 2019) cervical-cell experiments on TensorFlow.js')
    .version(require('../../../package.json').version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * One line on stderr and the exit code for an error: 2 for what the user can
 * fix (a UserError, or a file-system error such as a full disk), 1 for an
 * internal error, whose stack trace is printed only with DRESNET_DEBUG=1.
 */
export function reportError(err: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (err instanceof CommanderError) return err.exitCode; // commander has already printed its message (or the help/version text).
  const user = isUserError(err) ? err : fsUserError(err);
  if (user) {
    write(`dresnet: error: ${user.message}\n`);
    return 2;
  }
  if (process.env.DRESNET_DEBUG === '1') {
    write(`dresnet: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
  } else {
    const first = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0];
    write(`dresnet: internal error: ${first} (run with DRESNET_DEBUG=1 for the stack trace)\n`);
  }
  return 1;
}

/** Runs the program; the exit code is a command's own (train sets 130/143 when interrupted) or reportError's. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}
