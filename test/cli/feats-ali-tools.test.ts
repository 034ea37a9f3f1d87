// split-feats, combine-feats, split-ali, combine-ali from the command line: what they print, where
// they write, and the exit codes of refused inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { writeToolsFixture } from '../data/data-dir-fixture.js';
import { makeLang } from '../hmm/helpers.js';
import { walk } from '../hmm/ali-fixture.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { readFeatsDir, writeFeatsDir } from '../../src/store/feats-archive.js';
import { readOutputMarker, withOutputDir } from '../../src/store/output-dir.js';
import { writeAlignments } from '../../src/hmm/ali-archive.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';

test('split-feats / combine-feats and split-ali / combine-ali round-trip a feature and an alignment directory', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-feats-ali-'));
  const at = (...p: string[]) => path.join(root, ...p);
  try {
    const data = await writeToolsFixture(at('data'));
    const ids = ['a-1', 'a-2', 'b-1', 'c-1', 'c-2', 'c-3'];
    const utts = ids.map((uttId, i) => ({ uttId, speakerId: uttId[0]!, numFrames: 3 + i, dim: 2, data: Float32Array.from({ length: 2 * (3 + i) }, (_, k) => i + k / 10) }));
    const feats = at('feats');
    await withOutputDir(feats, { command: 'features' }, (work) => writeFeatsDir(work, defaultFbankConfig(), 10, [utts]));

    const missing = await runCli('split-feats', at('nothing'), '2');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nothing\/feats\.json not found: .* is not a finished feature directory/);
    assert.equal(await fs.stat(at('nothing')).catch(() => undefined), undefined, 'nothing created');
    const sf = await runCli('split-feats', feats, '2', '--data', data);
    assert.equal(sf.code, 0, sf.stderr);
    assert.equal(sf.stdout, `split-feats: ${feats}/split2/1: 3 utterances, 12 frames\nsplit-feats: ${feats}/split2/2: 3 utterances, 21 frames\n`);
    // Recorded as derived from the features: a rerun of `features` drops the stale split.
    assert.equal((await readOutputMarker(feats))!.derived.split2, 'split-feats');
    const cf = await runCli('combine-feats', at('feats-all'), `${feats}/split2/1`, `${feats}/split2/2`);
    assert.equal(cf.stdout, `combine-feats: ${at('feats-all')}: 6 utterances, 33 frames in 2 shards\n`);
    assert.deepEqual([...(await readFeatsDir(at('feats-all'))).utts.values()], utts);
    // A rerun of `features` drops the split, which may no longer match.
    await withOutputDir(feats, { command: 'features' }, (work) => writeFeatsDir(work, defaultFbankConfig(), 10, [utts.slice(1)]));
    assert.equal(await fs.stat(path.join(feats, 'split2')).catch(() => undefined), undefined);
    await withOutputDir(feats, { command: 'features' }, (work) => writeFeatsDir(work, defaultFbankConfig(), 10, [utts]));
    const dup = await runCli('combine-feats', at('feats-dup'), feats, at('feats-all'));
    assert.equal(dup.code, 1);
    assert.equal(dup.stderr, `asr-distill combine-feats: utterance a-1 is in both ${feats} and ${at('feats-all')}; combine feature directories of disjoint utterances (the parts of split-data or split-feats)\n`);

    const lang = await makeLang(root);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const ali = at('ali');
    await writeAlignments(ali, ids.map((u, i) => walk(tm, u, lang.phoneIds.get('UW')!, 4 + i)), { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed: [] }, tm, lang);
    const noData = await runCli('split-ali', ali, '3');
    assert.equal(noData.code, 2);
    assert.match(noData.stderr, /required option '--data <dir>' not specified/);
    const sa = await runCli('split-ali', ali, '3', '--data', data);
    assert.equal(sa.code, 0, sa.stderr);
    assert.equal(sa.stdout, [`${ali}/split3/1: 2 utterances, 9 frames`, `${ali}/split3/2: 1 utterance, 6 frames`, `${ali}/split3/3: 3 utterances, 24 frames`].map((l) => `split-ali: ${l}\n`).join(''));
    const ca = await runCli('combine-ali', at('ali-all'), ...[1, 2, 3].map((p) => `${ali}/split3/${p}`));
    assert.equal(ca.stdout, `combine-ali: ${at('ali-all')}: 6 utterances, 39 frames\n`);
    assert.deepEqual(await fs.readFile(at('ali-all', 'ali.arrow')), await fs.readFile(at('ali', 'ali.arrow')));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
