// Reading a feature configuration file (features/*.json); the types, defaults and validation are
// in config.ts, which imports no Node module so that the web page can bundle it.
import { readJsonFile } from '../store/json-file.js';
import { parseFeatureConfig, type FeatureConfig } from './config.js';

/** Read and validate a feature configuration file (features/fbank40.json ...). */
export async function loadFeatureConfig(file: string): Promise<FeatureConfig> {
  const value = await readJsonFile<unknown>(file, {
    missing: (code) => `${file}: cannot read feature config (${code}); pass --config with an existing file such as features/fbank40.json`,
  });
  return parseFeatureConfig(value, file);
}
