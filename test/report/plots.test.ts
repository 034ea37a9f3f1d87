import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSpec, seriesLineSpec, systemColor, systemsBarSpec, table1Bars, trainingCurvesSpec } from '../../src/report/plots.js';
import type { Table1 } from '../../src/report/table1.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

test('training curves render to SVG and PNG with one line per model', async () => {
  const spec = trainingCurvesSpec([
    { system: 'baseline', epoch: 1, devAccuracy: 0.5 },
    { system: 'baseline', epoch: 2, devAccuracy: 0.6 },
    { system: 'student', epoch: 1, devAccuracy: 0.55 },
  ]);
  const { svg, png } = await renderSpec(spec);
  assert.match(svg, /^<svg/);
  assert.match(svg, /baseline/);
  assert.match(svg, /student/);
  assert.match(svg, /dev frame accuracy/);
  assert.doesNotMatch(svg, />1\.5</, 'whole epochs only on the x axis');
  assert.deepEqual([...png.slice(0, 4)], PNG_MAGIC);
  assert.ok(png.length > 2000);
});

test('the system bar chart labels every bar with its value', async () => {
  const { svg } = await renderSpec(
    systemsBarSpec([
      { system: 'baseline', metric: 'test WER (%)', value: 3.5 },
      { system: 'ensemble', metric: 'test WER (%)', value: 2.25 },
    ]),
  );
  assert.match(svg, />3\.50</);
  assert.match(svg, />2\.25</);
  // Panels sorted by name, or in the rows' order when asked (paper.sh's 3%, 10%, 30%).
  const rows = ['3%', '10%'].map((metric) => ({ system: 'soft', metric, value: 1 }));
  const facet = (s: object) => (s as { facet: { column: { sort?: string[] } } }).facet.column;
  assert.equal(facet(systemsBarSpec(rows)).sort, undefined);
  assert.deepEqual(facet(systemsBarSpec(rows, 't', { panelsInOrder: true })).sort, ['3%', '10%']);
});

test('systemColor: one fixed colour per system, the same in the curves and the bars', async () => {
  assert.equal(systemColor('baseline'), systemColor('member 1 = baseline'));
  assert.equal(systemColor('ensemble (4 members)'), systemColor('ensemble (10 members)'));
  const named = ['baseline', 'ensemble (2 members)', 'distilled', "distilled (paper's setup)", 'member 2'].map(systemColor);
  assert.equal(new Set(named).size, named.length, 'the systems of Table 1 have distinct colours');
  assert.equal(systemColor('my system'), systemColor('my system'));
  // The colour is in the rendered SVG of both plots, whatever the other systems are.
  const curves = await renderSpec(trainingCurvesSpec([{ system: 'member 2', epoch: 1, devAccuracy: 0.5 }, { system: 'distilled', epoch: 1, devAccuracy: 0.4 }]));
  const bars = await renderSpec(systemsBarSpec([{ system: 'distilled', metric: 'm', value: 1 }]));
  for (const svg of [curves.svg, bars.svg]) assert.ok(svg.toLowerCase().includes(systemColor('distilled').toLowerCase()));
});

test('training curves mark where a phased model starts its next phase', async () => {
  const points = [
    { system: 'baseline', epoch: 1, devAccuracy: 0.5 },
    { system: 'distilled', epoch: 1, devAccuracy: 0.4, phase: 1 },
    { system: 'distilled', epoch: 2, devAccuracy: 0.45, phase: 1 },
    { system: 'distilled', epoch: 3, devAccuracy: 0.5, phase: 2, phaseLabel: 'clean frames' },
  ];
  const { svg } = await renderSpec(trainingCurvesSpec(points));
  assert.match(svg, /distilled: clean frames from here/);
  assert.doesNotMatch((await renderSpec(trainingCurvesSpec(points.slice(0, 3)))).svg, /from here/);
});

test('table1Bars: WER bars carry the 95% intervals of the report, drawn as error bars', async () => {
  const wer = (errors: number) => ({ errors, words: 100, ins: 0, del: 0, sub: errors, sentences: 10, sentenceErrors: 1, missing: 0 });
  const row = (system: string, acc: number, errors: number) => ({ system, params: 1, flopsPerFrame: 1, devFrameAccuracy: acc, testFrameAccuracy: acc, testWer: wer(errors) });
  const ci = (mean: number) => ({ mean, low: mean - 1, high: mean + 1 });
  const cmp = (b: number) => ({ numUtts: 10, numWords: 100, werA: 5, werB: b, a: ci(5), b: ci(b), delta: ci(b - 5), probBBetter: 0.5 });
  const table = { rows: [row('baseline', 0.8, 5), row('ensemble (2 members)', 0.85, 3), row('distilled', 0.83, 4)], werVsBaseline: { ensemble: cmp(3), student: cmp(4) } } as unknown as Table1;
  const bars = table1Bars(table);
  assert.deepEqual(
    bars.filter((b) => b.low !== undefined).map((b) => [b.system, b.value, b.low, b.high]),
    [['baseline', 5, 4, 6], ['ensemble (2 members)', 3, 2, 4], ['distilled', 4, 3, 5]],
  );
  assert.deepEqual(bars.filter((b) => b.metric.startsWith('test frame')).map((b) => b.value), [80, 85, 83]);
  assert.equal(table1Bars({ ...table, werVsBaseline: undefined }).filter((b) => b.low !== undefined).length, 0);
  const withBars = JSON.stringify(systemsBarSpec(bars));
  assert.match(withBars, /"errorbar"/);
  assert.doesNotMatch(JSON.stringify(systemsBarSpec(bars.map(({ low: _l, high: _h, ...b }) => b))), /"errorbar"/);
  const { svg } = await renderSpec(systemsBarSpec(bars));
  assert.match(svg, /95% interval/);
});

test('seriesLineSpec: one line per series, log x with ticks at the points, renders to SVG', async () => {
  const points = [1, 2, 20].flatMap((x) => [{ series: 'soft CE', x, y: x / 20 }, { series: 'logit matching', x, y: 0.5 }]);
  const spec = seriesLineSpec(points, { title: 'recovered', xTitle: 'T', yTitle: 'fraction', xLog: true }) as unknown as {
    encoding: { x: { scale: { type: string; domain: number[] }; axis: { values: number[] } }; color: { scale: { range: string[] } } };
  };
  assert.equal(spec.encoding.x.scale.type, 'log');
  assert.deepEqual(spec.encoding.x.scale.domain, [1, 20]);
  assert.equal(new Set(spec.encoding.color.scale.range).size, 2);
  assert.deepEqual(spec.encoding.x.axis.values, [1, 2, 20]);
  const { svg } = await renderSpec(seriesLineSpec(points, { title: 'recovered', xTitle: 'T', yTitle: 'fraction' }));
  assert.match(svg, /logit matching/);
  assert.match(svg, /soft CE/);
});
