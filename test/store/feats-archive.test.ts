import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import {
  decodeFeatsShard, encodeFeatsShard, readFeatsDir, readFeatsInfo, readFeatsShard, shardFileName, streamFeatsDir, streamFeatsIndex, streamFeatsOf, writeFeatsDir, writeFeatsInfo, writeFeatsShard,
  type UttFeats,
} from '../../src/store/feats-archive.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { configHash } from '../../src/store/checksum.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { isInputError } from '../../src/errors.js';

function utt(id: string, spk: string, numFrames: number, dim: number, seed: number): UttFeats {
  const rng = makeRng(seed);
  return { uttId: id, speakerId: spk, numFrames, dim, data: Float32Array.from({ length: numFrames * dim }, () => randNormal(rng)) };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'feats-'));

test('a shard round-trips through the Arrow IPC file format with the documented schema', async () => {
  const recs = [utt('a1', 'a', 3, 4, 1), utt('a2', 'a', 0, 4, 2), utt('b1', 'b', 5, 4, 3)];
  const bytes = encodeFeatsShard(recs);
  // Arrow IPC *file* format: starts and ends with the ARROW1 magic.
  assert.equal(Buffer.from(bytes.subarray(0, 6)).toString(), 'ARROW1');
  assert.equal(Buffer.from(bytes.subarray(bytes.length - 6)).toString(), 'ARROW1');
  const table = tableFromIPC(bytes);
  assert.deepEqual(table.schema.fields.map((f) => `${f.name}:${f.type}`), [
    'utt_id:Utf8', 'speaker_id:Utf8', 'num_frames:Int32', 'dim:Int32', 'feats:List<Float32>',
  ]);
  assert.deepEqual(decodeFeatsShard(bytes, 'x'), recs);
  const dir = tmp();
  const file = path.join(dir, shardFileName(2));
  assert.equal(path.basename(file), 'feats.2.arrow');
  await writeFeatsShard(file, recs);
  assert.deepEqual(await readFeatsShard(file), recs);
  assert.deepEqual(readdirSync(dir), ['feats.2.arrow']); // no temp file left behind
  assert.deepEqual(decodeFeatsShard(encodeFeatsShard([]), 'empty'), []);
});

test('writeFeatsShard writes the bytes of encodeFeatsShard, from separate arrays or from records back to back in one buffer', async () => {
  const recs = [utt('a1', 'a', 3, 4, 1), utt('a2', 'a', 0, 4, 2), utt('b1', 'b', 5, 4, 3)];
  const bytes = encodeFeatsShard(recs);
  // The same records as views of one buffer, with other values before and after them.
  const buffer = new Float32Array(2 + 32 + 3).fill(9);
  let o = 2;
  const views = recs.map((r) => {
    const data = buffer.subarray(o, o + r.data.length);
    data.set(r.data);
    o += r.data.length;
    return { ...r, data };
  });
  assert.deepEqual(Buffer.from(encodeFeatsShard(views)), Buffer.from(bytes));
  const dir = tmp();
  for (const [name, records] of [['separate', recs], ['views', views]] as const) {
    const file = path.join(dir, `${name}.arrow`);
    await writeFeatsShard(file, records);
    assert.deepEqual(readFileSync(file), Buffer.from(bytes), name);
  }
});

test('encodeFeatsShard refuses a record whose data does not match its shape', () => {
  assert.throws(() => encodeFeatsShard([{ uttId: 'u', speakerId: 's', numFrames: 2, dim: 3, data: new Float32Array(5) }]), {
    message: 'encodeFeatsShard: utterance u has 5 values, expected 2 x 3',
  });
});

test('writeFeatsDir / readFeatsDir keep every utterance, in order, with feats.json totals', async () => {
  const dir = tmp();
  const shards = [[utt('a1', 'a', 3, 2, 1), utt('a2', 'a', 4, 2, 2)], [utt('b1', 'b', 5, 2, 3)]];
  const info = await writeFeatsDir(dir, defaultFbankConfig(), 10, shards);
  assert.deepEqual(info, { config: defaultFbankConfig(), configHash: configHash(defaultFbankConfig()), dim: 2, numUtts: 3, numFrames: 12, frameShiftMs: 10, shards: ['feats.1.arrow', 'feats.2.arrow'] });
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'feats.json'), 'utf8')).configHash, configHash(defaultFbankConfig()));
  assert.deepEqual(await readFeatsInfo(dir), info);
  const { info: info2, utts } = await readFeatsDir(dir);
  assert.deepEqual(info2, info);
  assert.deepEqual([...utts.keys()], ['a1', 'a2', 'b1']);
  assert.deepEqual(utts.get('b1'), shards[1][0]);
});

test('readFeatsInfo / readFeatsDir report unfinished or inconsistent directories', async () => {
  const dir = tmp();
  await assert.rejects(readFeatsInfo(dir), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal((e as Error).message, `${path.join(dir, 'feats.json')} not found: ${dir} is not a finished feature directory; run \`asr-distill features DATA_DIR ${dir}\` first`);
    return true;
  });
  writeFileSync(path.join(dir, 'feats.json'), '{"dim": 2}');
  await assert.rejects(readFeatsInfo(dir), {
    message: `${path.join(dir, 'feats.json')}: missing or bad field(s) numUtts, numFrames, frameShiftMs, config, shards; re-run asr-distill features`,
  });
  const info = await writeFeatsDir(dir, defaultFbankConfig(), 10, [[utt('a1', 'a', 3, 2, 1)]]);
  await writeFeatsInfo(dir, { ...info, numUtts: 2 });
  await assert.rejects(readFeatsDir(dir), {
    message: `${path.join(dir, 'feats.json')}: says 2 utterances / 3 frames but the shards hold 1 / 3; re-run asr-distill features`,
  });
  await writeFeatsInfo(dir, { ...info, dim: 3 });
  await assert.rejects(readFeatsDir(dir), {
    message: `${path.join(dir, 'feats.1.arrow')}: utterance a1 has dim 2 but feats.json says 3; re-run asr-distill features`,
  });
  await writeFeatsInfo(dir, { ...info, shards: ['feats.1.arrow', 'feats.1.arrow'], numUtts: 2 });
  await assert.rejects(readFeatsDir(dir), {
    message: `${path.join(dir, 'feats.1.arrow')}: utterance a1 appears in more than one shard; re-run asr-distill features`,
  });
  await writeFeatsInfo(dir, { ...info, shards: ['feats.9.arrow'] });
  await assert.rejects(readFeatsDir(dir), {
    message: `${path.join(dir, 'feats.9.arrow')}: cannot read feature shard (ENOENT); re-run asr-distill features`,
  });
  // A truncated shard (what a non-atomic writer would leave) is refused, not half-read.
  const bytes = readFileSync(path.join(dir, 'feats.1.arrow'));
  writeFileSync(path.join(dir, 'feats.1.arrow'), bytes.subarray(0, bytes.length >> 1));
  await writeFeatsInfo(dir, info);
  await assert.rejects(readFeatsDir(dir), (e: unknown) => isInputError(e) && /feats\.1\.arrow: not a readable Arrow feature shard/.test((e as Error).message));
});

test('feats.json records the hash of its configuration; an archive without it gets it computed, an edited one is refused', async () => {
  const dir = tmp();
  const info = await writeFeatsDir(dir, defaultFbankConfig(), 10, [[utt('a1', 'a', 3, 2, 1)]]);
  assert.match(info.configHash, /^sha256:[0-9a-f]{64}$/);
  // Written before the hash existed: computed from the config when read.
  const { configHash: _h, ...old } = info;
  writeFileSync(path.join(dir, 'feats.json'), JSON.stringify(old));
  assert.equal((await readFeatsInfo(dir)).configHash, info.configHash);
  // The config edited by hand after extraction no longer matches the recorded hash.
  writeFileSync(path.join(dir, 'feats.json'), JSON.stringify({ ...info, config: { ...info.config, lowFreq: 300 } }));
  await assert.rejects(readFeatsInfo(dir), {
    name: 'InputError',
    message: `${path.join(dir, 'feats.json')}: "configHash" ${info.configHash} is not the hash of its "config" (${configHash({ ...info.config, lowFreq: 300 })}); the file was edited or damaged, re-run asr-distill features`,
  });
});

test('streamFeatsDir yields every utterance with its shard file, and checks the totals after the last', async () => {
  const dir = tmp();
  const recs = [utt('a1', 'a', 3, 2, 1), utt('a2', 'a', 4, 2, 2), utt('b1', 'b', 2, 2, 3)];
  const info = await writeFeatsDir(dir, defaultFbankConfig(), 10, [recs.slice(0, 2), recs.slice(2)]);
  const got: [string, string][] = [];
  for await (const { file, utt: u } of streamFeatsDir(info, dir)) got.push([path.basename(file), u.uttId]);
  assert.deepEqual(got, [['feats.1.arrow', 'a1'], ['feats.1.arrow', 'a2'], ['feats.2.arrow', 'b1']]);
  await assert.rejects(
    async () => {
      for await (const _ of streamFeatsDir({ ...info, numFrames: 10 }, dir)) void _;
    },
    { message: `${path.join(dir, 'feats.json')}: says 3 utterances / 10 frames but the shards hold 3 / 9; re-run asr-distill features` },
  );
});

test('streamFeatsIndex: where each utterance is and its size, without its features, with streamFeatsDir\'s checks', async () => {
  const dir = tmp();
  const recs = [utt('a1', 'a', 3, 2, 1), utt('a2', 'a', 4, 2, 2), utt('b1', 'b', 2, 2, 3)];
  const info = await writeFeatsDir(dir, defaultFbankConfig(), 10, [recs.slice(0, 2), recs.slice(2)]);
  const got = [];
  for await (const u of streamFeatsIndex(info, dir)) got.push({ ...u, file: path.basename(u.file) });
  assert.deepEqual(got, [
    { uttId: 'a1', speakerId: 'a', numFrames: 3, file: 'feats.1.arrow' },
    { uttId: 'a2', speakerId: 'a', numFrames: 4, file: 'feats.1.arrow' },
    { uttId: 'b1', speakerId: 'b', numFrames: 2, file: 'feats.2.arrow' },
  ]);
  const drain = async (i: typeof info): Promise<void> => {
    for await (const _ of streamFeatsIndex(i, dir)) void _;
  };
  await assert.rejects(drain({ ...info, numFrames: 10 }), { message: `${path.join(dir, 'feats.json')}: says 3 utterances / 10 frames but the shards hold 3 / 9; re-run asr-distill features` });
  await assert.rejects(drain({ ...info, dim: 3 }), { message: `${path.join(dir, 'feats.1.arrow')}: utterance a1 has dim 2 but feats.json says 3; re-run asr-distill features` });
});

test('streamFeatsOf reads only the wanted utterances from their shards, and names one that is gone', async () => {
  const dir = tmp();
  const recs = [utt('a1', 'a', 3, 2, 1), utt('a2', 'a', 4, 2, 2), utt('b1', 'b', 2, 2, 3)];
  await writeFeatsDir(dir, defaultFbankConfig(), 10, [recs.slice(0, 2), recs.slice(2)]);
  const shard = (j: number) => path.join(dir, shardFileName(j));
  const got: UttFeats[] = [];
  for await (const u of streamFeatsOf(new Map([['b1', shard(2)], ['a1', shard(1)]]))) got.push(u);
  assert.deepEqual(got, [recs[2], recs[0]]);
  await assert.rejects(
    async () => {
      for await (const _ of streamFeatsOf(new Map([['b1', shard(1)]]))) void _;
    },
    { message: `${shard(1)}: utterance b1 is not in this shard any more; the feature directory changed while it was read, run the command again` },
  );
});
