import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { werPercent, type Table1 } from './table1.js';

/** One point of a training curve: held-out accuracy of `system` after `epoch`. */
export interface CurvePoint {
  system: string;
  epoch: number;
  devAccuracy: number;
  /** For a model trained in phases (`distill --init-from`): 1, 2, ... (collect.ts phasedTrainingCurve). */
  phase?: number;
  /** What the phase trained on (e.g. `clean frames`), shown where it starts. */
  phaseLabel?: string;
}

/** One bar-chart row: a system's score on one metric (e.g. `test frame accuracy (%)`, `test WER (%)`). */
export interface SystemScore {
  system: string;
  metric: string;
  value: number;
  /** 95% interval of the value, when the report has one (drawn as an error bar). */
  low?: number;
  high?: number;
}

// Colour-blind-safe Okabe-Ito colours for the systems of Table 1, greys for the ensemble members.
const SYSTEM_COLORS: [RegExp, string][] = [
  [/= baseline$|^baseline/, '#0072B2'],
  [/^ensemble/, '#E69F00'],
  [/^distilled \(paper/, '#CC79A7'],
  [/^distilled/, '#009E73'],
];
const MEMBER_GREYS = ['#555555', '#777777', '#999999', '#bbbbbb'];
const OTHER_COLORS = ['#D55E00', '#56B4E9', '#F0E442', '#000000'];

/**
 * The colour of a system in every plot of a report: fixed by its name (baseline blue, ensemble
 * orange, distilled green, the paper-setup student pink, members grey), so that one system never
 * changes colour between plots. Other names get a colour from a hash of the name.
 */
export function systemColor(system: string): string {
  for (const [re, color] of SYSTEM_COLORS) if (re.test(system)) return color;
  const member = /^member (\d+)/.exec(system);
  if (member) return MEMBER_GREYS[(Number(member[1]) - 1) % MEMBER_GREYS.length];
  let h = 0;
  for (const c of system) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return OTHER_COLORS[h % OTHER_COLORS.length];
}

/** A Vega-Lite colour channel mapping each system to systemColor (in order of first appearance). */
function colorEncoding(systems: string[], title: string | null, legend = true) {
  const domain = [...new Set(systems)];
  return { field: 'system', type: 'nominal' as const, title, scale: { domain, range: domain.map(systemColor) }, ...(legend ? {} : { legend: null }) };
}

/** Where each phased model's next phase starts: half an epoch before its first point. */
function phaseStarts(points: CurvePoint[]): { system: string; epoch: number; label: string }[] {
  const out: { system: string; epoch: number; label: string }[] = [];
  const prev = new Map<string, CurvePoint>();
  for (const p of points) {
    const q = prev.get(p.system);
    if (q && p.phase !== undefined && q.phase !== undefined && p.phase !== q.phase) {
      out.push({ system: p.system, epoch: (q.epoch + p.epoch) / 2, label: `${p.system}: ${p.phaseLabel ?? `phase ${p.phase}`} from here` });
    }
    prev.set(p.system, p);
  }
  return out;
}

function epochTicks(points: CurvePoint[]): number[] {
  const last = Math.max(1, ...points.map((p) => p.epoch));
  return Array.from({ length: last }, (_, i) => i + 1);
}

/**
 * Vega-Lite spec: held-out frame accuracy per epoch, one line per model in its systemColor, and a
 * dashed rule where a phased model (the recipe's student: noisy transfer frames, then clean) starts
 * its next phase.
 */
export function trainingCurvesSpec(points: CurvePoint[], title = 'Held-out frame accuracy per epoch'): TopLevelSpec {
  const starts = phaseStarts(points);
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { values: epochTicks(points), format: 'd' } };
  const color = colorEncoding(points.map((p) => p.system), 'model');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 320,
    background: 'white',
    layer: [
      {
        data: { values: points.map((p) => ({ system: p.system, epoch: p.epoch, devAccuracy: 100 * p.devAccuracy })) },
        mark: { type: 'line', point: true },
        encoding: {
          // Whole epochs only: tickMinStep alone still let vega place ticks at 1.5, 2.5, ...
          x,
          y: { field: 'devAccuracy', type: 'quantitative', title: 'dev frame accuracy (%)', scale: { zero: false } },
          color,
        },
      },
      ...(starts.length
        ? [
            {
              data: { values: starts },
              layer: [
                { mark: { type: 'rule' as const, strokeDash: [6, 4] }, encoding: { x, color } },
                { mark: { type: 'text' as const, align: 'right' as const, baseline: 'top' as const, angle: 270, dx: -4, dy: 4, fontSize: 10 }, encoding: { x, y: { value: 0 }, text: { field: 'label' }, color } },
              ],
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/**
 * Vega-Lite spec: one bar chart per metric, bars per system in its systemColor, values labelled,
 * and an error bar where a row has its 95% interval (low, high). Panels in the metrics' order
 * (sorted by name unless `o.panelsInOrder`: then as the rows first name them, e.g. 3%, 10%, 30%).
 */
export function systemsBarSpec(rows: SystemScore[], title = 'Systems compared', o: { panelsInOrder?: boolean } = {}): TopLevelSpec {
  const hasInterval = (r: SystemScore) => r.low !== undefined && r.high !== undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    background: 'white',
    // The label sits above the error bar when there is one.
    data: { values: rows.map((r) => ({ ...r, labelAt: hasInterval(r) ? Math.max(r.value, r.high as number) : r.value })) },
    facet: { column: { field: 'metric', type: 'nominal', title: null, ...(o.panelsInOrder ? { sort: [...new Set(rows.map((r) => r.metric))] } : {}) } },
    spec: {
      width: 240,
      height: 260,
      layer: [
        { mark: 'bar', encoding: { y: { field: 'value', type: 'quantitative', title: null }, color: colorEncoding(rows.map((r) => r.system), null, false) } },
        ...(rows.some(hasInterval)
          ? [
              {
                transform: [{ filter: 'isValid(datum.low) && isValid(datum.high)' }],
                mark: { type: 'errorbar' as const, ticks: true, color: 'black' },
                encoding: { y: { field: 'low', type: 'quantitative' as const, title: null }, y2: { field: 'high' } },
              },
            ]
          : []),
        { mark: { type: 'text', dy: -6 }, encoding: { y: { field: 'labelAt', type: 'quantitative', title: null }, text: { field: 'value', type: 'quantitative', format: '.2f' } } },
      ],
      encoding: {
        x: { field: 'system', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/**
 * The bars of Table 1: every system's test frame accuracy and test WER (%), the WERs with their 95%
 * bootstrap intervals when the report has them (werVsBaseline: baseline, ensemble, distilled).
 */
export function table1Bars(t: Table1): SystemScore[] {
  const c = t.werVsBaseline;
  // rows are baseline, ensemble, distilled[, paper-setup student] (table1.ts computeTable1).
  const intervals = c ? [c.ensemble.a, c.ensemble.b, c.student.b] : [];
  return t.rows.flatMap((r, i) => {
    const wer = werPercent(r.testWer);
    const ci = intervals[i];
    return [
      { system: r.system, metric: 'test frame accuracy (%)', value: 100 * r.testFrameAccuracy },
      ...(wer === undefined ? [] : [{ system: r.system, metric: c ? 'test WER (%), 95% interval' : 'test WER (%)', value: wer, ...(ci ? { low: ci.low, high: ci.high } : {}) }]),
    ];
  });
}

/** One point of a line chart of several series (e.g. recovered fraction against T, one series per loss). */
export interface SeriesPoint {
  series: string;
  x: number;
  y: number;
}

// Series of a line chart are not systems: distinct Okabe-Ito colours in order of first appearance
// (systemColor's hash may give two series one colour).
const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/**
 * Vega-Lite spec: one line with points per series (distinct colours), x on a log scale when asked
 * (temperatures 1 .. 20: the paper's points spread evenly), the x axis from the first point to the
 * last with ticks at the points' values.
 */
export function seriesLineSpec(points: SeriesPoint[], o: { title: string; xTitle: string; yTitle: string; xLog?: boolean }): TopLevelSpec {
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const series = [...new Set(points.map((p) => p.series))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    width: 420,
    height: 300,
    background: 'white',
    data: { values: points.map((p) => ({ system: p.series, x: p.x, y: p.y })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle, scale: { ...(o.xLog ? { type: 'log' } : {}), domain: [xs[0], xs[xs.length - 1]], nice: false }, axis: { values: xs } },
      y: { field: 'y', type: 'quantitative', title: o.yTitle },
      // Series names are descriptions ("logit matching (no T)"): room for them in the legend.
      color: { field: 'system', type: 'nominal', title: null, scale: { domain: series, range: series.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]) }, legend: { labelLimit: 320 } },
    },
  } as TopLevelSpec;
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
