import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';

/** One point of a training curve: held-out accuracy of `system` after `epoch`. */
export interface CurvePoint {
  system: string;
  epoch: number;
  devAccuracy: number;
}

/** One bar-chart row: a system's score on one metric (e.g. `test frame accuracy (%)`, `test WER (%)`). */
export interface SystemScore {
  system: string;
  metric: string;
  value: number;
}

function epochTicks(points: CurvePoint[]): number[] {
  const last = Math.max(1, ...points.map((p) => p.epoch));
  return Array.from({ length: last }, (_, i) => i + 1);
}

/** Vega-Lite spec: held-out frame accuracy per epoch, one line per model. */
export function trainingCurvesSpec(points: CurvePoint[], title = 'Held-out frame accuracy per epoch'): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 320,
    background: 'white',
    data: { values: points.map((p) => ({ ...p, devAccuracy: 100 * p.devAccuracy })) },
    mark: { type: 'line', point: true },
    encoding: {
      // Whole epochs only: tickMinStep alone still let vega place ticks at 1.5, 2.5, ...
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { values: epochTicks(points), format: 'd' } },
      y: { field: 'devAccuracy', type: 'quantitative', title: 'dev frame accuracy (%)', scale: { zero: false } },
      color: { field: 'system', type: 'nominal', title: 'model' },
    },
  };
}

/** Vega-Lite spec: one bar chart per metric, bars per system, values labelled. */
export function systemsBarSpec(rows: SystemScore[], title = 'Systems compared'): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    background: 'white',
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 240,
      height: 260,
      layer: [
        { mark: 'bar', encoding: { color: { field: 'system', type: 'nominal', legend: null } } },
        { mark: { type: 'text', dy: -6 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.2f' } } },
      ],
      encoding: {
        x: { field: 'system', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
        y: { field: 'value', type: 'quantitative', title: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Render a Vega-Lite spec headless: SVG through Vega's renderer, PNG through resvg (no browser). */
export async function renderSpec(spec: TopLevelSpec, scale = 2): Promise<{ svg: string; png: Uint8Array }> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return { svg, png: new Uint8Array(png) };
}
