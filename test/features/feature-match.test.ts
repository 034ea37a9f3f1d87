import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFeatureMatch, describeFeatureDifferences, diffFeatureConfigs } from '../../src/features/feature-match.js';
import { defaultFbankConfig } from '../../src/features/config.js';

const model = defaultFbankConfig();
// The case of issue 21: lowFreq 300 and no pre-emphasis, still 40 bins (frame accuracy 45.8% -> 26.3%).
const other = defaultFbankConfig({ lowFreq: 300, preemphasisCoefficient: 0 });

test('diffFeatureConfigs names each differing option with both values, type first, ditherSeed ignored', () => {
  assert.deepEqual(diffFeatureConfigs(model, other), [
    { key: 'lowFreq', expected: 20, actual: 300 },
    { key: 'preemphasisCoefficient', expected: 0.97, actual: 0 },
  ]);
  assert.deepEqual(diffFeatureConfigs(model, defaultFbankConfig({ ditherSeed: 5 })), []);
  assert.deepEqual(diffFeatureConfigs({ type: 'fbank', numMelBins: 40 }, { type: 'meyda', numMelBands: 40 }), [
    { key: 'type', expected: 'fbank', actual: 'meyda' },
    { key: 'numMelBands', expected: undefined, actual: 40 },
    { key: 'numMelBins', expected: 40, actual: undefined },
  ]);
  assert.equal(
    describeFeatureDifferences(diffFeatureConfigs({ type: 'fbank', numMelBins: 40 }, { type: 'fbank' }), 'model', 'features'),
    'numMelBins: model 40, features (absent)',
  );
});

test('features made with another configuration are refused, naming the differing options', () => {
  assert.throws(() => checkFeatureMatch({ role: 'model', source: 'exp/dnn', config: model }, { role: 'features', source: 'feats/test', config: other }), {
    name: 'InputError',
    message:
      'feats/test was made with another feature configuration than exp/dnn (lowFreq: model 20, features 300; preemphasisCoefficient: model 0.97, features 0). ' +
      'Extract the features with the model\'s configuration (asr-distill features --config, see feats.json "config"), or pass --allow-feature-mismatch if you know the difference does not matter',
  });
  // The same configuration (in another key order) passes.
  const reordered = Object.fromEntries(Object.entries(model).reverse());
  assert.deepEqual(checkFeatureMatch({ role: 'model', source: 'exp/dnn', config: model }, { role: 'features', source: 'feats/test', config: reordered }), []);
});

test('--allow-feature-mismatch turns the refusal into a warning', () => {
  const warnings: string[] = [];
  const diffs = checkFeatureMatch({ role: 'model', source: 'exp/dnn', config: model }, { role: 'features', source: 'feats/test', config: other }, { allowMismatch: true, warn: (m) => warnings.push(m) });
  assert.equal(diffs.length, 2);
  assert.deepEqual(warnings, [
    'feats/test was made with another feature configuration than exp/dnn (lowFreq: model 20, features 300; preemphasisCoefficient: model 0.97, features 0); going on because of --allow-feature-mismatch',
  ]);
});
