import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSpec, systemsBarSpec, trainingCurvesSpec } from '../../src/report/plots.js';

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
});
