// One home for the benches' child runs (frame-stream, distill-stream, feats-memory, gmm-memory,
// kaldi-import-memory): each run is a process of its own so that its peak RSS (getrusage ru_maxrss:
// the process with its worker threads) is that run's alone; it prints one JSON line, which the
// parent reads back.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run$ = promisify(execFile);
const SRC = new URL('../src/', import.meta.url).href;

/** What every child run measures of itself. */
export interface ChildFigures {
  wallSec: number;
  cpuSec: number;
  peakRssMB: number;
}

/** One streaming child run's figures. */
export interface StreamJobResult extends ChildFigures {
  frames: number;
  epochFramesPerSec: number;
  framesPerCpuSec: number;
}

/** CPU seconds (user + system) of this process since `cpu0` (default: its start). */
function cpuSeconds(cpu0?: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1e6;
}

/** Child: this process's wall and CPU seconds since `t0` (performance.now()) and `cpu0` (default: its start), and its peak RSS so far. */
export function childFigures(t0: number, cpu0?: NodeJS.CpuUsage): ChildFigures {
  return {
    wallSec: +((performance.now() - t0) / 1000).toFixed(1),
    cpuSec: +cpuSeconds(cpu0).toFixed(1),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** Child: print the figures of a finished training run (`head` fields first), from `t0` / `cpu0` taken at its start. */
export function printStreamJobResult(r: { numFrames: number; history: { framesPerSec: number }[] }, t0: number, cpu0: NodeJS.CpuUsage, head: Record<string, unknown> = {}): void {
  const result: StreamJobResult = {
    frames: r.numFrames,
    ...childFigures(t0, cpu0),
    // The first training epoch (trainModel's own figure), and the whole run per CPU second
    // (load-independent; frames trained over all epochs).
    epochFramesPerSec: Math.round(r.history[0].framesPerSec),
    framesPerCpuSec: Math.round((r.numFrames * r.history.length) / cpuSeconds(cpu0)),
  };
  process.stdout.write(JSON.stringify({ ...head, ...result }) + '\n');
}

/** Parent: run `node --import tsx SCRIPT ARGS...` and return the JSON line it printed last. */
export async function runChild<T>(script: string, args: string[] = []): Promise<T> {
  const { stdout } = await run$(process.execPath, ['--import', 'tsx', script, ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/**
 * Parent: run `body` (ES module code in a block of its own, `src` the src/ URL; it sets
 * `globalThis.result`) as a script file in `dir` (a file, not `-e`: worker threads inherit the
 * flags); returns that result with the child's figures (CPU of the whole process, wall from the
 * body's start; fields of the same name in the result win: a body may time just its part).
 */
export async function runChildBody(dir: string, body: string): Promise<Record<string, unknown> & ChildFigures> {
  const file = path.join(dir, `child-${Math.random().toString(36).slice(2)}.mts`);
  await fs.writeFile(
    file,
    `import { childFigures } from ${JSON.stringify(import.meta.url)};\nconst src = ${JSON.stringify(SRC)};\nconst t0 = performance.now();\n{\n${body}\n}\n` +
      `console.log(JSON.stringify({ ...childFigures(t0), ...globalThis.result }));\n`,
  );
  return runChild(file);
}
