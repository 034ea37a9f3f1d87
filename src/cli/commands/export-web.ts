import type { Command } from 'commander';
import { action, examples, OVERWRITE_HELP } from '../command.js';
import { exportWeb } from '../../web/export-web.js';

export const order = 55;

interface ExportWebCliOptions {
  grammar?: string;
  lm?: string;
  overwrite?: boolean;
  cmvnStats?: string;
  compare?: string;
}

export function register(program: Command): void {
  program
    .command('export-web')
    .description('Write a static offline web page that transcribes WAV files and the microphone with a DNN (fbank, TF.js, our decoder; no CDN): open it with `asr-distill serve`')
    .argument('<model-dir>', 'DNN model directory (a student from distill, or a model from train)')
    .argument('<out-dir>', 'directory to write the site to (index.html, app.js, model/, graph.bin, asr-web.json, TF.js wasm)')
    .option('--grammar <file.jsgf>', "JSGF grammar (default: the model's lang/grammar.jsgf)")
    .option('--lm <file.arpa>', 'ARPA n-gram language model instead of a grammar')
    .option('--compare <ensemble-dir>', 'an ensemble (or another DNN) decoded beside the student on each file, shown side by side')
    .option('--cmvn-stats <feats-dir>', "features whose CMVN statistics are the microphone's online CMVN prior (default: the model's training features)")
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText('after', examples('asr-distill export-web exp/digits/student exp/digits/web --compare exp/digits/ensemble', 'asr-distill serve exp/digits/web'))
    .action(
      action('export-web', async (modelDir: string, outDir: string, opts: ExportWebCliOptions) => {
        const r = await exportWeb(modelDir, outDir, opts);
        const kb = (n: number) => `${(n / 1000).toFixed(0)} kB`;
        const compare = r.compareBytes > 0 ? `; --compare model ${kb(r.compareBytes)} more` : '';
        process.stdout.write(`${outDir}: page download ${kb(r.pageBytes)} (script ${kb(r.scriptBytes)}, model ${kb(r.modelBytes)}, graph ${kb(r.graphBytes)}, wasm ${kb(r.files['tfjs-backend-wasm-simd.wasm'])})${compare}\n`);
        process.stdout.write(r.cmvnPriorFrom ? `online CMVN prior (microphone): ${r.cmvnPriorFrom}\n` : 'online CMVN prior (microphone): none found; give --cmvn-stats with the training features for better live results\n');
      }),
    );
}
