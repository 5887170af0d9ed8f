import { Command } from 'commander';
import { defaultSuite, runSuiteCommand, SuiteCommandOptions, withSuiteOptions } from './compare';

export function registerAblateCommand(program: Command): void {
  withSuiteOptions(
    program.command('ablate')
      .description("the Discussion's ablation: each DResNet change switched on in turn, with the deltas beside the paper's"),
  ).action(async (opts: Omit<SuiteCommandOptions, 'suite'> & { suite?: string[] }) => {
    await runSuiteCommand({ ...opts, suite: opts.suite ?? [defaultSuite('ablation')] });
  });
}
