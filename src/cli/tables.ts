import * as path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../util/errors';
import { defaultSuite } from './compare';
import { loadSuite } from '../suite/load';
import { renderTables } from '../suite/outputs';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerTablesCommand(program: Command): void {
  program.command('tables')
    .description('regenerate table.csv, table.md and the figures of results/<suite>/ from its CSVs alone (no training, no model building)')
    .option('--suite <file>', 'suite file (repeatable; default: table3, table4 and ablation)', collect)
    .option('-o, --out <dir>', 'results folder (default: results/<suite name>)')
    .action(async (opts: { suite?: string[]; out?: string }) => {
      const files = opts.suite ?? ['table3', 'table4', 'ablation'].map(defaultSuite);
      if (opts.out !== undefined && files.length > 1) throw new UserError('--out takes one --suite');
      for (const file of files) {
        const suite = loadSuite(file);
        const outDir = path.resolve(opts.out ?? path.join('results', suite.name));
        await renderTables(suite, outDir);
        process.stdout.write(`${path.relative(process.cwd(), outDir) || '.'}/table.md\n`);
      }
    });
}
