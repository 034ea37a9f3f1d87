import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseJsgf, readJsgf } from '../../src/decode/jsgf.js';
import { digitLoopGrammar, sentenceLogProb } from '../../src/decode/grammar.js';
import { buildDecodingGraph } from '../../src/decode/graph.js';
import { BeamSearch } from '../../src/decode/beam-search.js';
import { makeRng, oracleLogLikes, toyLang, toyTransitionModel } from './toy-model.js';

const close = (a: number, b: number) => assert.ok(a === b || Math.abs(a - b) < 1e-9, `${a} != ${b}`);
const H = '#JSGF V1.0;\ngrammar test;\n';

test("the lang dir's default '( digits )+' grammar scores every sentence like the digit loop", () => {
  const digits = 'eight | five | four | nine | oh | one | seven | six | three | two | zero';
  const g = parseJsgf(`${H}public <utt> = ( ${digits} )+ ;\n`, 'grammar.jsgf');
  const loop = digitLoopGrammar();
  for (const s of [['one'], ['oh', 'oh'], ['nine', 'eight', 'seven', 'six'], []]) close(sentenceLogProb(g, s), sentenceLogProb(loop, s));
});

test('weights, uniform shares, optional, *, rule references, NULL/VOID, comments, tags, quoted tokens', () => {
  const g = parseJsgf(
    `${H}// comment\n/* block\n comment */\npublic <s> = <greet> [ please ] <item>* ;\n<greet> = /3/ hello | /1/ "hi there" {tag};\n<item> = a | b | c | <NULL> | <VOID>;\n`,
    'g.jsgf',
  );
  close(sentenceLogProb(g, ['hello']), Math.log(3 / 4) + Math.log(0.5) + Math.log(0.25));
  close(sentenceLogProb(g, ['hi there', 'please', 'a']), Math.log(1 / 4) + Math.log(0.5) + Math.log(0.75) + Math.log(1 / 5) + Math.log(0.25));
  assert.equal(sentenceLogProb(g, ['please']), -Infinity);
  const u = parseJsgf(`${H}public <s> = x | y z | w;\n`, 'u.jsgf');
  close(sentenceLogProb(u, ['y', 'z']), Math.log(1 / 3));
  const r = parseJsgf(`${H}<a> = one;\npublic <b> = <a> two;\n`, 'r.jsgf');
  close(sentenceLogProb(r, ['one', 'two']), 0);
  const named = parseJsgf(`${H}public <a> = one;\npublic <b> = two;\n`, 'n.jsgf', { rule: 'b' });
  assert.deepEqual(named.words, ['two']);
});

test('JSGF errors name the file, line and problem', () => {
  const bad: [string, string][] = [
    ['grammar x;\npublic <s> = a;\n', "f.jsgf line 1: not a JSGF grammar (expected the header '#JSGF V1.0;')"],
    [`${H}public <s> = a | /2/ b;\n`, 'f.jsgf line 3: either all alternatives carry a /weight/ or none does (JSGF 1.0 sec. 4.7)'],
    [`${H}public <s> = a <t>;\n`, 'f.jsgf line 3: rule <t> is not defined'],
    [`${H}public <s> = a [ <s> ];\n`, 'f.jsgf line 3: rule <s> refers to itself (<s> -> <s>); recursive rules are not supported, use + or * instead'],
    [`${H}public <s> = a\n`, "f.jsgf line 3: expected ';' but the file ended"],
    [`${H}<s> = a;\n`, "f.jsgf: no public rule to decode with; mark the sentence rule 'public'"],
    [`${H}public <s> = ( a | );\n`, 'f.jsgf line 3: empty expansion (use <NULL> for an explicit empty alternative)'],
    [`${H}public <s> = <VOID>;\n`, 'f.jsgf: no final state; the grammar accepts no sentence'],
    [`${H}public <s> = a;\n<s> = b;\n`, 'f.jsgf line 4: rule <s> is defined twice'],
  ];
  for (const [text, message] of bad) assert.throws(() => parseJsgf(text, 'f.jsgf'), { name: 'InputError', message });
});

test('oracle decoding with a JSGF grammar returns exactly the reference', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jsgf-'));
  const file = path.join(dir, 'phone.jsgf');
  writeFileSync(file, `${H}public <s> = [ oh ] <d> <d> <d> ;\n<d> = zero | one | two | three | four | five | six | seven | eight | nine ;\n`);
  const g = await readJsgf(file);
  const lang = toyLang();
  const tm = toyTransitionModel(lang);
  const search = new BeamSearch(buildDecodingGraph(g, lang, tm));
  const rng = makeRng(5, 'jsgf');
  for (const words of [['oh', 'one', 'two', 'three'], ['nine', 'nine', 'four'], ['zero', 'seven', 'six']]) {
    const { logLikes, numFrames } = oracleLogLikes(rng, lang, tm, words);
    assert.deepEqual(search.decode(logLikes, numFrames, { acousticScale: 1 }).words, words);
  }
  await assert.rejects(readJsgf(path.join(dir, 'none.jsgf')), { name: 'InputError', message: `${path.join(dir, 'none.jsgf')}: grammar file not found` });
});
