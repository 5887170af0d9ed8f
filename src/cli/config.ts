import { Command } from 'commander';
import { loadRunConfig, toYaml } from '../config/load';
import { checkRunConfig } from '../train/preflight';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--config` and repeatable `--set` options, shared by every command that reads a run config. */
export function withConfigOptions(cmd: Command, required = true): Command {
  const flags = '-c, --config <file>';
  const desc = 'run config (YAML)';
  return (required ? cmd.requiredOption(flags, desc) : cmd.option(flags, desc))
    .option('-s, --set <key=value>', 'override a config key (repeatable), e.g. --set train.epochs=5', collect, []);
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect run configs');
  withConfigOptions(
    config.command('show').description('print the fully resolved config (bases, file, --set overrides, defaults)'),
  ).action((opts: { config: string; set: string[] }) => {
    const config = loadRunConfig(opts.config, opts.set);
    // What train would refuse before loading data (an unknown model, an unsafe name) is refused here too.
    checkRunConfig(config, opts.config);
    process.stdout.write(toYaml(config));
  });
}
