// A small Kaldi data directory with every kind of per-id file the data-dir tools copy: segments
// (three recordings, one read through a command), text, utt2dur and spk2gender.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeWavPcm16 } from '../../src/data/wav.js';

/**
 * Speakers a (utterances a-1, a-2 on rec1), b (b-1 on rec2), c (c-1..c-3 on rec3, piped through
 * `cat`); every id prefixed with `prefix`.
 */
export async function writeToolsFixture(dir: string, prefix = ''): Promise<string> {
  const x = (id: string) => prefix + id;
  await fs.mkdir(path.join(dir, 'wav'), { recursive: true });
  for (const r of ['rec1', 'rec2', 'rec3']) await fs.writeFile(path.join(dir, 'wav', `${x(r)}.wav`), encodeWavPcm16(new Float32Array(16000 * 3), 16000));
  const utts: [string, string, string, string, string][] = [
    ['a-1', 'a', 'rec1', '0.0 1.0', 'ONE'],
    ['a-2', 'a', 'rec1', '1.0 2.5', 'TWO THREE'],
    ['b-1', 'b', 'rec2', '0.5 2.0', 'FOUR'],
    ['c-1', 'c', 'rec3', '0 1', 'FIVE'],
    ['c-2', 'c', 'rec3', '1 2', 'SIX'],
    ['c-3', 'c', 'rec3', '2 3', 'SEVEN EIGHT'],
  ];
  const files: Record<string, string[]> = {
    'wav.scp': [`${x('rec1')} wav/${x('rec1')}.wav`, `${x('rec2')} wav/${x('rec2')}.wav`, `${x('rec3')} cat wav/${x('rec3')}.wav |`],
    segments: utts.map(([u, , r, t]) => `${x(u)} ${x(r)} ${t}`),
    utt2spk: utts.map(([u, s]) => `${x(u)} ${x(s)}`),
    text: utts.map(([u, , , , w]) => `${x(u)} ${w}`),
    utt2dur: utts.map(([u, , , t]) => `${x(u)} ${(Number(t.split(' ')[1]) - Number(t.split(' ')[0])).toFixed(1)}`),
    spk2gender: [`${x('a')} f`, `${x('b')} m`, `${x('c')} f`],
  };
  for (const [name, lines] of Object.entries(files)) await fs.writeFile(path.join(dir, name), lines.join('\n') + '\n');
  return dir;
}
