import { Command, CommanderError } from 'commander';
import { isUserError } from '../util/errors';
import { registerConfigCommand } from './config';
import { registerDataCommand } from './data';
import { registerCompareCommand } from './compare';
import { registerAblateCommand } from './ablate';
import { registerTablesCommand } from './tables';
import { registerTrainCommand } from './train';
import { registerEvalCommand } from './eval';
import { registerInfoCommand } from './info';
import { registerBenchCommand } from './bench';
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

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (or the help/version text).
      return err.exitCode;
    }
    if (isUserError(err)) {
      process.stderr.write(`dresnet: error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`dresnet: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}
