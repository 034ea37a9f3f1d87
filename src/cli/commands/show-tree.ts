import type { Command } from 'commander';
import * as path from 'node:path';
import { action, examples } from '../command.js';
import { readLangDir } from '../../lang/lang-dir.js';
import { readTree, TREE_FILE } from '../../hmm/tree-format.js';
import { formatTreeSummary, summarizeTree } from '../../hmm/tree-summary.js';

export const order = 46;

export function register(program: Command): void {
  program
    .command('show-tree')
    .description('Print the size of a triphone model\'s decision tree, the questions its splits use and the occupancy of its tied states (Kaldi tree-info, draw-tree)')
    .argument('<exp-dir>', 'triphone model directory (asr-distill train-tri), or a tree file beside a lang/ directory')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', examples('asr-distill show-tree exp/tri1', 'asr-distill show-tree exp/tri1 --json'))
    .action(
      action('show-tree', async (expDir: string, o: { json?: boolean }) => {
        const file = path.basename(expDir) === TREE_FILE ? expDir : path.join(expDir, TREE_FILE);
        const lang = await readLangDir(path.join(path.dirname(file), 'lang'));
        const s = summarizeTree(await readTree(file, lang.phones), lang.phones);
        process.stdout.write(o.json ? JSON.stringify(s, null, 1) + '\n' : formatTreeSummary(s, file));
      }),
    );
}
