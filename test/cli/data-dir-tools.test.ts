import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { writeToolsFixture } from '../data/data-dir-fixture.js';

test('subset-data, split-data and combine-data print what they wrote; bad selections exit 1 with the reason', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-data-tools-'));
  const at = (...p: string[]) => path.join(root, ...p);
  try {
    const src = await writeToolsFixture(at('src'));
    const s = await runCli('subset-data', src, at('sub'), '--utts', '4', '--seed', '2');
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, new RegExp(`^subset-data: ${at('sub')}: 4 utterances, [23] speakers\\n$`));
    await fs.writeFile(at('spk.list'), 'a\nc\n');
    const l = await runCli('subset-data', src, at('ac'), '--speakers', `@${at('spk.list')}`);
    assert.equal(l.stdout, `subset-data: ${at('ac')}: 5 utterances, 2 speakers\n`);
    const c = await runCli('subset-data', src, at('c'), '--speakers', 'c');
    assert.equal(c.stdout, `subset-data: ${at('c')}: 3 utterances, 1 speaker\n`);

    const sp = await runCli('split-data', src, '2');
    assert.equal(sp.code, 0, sp.stderr);
    assert.equal(sp.stdout, `split-data: ${src}/split2/1: 3 utterances, 2 speakers\nsplit-data: ${src}/split2/2: 3 utterances, 1 speaker\n`);

    const cb = await runCli('combine-data', at('all'), path.join(src, 'split2', '2'), path.join(src, 'split2', '1'));
    assert.equal(cb.code, 0, cb.stderr);
    assert.equal(cb.stdout, `combine-data: ${at('all')}: 6 utterances, 3 speakers\n`);
    for (const f of ['segments', 'text', 'utt2spk', 'utt2dur', 'spk2gender']) {
      assert.equal(await fs.readFile(at('all', f), 'utf8'), await fs.readFile(path.join(src, f), 'utf8'), `${f}: split then combined = the original`);
    }

    const both = await runCli('subset-data', src, at('x'), '--utts', '2', '--fraction', '0.5');
    assert.equal(both.code, 1);
    assert.equal(both.stderr, 'asr-distill subset-data: give exactly one of --utts, --fraction, --speakers (got --utts, --fraction)\n');
    const many = await runCli('split-data', src, '5');
    assert.equal(many.stderr, `asr-distill split-data: ${src} has 3 speakers, fewer than the 5 parts asked for; split into at most 3\n`);
    const noList = await runCli('subset-data', src, at('y'), '--speakers', `@${at('missing.list')}`);
    assert.match(noList.stderr, /^asr-distill subset-data: --speakers @.*missing\.list: cannot read .*missing\.list: ENOENT/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
