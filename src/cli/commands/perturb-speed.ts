import { type Command, InvalidArgumentError } from 'commander';
import { action, examples, finiteNumber, OVERWRITE_HELP } from '../command.js';
import { DEFAULT_SPEED_FACTORS, perturbDataDirSpeed } from '../../data/speed-perturb.js';
import { formatWrittenDataDir } from '../data-dir-summary.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 14;

/** `0.9,1.1` -> [0.9, 1.1] (each a number; the library checks the range). */
function factorList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new InvalidArgumentError(`expected comma-separated numbers, got '${value}'`);
  return parts.map(finiteNumber);
}

export function register(program: Command): void {
  program
    .command('perturb-speed')
    .description(
      "Speed-perturb a Kaldi data directory (utils/data/perturb_data_dir_speed.sh, sox `speed`): each recording resampled to play 1/S as long " +
        '(pitch and formants scaled by S), written as WAV files under OUT_DIR/wav; ids prefixed sp<S>-, segments and durations scaled by 1/S; one copy per factor in one directory, validated',
    )
    .argument('<data-dir>', 'source data directory')
    .argument('<out-dir>', 'output data directory (the perturbed copies only: combine-data it with the source for the 3-way set)')
    .option('--factors <list>', `comma-separated speed factors in [0.5, 2], not 1 (default ${DEFAULT_SPEED_FACTORS.join(',')}, Kaldi's)`, factorList)
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill perturb-speed data/train data/train_sp --factors 0.9,1.1',
        'asr-distill combine-data data/train_sp3 data/train data/train_sp   # the 3-way set of perturb_data_dir_speed_3way.sh',
      ),
    )
    .action(
      action('perturb-speed', async (dir: string, out: string, o: { factors?: number[]; overwrite?: boolean }) => {
        const r = await withOutputDir(out, { command: 'perturb-speed', overwrite: o.overwrite }, (work) => perturbDataDirSpeed(dir, work, { factors: o.factors }));
        process.stdout.write(`perturb-speed: ${formatWrittenDataDir(out, r)}\n`);
      }),
    );
}
