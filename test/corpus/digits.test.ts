import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_DIGITS_CONFIG,
  DIGIT_WORDS,
  formatPhoneCtm,
  makeDigitsCorpus,
  planCorpus,
  renderUtterance,
  validateConfig,
  type DigitsCorpusConfig,
  type UttPlan,
} from '../../src/corpus/digits.js';
import { getEspeak } from '../../src/corpus/espeak.js';
import { meanPower } from '../../src/corpus/noise.js';
import { resample } from '../../src/data/resample.js';
import { decodeWav } from '../../src/data/wav.js';
import { readDataDir } from '../../src/data/data-dir.js';
import { readLangDir } from '../../src/lang/lang-dir.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tiny: DigitsCorpusConfig = { ...DEFAULT_DIGITS_CONFIG, utts: { train: 6, dev: 2, test: 2 }, speakers: { train: 3, dev: 1, test: 1 } };

test('planCorpus: seeded, 1-7 digit words, utterances spread over speakers, ids prefixed by speaker', () => {
  const plan = planCorpus({ ...DEFAULT_DIGITS_CONFIG, utts: { train: 200, dev: 20, test: 20 }, speakers: { train: 8, dev: 2, test: 2 } });
  assert.deepEqual(planCorpus({ ...plan.config }), plan);
  assert.equal(plan.utts.length, 240);
  const lengths = new Set(plan.utts.map((u) => u.words.length));
  assert.deepEqual([...lengths].sort(), [1, 2, 3, 4, 5, 6, 7]);
  for (const u of plan.utts) {
    assert.ok(u.uttId.startsWith(`${u.speakerId}-`));
    assert.ok(u.words.every((w) => (DIGIT_WORDS as readonly string[]).includes(w)));
    assert.ok(u.snrDb >= 5 && u.snrDb <= 25 && u.gainDb >= -10 && u.gainDb <= 0);
    assert.ok(u.leadingSilenceMs >= 100 && u.leadingSilenceMs <= 500);
    assert.ok(Number.isInteger(u.voice.rateWpm) && Number.isInteger(u.voice.pitch));
  }
  const perSpeaker = new Map<string, number>();
  for (const u of plan.utts.filter((x) => x.split === 'train')) perSpeaker.set(u.speakerId, (perSpeaker.get(u.speakerId) ?? 0) + 1);
  assert.deepEqual([...perSpeaker.values()], Array(8).fill(25));
  // An utterance's plan does not depend on the size of other splits.
  const other = planCorpus({ ...plan.config, utts: { ...plan.config.utts, test: 5 } });
  assert.deepEqual(other.utts.filter((u) => u.split === 'train'), plan.utts.filter((u) => u.split === 'train'));
  // Speakers jitter per utterance around their own voice.
  const spk = plan.speakers.find((s) => s.id === 'train01')!;
  for (const u of plan.utts.filter((x) => x.speakerId === 'train01')) {
    assert.ok(Math.abs(u.voice.rateWpm - spk.voice.rateWpm) <= 0.08 * spk.voice.rateWpm + 0.5);
    assert.equal(u.voice.variant, spk.voice.variant);
  }
});

test('validateConfig names the bad setting', () => {
  const bad = (patch: Partial<DigitsCorpusConfig>) => () => validateConfig({ ...DEFAULT_DIGITS_CONFIG, ...patch });
  assert.throws(bad({ utts: { train: 3, dev: 300, test: 300 } }), {
    message: 'train has 24 speakers but only 3 utterances; every speaker needs one',
  });
  assert.throws(bad({ snrDb: [20, 5] }), { message: 'bad --snr-db range 20:5 (need LO <= HI)' });
  assert.throws(bad({ leadingSilenceSec: [-1, 0] }), { message: 'bad leading silence range -1:0 (need LO <= HI, LO >= 0)' });
  assert.throws(bad({ noiseTypes: [] }), { message: "--noise must list some of white, pink, babble, got ''" });
  assert.throws(bad({ minWords: 3, maxWords: 2 }), { message: 'bad words-per-utterance range 3:2' });
});

test('resampling 22.05 -> 16 kHz passes the speech band and removes what would alias', () => {
  const tone = (hz: number) => Float32Array.from({ length: 22050 }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 22050));
  const gainDb = (hz: number) => {
    const y = resample(tone(hz), 22050, 16000);
    return 10 * Math.log10(meanPower(y, 800, y.length - 800) / 0.5);
  };
  assert.ok(Math.abs(gainDb(1000)) < 0.1, 'passband');
  assert.ok(Math.abs(gainDb(7000)) < 0.5, 'upper passband');
  // 10 kHz would fold to 6 kHz at 16 kHz without a proper anti-aliasing filter.
  assert.ok(gainDb(10000) < -60, `10 kHz leaks at ${gainDb(10000)} dB`);
});

function plan(patch: Partial<UttPlan> = {}): UttPlan {
  return {
    uttId: 'train01-0001', speakerId: 'train01', split: 'train', words: ['three', 'eight', 'four'],
    voice: { accent: 'en-us', variant: 'm3', rateWpm: 170, pitch: 45, pitchRange: 50 },
    leadingSilenceMs: 250, trailingSilenceMs: 300, snrDb: 200, noiseType: 'pink', gainDb: 0, noiseSeed: 'x', ...patch,
  };
}

test('renderUtterance: silences, SNR, gain and a contiguous phone segmentation matching the lexicon', async () => {
  const e = await getEspeak();
  const lang = await readLangDir(path.join(root, 'data/lang/digits'));
  const clean = renderUtterance(plan(), e, 16000);
  const syn = e.synthesize('three eight four', plan().voice);
  const speechLen = resample(syn.samples, 22050, 16000).length;
  assert.equal(clean.samples.length, 4000 + speechLen + 4800);
  assert.equal(clean.sampleRate, 16000);
  assert.ok(meanPower(clean.samples, 0, 4000) < 1e-12, 'leading silence is silent at 200 dB SNR');
  // Noise at 10 dB: the difference from the clean render has the planned power ratio.
  const noisy = renderUtterance(plan({ snrDb: 10 }), e, 16000);
  const diff = noisy.samples.map((x, i) => x - clean.samples[i]);
  const snr = 10 * Math.log10(meanPower(clean.samples, 4000, 4000 + speechLen) / meanPower(diff));
  assert.ok(Math.abs(snr - 10) < 0.01, `snr ${snr}`);
  const quiet = renderUtterance(plan({ gainDb: -6 }), e, 16000);
  assert.ok(Math.abs(meanPower(quiet.samples) / meanPower(clean.samples) - 10 ** -0.6) < 1e-6, '-6 dB gain');
  const loud = renderUtterance(plan({ gainDb: 40 }), e, 16000);
  assert.ok(Math.max(...loud.samples.map(Math.abs)) <= 0.98 + 1e-6, 'scaled down instead of clipping');
  // Segments tile [0, duration) and start with the leading silence.
  const segs = clean.segments;
  assert.equal(segs[0].phone, 'SIL');
  assert.ok(segs[0].endSec >= 0.25);
  assert.equal(segs[0].startSec, 0);
  for (let i = 1; i < segs.length; i++) assert.ok(Math.abs(segs[i].startSec - segs[i - 1].endSec) < 1e-9);
  assert.ok(Math.abs(segs.at(-1)!.endSec - Math.floor((clean.samples.length / 16000) * 1000) / 1000) < 1e-9);
  const phones = segs.map((s) => s.phone).filter((p) => p !== 'SIL').join(' ');
  const options = (w: string) => lang.lexicon.get(w)!.map((p) => p.join(' '));
  const ok = options('three').some((a) => options('eight').some((b) => options('four').some((c) => `${a} ${b} ${c}` === phones)));
  assert.ok(ok, `phones '${phones}' are a lexicon pronunciation of 'three eight four'`);
  assert.equal(formatPhoneCtm('u1', segs.slice(0, 2)), `u1 1 0.000 ${segs[0].endSec.toFixed(3)} SIL\nu1 1 ${segs[1].startSec.toFixed(3)} ${(segs[1].endSec - segs[1].startSec).toFixed(3)} ${segs[1].phone}\n`);
});

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, d.name);
    if (d.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

test('makeDigitsCorpus writes valid data dirs, WAVs and CTMs; same seed gives the same bytes with 1 or 2 jobs', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'digits-'));
  try {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const summary = await makeDigitsCorpus(a, tiny, { jobs: 2, quiet: true, chunkSize: 3 });
    await makeDigitsCorpus(b, tiny, { jobs: 1, quiet: true, chunkSize: 5 });
    assert.equal(summary.totalUtts, 10);
    assert.deepEqual(
      { utts: summary.splits.dev.utts, speakers: summary.splits.dev.speakers },
      { utts: 2, speakers: 1 },
    );
    const files = await listFiles(a);
    assert.deepEqual(files, await listFiles(b));
    assert.ok(files.includes('corpus.json') && files.includes('train/phones.ctm') && files.includes('train/phones.raw.ctm') && files.includes('test/wav/test01-0002.wav'));
    for (const f of files) assert.ok((await readFile(path.join(a, f))).equals(await readFile(path.join(b, f))), `${f} identical`);
    assert.equal(files.filter((f) => f.endsWith('.wav')).length, 10);

    const train = await readDataDir(path.join(a, 'train'));
    assert.equal(train.utterances.length, 6);
    assert.deepEqual([...train.spk2utt.keys()], ['train01', 'train02', 'train03']);
    const scp = await readFile(path.join(a, 'train/wav.scp'), 'utf8');
    assert.match(scp, /^train01-0001 wav\/train01-0001\.wav\n/, 'relative paths');
    const u = train.utterances[0];
    assert.equal(u.source.kind, 'file');
    const wav = decodeWav(new Uint8Array(await readFile(path.join(a, 'train/wav/train01-0001.wav'))), 'x');
    assert.equal(wav.sampleRate, 16000);
    assert.equal(wav.channels.length, 1);
    assert.deepEqual(u.words, (await readFile(path.join(a, 'train/text'), 'utf8')).split('\n')[0].split(' ').slice(1));
    // The CTM covers each utterance exactly, in the lexicon's phone set.
    const lang = await readLangDir(path.join(root, 'data/lang/digits'));
    const ctm = (await readFile(path.join(a, 'train/phones.ctm'), 'utf8')).trim().split('\n').map((l) => l.split(' '));
    const first = ctm.filter((f) => f[0] === 'train01-0001');
    assert.equal(first[0][2], '0.000');
    const end = first.reduce((t, f) => (assert.ok(Math.abs(Number(f[2]) - t) < 0.0015, 'contiguous'), Number(f[2]) + Number(f[3])), 0);
    assert.ok(Math.abs(end - wav.channels[0].length / 16000) < 0.002, `ctm ends at ${end}`);
    for (const f of ctm) assert.ok(lang.phoneIds.has(f[4]) && f[1] === '1', f.join(' '));
    assert.deepEqual([...new Set(ctm.map((f) => f[0]))], train.utterances.map((x) => x.uttId));
    // phones.raw.ctm: the same phones with eSpeak's raw event times; pre-pauses only ever move a start earlier.
    const raw = (await readFile(path.join(a, 'train/phones.raw.ctm'), 'utf8')).trim().split('\n').map((l) => l.split(' '));
    assert.deepEqual(raw.map((f) => `${f[0]} ${f[4]}`), ctm.map((f) => `${f[0]} ${f[4]}`));
    raw.forEach((f, i) => assert.ok(Number(ctm[i][2]) <= Number(f[2]) + 1e-9, `${f.join(' ')} vs ${ctm[i].join(' ')}`));
    assert.ok(raw.some((f, i) => Number(ctm[i][2]) < Number(f[2]) - 0.01), 'some stop closures moved');

    const meta = JSON.parse(await readFile(path.join(a, 'corpus.json'), 'utf8'));
    assert.equal(meta.speakers.length, 5);
    assert.deepEqual(meta.summary, summary);

    const c = path.join(dir, 'c');
    await makeDigitsCorpus(c, { ...tiny, seed: 2 }, { jobs: 1, quiet: true });
    assert.ok(!(await readFile(path.join(a, 'train/text'))).equals(await readFile(path.join(c, 'train/text'))), 'another seed, another corpus');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
