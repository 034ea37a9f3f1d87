import type { Command } from 'commander';
import { action, examples, oneOf } from '../command.js';
import { BACKEND_HELP, BACKEND_NAMES, DEFAULT_BACKEND, type BackendName } from '../../nnet/backend-name.js';
import { evalWordFrames, readOmittedWord } from '../../nnet/omitted-word.js';

export const order = 65;

export function register(program: Command): void {
  program
    .command('eval-word')
    .description("Frame accuracy of a model on one word's frames and on all the others (sec. 3: how a student trained without the word does on it)")
    .argument('<model>', 'model or ensemble directory')
    .argument('<feats-dir>', 'features to score')
    .argument('<ali-dir>', 'their alignments')
    .argument('<data-dir>', 'their data directory (the transcripts locate the word)')
    .argument('<word>', 'the word (e.g. three)')
    .option('--omitted <file>', "omit-word's omitted.json: also split the word's frames into those of its omitted pdfs and those of pdfs it shares with other words (tied context-dependent states)")
    .option('--json', 'print JSON')
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), DEFAULT_BACKEND)
    .addHelpText('after', examples('asr-distill eval-word exp/no-three/student exp/feats/test exp/ali_test data/digits/test three'))
    .action(
      action('eval-word', async (modelDir: string, featsDir: string, aliDir: string, dataDir: string, word: string, o: { omitted?: string; json?: boolean; backend: BackendName }) => {
        const omittedPdfs = o.omitted === undefined ? undefined : (await readOmittedWord(o.omitted)).omittedPdfs;
        const r = await evalWordFrames({ modelDir, featsDir, aliDir, dataDir, word, omittedPdfs, backend: o.backend });
        if (o.json) {
          process.stdout.write(JSON.stringify(r, null, 1) + '\n');
          return;
        }
        const line = (what: string, s: { accuracy: number; correct: number; numFrames: number }) => `${what}: frame accuracy ${(100 * s.accuracy).toFixed(2)}% [ ${s.correct} / ${s.numFrames} ]`;
        process.stdout.write(`${line(`'${word}' (${r.instances} instances)`, r.wordFrames)}\n${line('other frames', r.otherFrames)}\n`);
        if (r.byOmitted) {
          process.stdout.write(`${line(`'${word}' frames of its ${r.byOmitted.omittedPdfs.length} omitted pdfs`, r.byOmitted.omittedPdfFrames)}\n${line(`'${word}' frames of pdfs shared with other words`, r.byOmitted.sharedPdfFrames)}\n`);
        }
      }),
    );
}
