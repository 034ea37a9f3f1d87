import type { Command } from 'commander';
import { action, examples, oneOf, positiveInt } from '../command.js';
import { BACKEND_HELP, BACKEND_NAMES, DEFAULT_BACKEND, type BackendName } from '../../nnet/backend-name.js';
import { DEFAULT_RATIO_MAX_FRAMES, DEFAULT_RATIO_TEMPERATURES, measureGradientRatios } from '../../nnet/gradient-ratio.js';
import { positiveNumber } from './train.js';

export const order = 57;

export function register(program: Command): void {
  program
    .command('gradient-ratio')
    .description(
      "Sec. 2.1 of Hinton et al. 2015 measured: on real frames, how close T^2 x the soft-target gradient comes to the centred logit-matching gradient " +
        '(ratio of the projection, norm ratio and cosine; all approach 1 as T grows)',
    )
    .argument('<student>', 'student model directory (a single DNN)')
    .argument('<teacher>', 'its teacher: model or ensemble directory (soft targets follow its combine rule)')
    .argument('<feats-dir>', 'frames to measure on (e.g. dev)')
    .option('--temperatures <list>', 'comma-separated temperatures', (v: string) => v.split(',').map(positiveNumber), [...DEFAULT_RATIO_TEMPERATURES])
    .option('--max-frames <N>', 'use at most N frames', positiveInt, DEFAULT_RATIO_MAX_FRAMES)
    .option('--json', 'print JSON')
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), DEFAULT_BACKEND)
    .addHelpText('after', examples('asr-distill gradient-ratio exp/digits/student exp/digits/ensemble exp/digits/feats/dev --temperatures 1,2,5,10,20'))
    .action(
      action('gradient-ratio', async (studentDir: string, teacherDir: string, featsDir: string, o: { temperatures: number[]; maxFrames: number; json?: boolean; backend: BackendName }) => {
        const r = await measureGradientRatios({ studentDir, teacherDir, featsDir, temperatures: o.temperatures, maxFrames: o.maxFrames, backend: o.backend });
        if (o.json) {
          process.stdout.write(JSON.stringify(r, null, 1) + '\n');
          return;
        }
        const lines = [`# ${r.numFrames} frames of ${featsDir}`, 'T\tratio\tnorm ratio\tcosine'];
        for (const g of r.ratios) lines.push(`${g.temperature}\t${g.ratio.toFixed(4)}\t${g.normRatio.toFixed(4)}\t${g.cosine.toFixed(4)}`);
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
