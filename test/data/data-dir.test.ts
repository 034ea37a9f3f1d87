import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDataDir, writeDataDir } from '../../src/data/data-dir.js';
import { InputError } from '../../src/errors.js';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-datadir-'));
}

/** A data dir with the given files (name -> content) and empty WAV placeholders for `wavs`. */
async function makeDir(files: Record<string, string>, wavs: string[] = []): Promise<string> {
  const dir = await tmpDir();
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(dir, name), content);
  for (const w of wavs) {
    await fs.mkdir(path.dirname(path.join(dir, w)), { recursive: true });
    await fs.writeFile(path.join(dir, w), '');
  }
  return dir;
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

test('ids sorted with LC_ALL=C sort are accepted when they mix characters above U+FFFF with U+E000-U+FFFF', async () => {
  // UTF-8 byte order (what `sort` uses): U+E000 < U+FFFD < U+1F600; UTF-16 code units would put U+1F600 first.
  const ids = ['s-a', 's-\ue000', 's-\ufffd', 's-\u{1f600}'];
  const dir = await makeDir({
    'wav.scp': ids.map((u) => `${u} a.wav\n`).join(''),
    utt2spk: ids.map((u) => `${u} s\n`).join(''),
  });
  const d = await readDataDir(dir, { checkFiles: false });
  assert.deepEqual(d.utterances.map((u) => u.uttId), ids);
  await writeDataDir(dir, [...ids].reverse().map((u) => ({ uttId: u, speakerId: 's', wav: 'a.wav' })));
  assert.equal(await fs.readFile(path.join(dir, 'utt2spk'), 'utf8'), ids.map((u) => `${u} s\n`).join(''));
});

test('writeDataDir writes sorted Kaldi files that readDataDir reads back', async () => {
  const dir = await tmpDir();
  await fs.writeFile(path.join(dir, 'segments'), 'stale 1 0 1\n');
  await writeDataDir(dir, [
    { uttId: 'spk2-b', speakerId: 'spk2', wav: 'wav/spk2-b.wav', words: ['TWO', 'THREE'] },
    { uttId: 'spk1-a', speakerId: 'spk1', wav: 'wav/spk1-a.wav', words: ['ONE'] },
    { uttId: 'spk1-B', speakerId: 'spk1', wav: 'cat wav/spk1-a.wav |', words: ['OH'] },
  ]);
  assert.equal(await fs.readFile(path.join(dir, 'wav.scp'), 'utf8'), 'spk1-B cat wav/spk1-a.wav |\nspk1-a wav/spk1-a.wav\nspk2-b wav/spk2-b.wav\n');
  assert.equal(await fs.readFile(path.join(dir, 'text'), 'utf8'), 'spk1-B OH\nspk1-a ONE\nspk2-b TWO THREE\n');
  assert.equal(await fs.readFile(path.join(dir, 'utt2spk'), 'utf8'), 'spk1-B spk1\nspk1-a spk1\nspk2-b spk2\n');
  assert.equal(await fs.readFile(path.join(dir, 'spk2utt'), 'utf8'), 'spk1 spk1-B spk1-a\nspk2 spk2-b\n');
  await assert.rejects(fs.stat(path.join(dir, 'segments')), /ENOENT/);
  const d = await readDataDir(dir, { checkFiles: false });
  assert.equal(d.dir, dir);
  assert.deepEqual(d.utterances, [
    { uttId: 'spk1-B', speakerId: 'spk1', recordingId: 'spk1-B', source: { kind: 'pipe', command: 'cat wav/spk1-a.wav', cwd: dir }, words: ['OH'] },
    { uttId: 'spk1-a', speakerId: 'spk1', recordingId: 'spk1-a', source: { kind: 'file', path: path.join(dir, 'wav/spk1-a.wav') }, words: ['ONE'] },
    { uttId: 'spk2-b', speakerId: 'spk2', recordingId: 'spk2-b', source: { kind: 'file', path: path.join(dir, 'wav/spk2-b.wav') }, words: ['TWO', 'THREE'] },
  ]);
  assert.deepEqual(d.spk2utt, new Map([['spk1', ['spk1-B', 'spk1-a']], ['spk2', ['spk2-b']]]));
  assert.deepEqual(d.warnings, []);
});

test('writeDataDir without words writes no text and removes a stale one', async () => {
  const dir = await tmpDir();
  await fs.writeFile(path.join(dir, 'text'), 'old ONE\n');
  await writeDataDir(dir, [{ uttId: 'u1', speakerId: 's', wav: '/abs/u1.wav' }]);
  await assert.rejects(fs.stat(path.join(dir, 'text')), /ENOENT/);
  const d = await readDataDir(dir, { checkFiles: false });
  assert.equal(d.utterances[0]!.words, undefined);
  assert.deepEqual(d.utterances[0]!.source, { kind: 'file', path: '/abs/u1.wav' });
});

test('writeDataDir rejects entries Kaldi files cannot represent', async () => {
  const dir = await tmpDir();
  await rejectsWith(
    writeDataDir(dir, [{ uttId: 'a', speakerId: 's', wav: 'a.wav', words: ['X'] }, { uttId: 'b', speakerId: 's', wav: 'b.wav' }]),
    `writeDataDir ${dir}: 1 of 2 entries have words; give words for all or none`,
  );
  await rejectsWith(
    writeDataDir(dir, [{ uttId: 'a', speakerId: 's', wav: 'a.wav' }, { uttId: 'a', speakerId: 's', wav: 'b.wav' }]),
    `writeDataDir ${dir}: utterance 'a': duplicate utterance id`,
  );
  await rejectsWith(writeDataDir(dir, [{ uttId: 'a b', speakerId: 's', wav: 'a.wav' }]), `writeDataDir ${dir}: utterance 'a b': ids must be non-empty and contain no whitespace`);
  await rejectsWith(writeDataDir(dir, [{ uttId: 'a', speakerId: '', wav: 'a.wav' }]), `writeDataDir ${dir}: utterance 'a': bad speaker id '' (non-empty, no whitespace)`);
  await rejectsWith(writeDataDir(dir, [{ uttId: 'a', speakerId: 's', wav: 'my file.wav' }]), `writeDataDir ${dir}: utterance 'a': wav path 'my file.wav' contains whitespace (not representable in wav.scp)`);
  await rejectsWith(writeDataDir(dir, [{ uttId: 'a', speakerId: 's', wav: 'a.wav', words: [] }]), `writeDataDir ${dir}: utterance 'a': empty transcript`);
  await assert.rejects(fs.stat(path.join(dir, 'wav.scp')), /ENOENT/, 'nothing written on error');
});

test('relative paths resolve against the data dir, so a moved directory still works', async () => {
  const dir = await makeDir({ 'wav.scp': 'u1 audio/u1.wav\n', utt2spk: 'u1 s1\n' }, ['audio/u1.wav']);
  const moved = dir + '-moved';
  await fs.rename(dir, moved);
  const d = await readDataDir(moved);
  assert.deepEqual(d.utterances[0]!.source, { kind: 'file', path: path.join(moved, 'audio/u1.wav') });
});

test('segments: wav.scp is keyed by recording; end -1 and a channel field are kept', async () => {
  const dir = await makeDir(
    {
      'wav.scp': 'rec1 rec1.wav\nrec2 sox rec2.flac -t wav - |\n',
      segments: 'a-1 rec1 0.00 1.50\na-2 rec1 1.5 -1 1\nb-1 rec2 0.25 0.75\n',
      utt2spk: 'a-1 a\na-2 a\nb-1 b\n',
    },
    ['rec1.wav'],
  );
  const d = await readDataDir(dir);
  assert.deepEqual(
    d.utterances.map((u) => [u.uttId, u.recordingId, u.segment, u.source.kind]),
    [
      ['a-1', 'rec1', { startSec: 0, endSec: 1.5 }, 'file'],
      ['a-2', 'rec1', { startSec: 1.5, endSec: -1, channel: 1 }, 'file'],
      ['b-1', 'rec2', { startSec: 0.25, endSec: 0.75 }, 'pipe'],
    ],
  );
});

test('spk2utt is derived when absent; speaker order unlike utterance order is a warning', async () => {
  const dir = await makeDir({ 'wav.scp': 'u1 /x/1.wav\nu2 /x/2.wav\nu3 /x/3.wav\n', utt2spk: 'u1 zed\nu2 amy\nu3 zed\n' });
  const d = await readDataDir(dir, { checkFiles: false });
  assert.deepEqual(d.spk2utt, new Map([['zed', ['u1', 'u3']], ['amy', ['u2']]]));
  assert.deepEqual(d.warnings, ['utt2spk: utterance order differs from speaker order; Kaldi tools need speaker ids to be prefixes of utterance ids']);
});

test('a missing directory or required file is an InputError', async () => {
  await rejectsWith(readDataDir('/nonexistent/data/train'), 'data dir /nonexistent/data/train: not found');
  const dir = await makeDir({ text: 'u1 A\n' });
  await rejectsWith(
    readDataDir(dir),
    `data dir ${dir}: missing wav.scp and utt2spk; a data dir needs wav.scp and utt2spk (text, spk2utt and segments are optional)`,
  );
});

test('every problem is reported at once, each naming file, line and id', async () => {
  const dir = await makeDir(
    {
      'wav.scp': 'u1 a.wav\nu3 c.wav\nu2 b.wav\nu9 z.wav\nu4 my file.wav\nu5 |\n',
      utt2spk: 'u1 s1\nu2 s1\nu2 s2\nu3 s1 extra\nu4 s2\nu5 s2\nu6 s2\n',
      text: 'u1 ONE\nu2\nu4 FOUR\nu5 FIVE\nu6 SIX\nu7 SEVEN\n\n',
      spk2utt: 's1 u1 u2 u4\ns2 u5 u6 u8\n',
    },
    ['a.wav', 'b.wav'],
  );
  const problems = [
    'utt2spk line 3 (utt u2): duplicate id (also on line 2); each utt must appear once',
    "utt2spk line 4 (utt u3): expected 'utt speaker', got 3 fields",
    "wav.scp line 3 (utt u2): not sorted: 'u2' comes after 'u3' (line 2) (2 lines out of order in all); sort it with: LC_ALL=C sort -o wav.scp wav.scp",
    "wav.scp line 5 (utt u4): expected a file path or a command ending in '|', got 'my file.wav' (paths with spaces and Kaldi ark offsets are not supported)",
    "wav.scp line 6 (utt u5): empty command before '|'",
    `wav.scp line 2 (utt u3): file not found: c.wav (resolved against the data dir: ${dir}/c.wav)`,
    `wav.scp line 4 (utt u9): file not found: z.wav (resolved against the data dir: ${dir}/z.wav)`,
    'utt2spk line 7 (utt u6): no audio: the utterance is not in wav.scp',
    'wav.scp line 4 (utt u9): no speaker: the utterance is not in utt2spk',
    'text line 7: empty line; remove it',
    'text line 2 (utt u2): empty transcript; give the words or remove the utterance',
    'text line 6 (utt u7): unknown utterance (not in utt2spk)',
    "spk2utt line 1 (speaker s1): utterance 'u4' belongs to speaker 's2' in utt2spk (line 5)",
    "spk2utt line 2 (speaker s2): utterance 'u8' is not in utt2spk",
  ];
  const fix = "Fix the files (Kaldi's utils/fix_data_dir.sh sorts them and drops utterances missing from any of them).";
  await rejectsWith(readDataDir(dir), `data dir ${dir}: 14 problems:\n${problems.map((l) => '  ' + l).join('\n')}\n${fix}`);
  await rejectsWith(
    readDataDir(dir, { maxProblems: 2 }),
    `data dir ${dir}: 14 problems:\n  ${problems[0]}\n  ${problems[1]}\n  ... and 12 more\n${fix}`,
  );
});

test('bad segments, transcripts missing for utterances, spk2utt missing utterances, CR line endings', async () => {
  const dir = await makeDir({
    'wav.scp': 'r1 /x/r1.wav\n',
    segments: 's1 r1 2.0 1.0\ns2 r1 abc 3\ns3 r2 0 1\ns4 r1 0 1 -1\ns5 r1 0\ns6 r1 0 0\n',
    utt2spk: 's1 a\ns2 a\ns3 a\ns4 a\ns5 a\ns6 a\ns7 a\n',
    text: 's1 X\r\ns2 Y\n',
    spk2utt: 'a s1 s2 s3 s4 s5 s6\n',
  });
  const fix = "Fix the files (Kaldi's utils/fix_data_dir.sh sorts them and drops utterances missing from any of them).";
  const problems = [
    'segments line 1 (utt s1): start 2.0 >= end 1.0; the segment is empty',
    "segments line 2 (utt s2): bad start time 'abc' (expected seconds >= 0)",
    "segments line 3 (utt s3): recording 'r2' is not in wav.scp",
    "segments line 4 (utt s4): bad channel '-1' (expected an integer >= 0)",
    "segments line 5 (utt s5): expected 'utt recording start end [channel]', got 3 fields",
    "segments line 6 (utt s6): bad end time '0' (expected seconds > 0, or -1 for the end of the recording)",
    'utt2spk line 7 (utt s7): no audio: the utterance is not in segments',
    'text line 1: Windows line ending (CR); convert the file with dos2unix',
    ...[3, 4, 5, 6, 7].map((i) => `utt2spk line ${i} (utt s${i}): no transcript: the utterance is not in text`),
    "utt2spk line 7 (utt s7): not listed in spk2utt under speaker 'a'; regenerate spk2utt (Kaldi: utils/utt2spk_to_spk2utt.pl utt2spk > spk2utt) or delete it to derive it",
  ];
  await rejectsWith(readDataDir(dir, { checkFiles: false }), `data dir ${dir}: 14 problems:\n${problems.map((l) => '  ' + l).join('\n')}\n${fix}`);
});

test('a UTF-8 byte order mark at the start of a data-dir file gets its own message, not "starts with whitespace"', async () => {
  const dir = await makeDir({ 'wav.scp': '\ufeffu1 a.wav\nu2 b.wav\n', utt2spk: 'u1 s\nu2 s\n', text: '\ufeffu1 ONE\nu2 TWO\n' });
  await rejectsWith(
    readDataDir(dir, { checkFiles: false }),
    `data dir ${dir}: 2 problems:\n` +
      "  wav.scp: starts with a UTF-8 byte order mark (BOM, bytes EF BB BF); Kaldi files have none: remove it, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' wav.scp\n" +
      "  text: starts with a UTF-8 byte order mark (BOM, bytes EF BB BF); Kaldi files have none: remove it, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' text\n" +
      "Fix the files (Kaldi's utils/fix_data_dir.sh sorts them and drops utterances missing from any of them).",
  );
});

test('a binary file in a data dir is refused as not text instead of listing garbage lines', async () => {
  const dir = await makeDir({ 'wav.scp': 'u1 a.wav\n', utt2spk: 'u1 s\n' });
  await fs.writeFile(path.join(dir, 'text'), Buffer.from([0x75, 0x31, 0x20, 0xc3, 0x28, 0x0a]));
  await rejectsWith(
    readDataDir(dir, { checkFiles: false }),
    `${path.join(dir, 'text')}: not UTF-8 text (byte 3 is 0xc3): binary data, or another encoding (convert it, e.g. iconv -f latin1 -t utf-8); expected a Kaldi data-dir file ('id value ...' per line)`,
  );
});
