import type { Command } from 'commander';
import { action, examples, nonNegativeInt } from '../command.js';
import { readDataDir } from '../../data/data-dir.js';
import { checkDataDirAudio, type AudioSummary } from '../../data/audio.js';
import { createProgress } from '../../jobs/progress.js';
import { InputError } from '../../errors.js';

export const order = 10;

function counts(m: Map<number, number>, unit: (k: number) => string): string {
  return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${unit(k)} (${n})`).join(', ');
}

function formatHours(sec: number): string {
  const h = sec / 3600;
  return h >= 0.1 ? h.toFixed(2) : h.toFixed(4);
}

export function register(program: Command): void {
  program
    .command('validate-data')
    .description(
      "Check a Kaldi data directory (wav.scp, text, utt2spk, spk2utt, segments) as Kaldi's validate_data_dir.sh does, " +
        'read every WAV header, and print a summary (utterances, speakers, hours) or every problem found. ' +
        'wav.scp commands (`cmd |`) are not run unless --check-pipes is given',
    )
    .argument('<data-dir>', 'data directory')
    .option('--no-check-audio', 'skip reading the audio (no durations; missing files are still reported)')
    .option('--check-pipes', 'also run the shell commands of piped wav.scp entries to check their output (only for data dirs you trust)')
    .option('--channel <n>', 'channel the features will use (checked to exist in every recording)', nonNegativeInt, 0)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      examples(
        'asr-distill validate-data data/digits/train',
        'asr-distill validate-data data/mine --no-check-audio',
        'asr-distill validate-data data/flac --check-pipes',
        'asr-distill validate-data data/stereo --channel 1 --json',
      ),
    )
    .action(
      action('validate-data', async (dir: string, o: { checkAudio: boolean; checkPipes?: boolean; channel: number; json?: boolean }) => {
        const data = await readDataDir(dir);
        const speakers = data.spk2utt.size;
        const withText = data.utterances.filter((u) => u.words !== undefined);
        const numWords = withText.reduce((n, u) => n + u.words!.length, 0);
        const vocabulary = new Set(withText.flatMap((u) => u.words!)).size;
        const hasSegments = data.utterances.some((u) => u.segment);
        let audio: AudioSummary | undefined;
        if (o.checkAudio) {
          const recordings = new Set(data.utterances.filter((u) => o.checkPipes || u.source.kind !== 'pipe').map((u) => u.recordingId)).size;
          const progress = createProgress({ label: `validate-data ${dir}: WAV headers`, total: recordings, unit: 'recordings' });
          audio = await checkDataDirAudio(data, { channel: o.channel, runPipes: o.checkPipes ?? false, onRecording: (done) => progress.update(done) });
          progress.stop();
          if (audio.problemCount > 0) {
            const more = audio.problemCount > audio.problems.length ? `\n  ... and ${audio.problemCount - audio.problems.length} more` : '';
            throw new InputError(
              `data dir ${dir}: ${audio.problemCount} audio problem${audio.problemCount === 1 ? '' : 's'}:\n  ${audio.problems.join('\n  ')}${more}`,
            );
          }
        }
        if (o.json) {
          process.stdout.write(
            JSON.stringify(
              {
                dir: data.dir,
                utterances: data.utterances.length,
                speakers,
                segments: hasSegments,
                transcripts: withText.length,
                words: numWords,
                vocabulary,
                ...(audio
                  ? {
                      recordings: audio.recordings,
                      pipesNotRun: audio.pipesNotRun,
                      hours: audio.totalSec / 3600,
                      seconds: audio.totalSec,
                      sampleRates: Object.fromEntries(audio.sampleRates),
                      channels: Object.fromEntries(audio.channelCounts),
                    }
                  : {}),
                warnings: data.warnings,
              },
              null,
              2,
            ) + '\n',
          );
          return;
        }
        const lines = [`validate-data: ${dir}: OK`, `  utterances   ${data.utterances.length}${hasSegments ? ' (from segments)' : ''}`, `  speakers     ${speakers}`];
        if (audio) {
          const checked = audio.recordings - audio.pipesNotRun;
          lines.push(
            `  audio        ${formatHours(audio.totalSec)} h (${audio.totalSec.toFixed(1)} s) in ${audio.pipesNotRun > 0 ? `${checked} of ` : ''}${audio.recordings} recording${audio.recordings === 1 ? '' : 's'}`,
          );
          if (audio.pipesNotRun > 0) {
            lines.push(
              `  not checked  ${audio.pipesNotRun} recording${audio.pipesNotRun === 1 ? '' : 's'} from wav.scp commands (not run; --check-pipes runs them)`,
            );
          }
          if (checked > 0) {
            lines.push(`  sample rate  ${counts(audio.sampleRates, (r) => `${r} Hz`)}`, `  channels     ${counts(audio.channelCounts, (c) => String(c))}`);
          }
        } else {
          lines.push('  audio        not checked (--no-check-audio)');
        }
        lines.push(withText.length > 0 ? `  transcripts  ${withText.length} (${numWords} words, vocabulary ${vocabulary})` : '  transcripts  none (no text file)');
        for (const w of data.warnings) lines.push(`warning: ${w}`);
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
