import type { Command } from 'commander';
import { action, examples, nonNegativeInt } from '../command.js';
import { serveStatic } from '../../web/serve.js';

export const order = 56;

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve a directory written by export-web on http://127.0.0.1 (until Ctrl-C)')
    .argument('<dir>', 'the site directory')
    .option('--port <n>', 'port (0: any free port)', nonNegativeInt, 8080)
    .addHelpText('after', examples('asr-distill serve exp/digits/web', 'asr-distill serve --port 0 exp/digits/web'))
    .action(
      action('serve', async (dir: string, opts: { port: number }) => {
        const s = await serveStatic(dir, opts.port);
        process.stdout.write(`serving ${dir} at ${s.url} (Ctrl-C to stop)\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => void s.close().then(resolve));
          process.once('SIGTERM', () => void s.close().then(resolve));
        });
      }),
    );
}
