import { Command } from 'commander';
import { UserError } from '../util/errors';
import { servePage } from '../ship/web';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve an exported model with the page that classifies a cell in the browser, on 127.0.0.1')
    .requiredOption('--model <exportDir>', 'a folder written by dresnet export')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free one)', '8080')
    .action(async (o: { model: string; port: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${o.port}: expected a port number 0-65535`);
      const { url } = await servePage(o.model, port);
      process.stdout.write(`serving ${o.model} at ${url} (Ctrl-C stops)\n`);
      // The server keeps the process alive until it is interrupted.
      await new Promise<never>(() => {});
    });
}
