import * as path from 'node:path';
import type { Command } from 'commander';
import { action, examples } from '../command.js';
import { InputError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { collectExperiment } from '../../report/collect.js';
import { computeTable1, renderTable1Markdown } from '../../report/table1.js';
import { renderSpec, systemsBarSpec, table1Bars, trainingCurvesSpec } from '../../report/plots.js';

export const order = 80;

function parseSettings(s: string | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const kv of (s ?? '').split(',').filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InputError(`--settings: expected key=value, got '${kv}'`);
    const v = kv.slice(i + 1);
    out[kv.slice(0, i)] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('report')
    .description("Write the paper's Table 1 for an experiment directory: RESULTS.md, results.json and plots (SVG + PNG); with feats/test, also per test speaker")
    .argument('<exp-dir>', 'experiment directory as the recipes lay it out (baseline/, ensemble/, student/, eval/, decode/; feats/test/ for the speakers)')
    .option('--settings <k=v,...>', 'settings to record in the report (size, temperature, seeds, ...)')
    .addHelpText('after', examples('asr-distill report exp/digits --settings size=default,temperature=2'))
    .action(
      action('report', async (exp: string, o: { settings?: string }) => {
        const settings = { ...parseSettings(o.settings), date: new Date().toISOString() };
        const { input, curves } = await collectExperiment(exp, settings);
        const table = computeTable1(input);
        await writeFileAtomic(path.join(exp, 'results.json'), JSON.stringify(table, null, 1) + '\n');
        await writeFileAtomic(path.join(exp, 'RESULTS.md'), renderTable1Markdown(table));
        for (const [name, spec] of [
          ['training-curves', trainingCurvesSpec(curves)],
          ['systems', systemsBarSpec(table1Bars(table))],
        ] as const) {
          const { svg, png } = await renderSpec(spec);
          await writeFileAtomic(path.join(exp, `${name}.svg`), svg);
          await writeFileAtomic(path.join(exp, `${name}.png`), png);
        }
        process.stdout.write(`wrote ${path.join(exp, 'RESULTS.md')}, results.json, training-curves.{svg,png}, systems.{svg,png}\n`);
      }),
    );
}
