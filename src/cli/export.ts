import { Command } from 'commander';
import { UserError } from '../util/errors';
import { exportRun, formatExportSummary } from '../ship/export';
import { Quantization, QUANTIZATIONS } from '../ship/quantize';
import { singleFold } from './predict';
import { parseFold } from './train';

interface ExportCliOptions {
  run: string;
  out: string;
  quantize: string;
  checkpoint: string;
  fold?: number | number[] | 'all';
  web?: boolean;
  quiet?: boolean;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write a run\'s model as a stock-tfjs layers model (batch norms folded), its metadata, and optionally the page that runs it')
    .requiredOption('--run <runDir>', 'a run folder written by dresnet train')
    .requiredOption('--out <dir>', 'the export folder')
    .option('--quantize <none|float16|uint8>', 'weight encoding (tfjs dequantizes on load)', 'none')
    .option('--checkpoint <best|last>', 'which checkpoint', 'best')
    .option('--fold <i>', 'which fold of a k-fold run (default: the first it trained)', parseFold)
    .option('--web', 'also write the page (index.html, its scripts, tfjs from the local install) into the folder')
    .option('-q, --quiet', 'no progress lines')
    .action(async (o: ExportCliOptions) => {
      if (!QUANTIZATIONS.includes(o.quantize as Quantization)) throw new UserError(`--quantize ${o.quantize}: expected ${QUANTIZATIONS.join(', ')}`);
      if (o.checkpoint !== 'best' && o.checkpoint !== 'last') throw new UserError(`--checkpoint ${o.checkpoint}: expected best or last`);
      const summary = await exportRun({
        runDir: o.run,
        outDir: o.out,
        quantize: o.quantize as Quantization,
        checkpoint: o.checkpoint,
        fold: singleFold(o.fold),
        web: o.web,
        log: o.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(formatExportSummary(summary));
      if (o.web) process.stdout.write(`page: ${summary.outDir}/index.html (serve the folder, e.g. dresnet serve --model ${o.out})\n`);
    });
}
