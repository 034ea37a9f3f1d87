// The child-process side of the streaming benches (frame-stream, distill-stream): each run is a
// process of its own so that its peak RSS (getrusage ru_maxrss) is that run's alone; it prints one
// JSON line, which the parent reads back.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run$ = promisify(execFile);

/** One child run's figures. */
export interface StreamJobResult {
  frames: number;
  wallSec: number;
  cpuSec: number;
  epochFramesPerSec: number;
  framesPerCpuSec: number;
  peakRssMB: number;
}

/** Child: print this process's figures for a finished run (`head` fields first), from `t0` / `cpu0` taken at its start. */
export function printStreamJobResult(r: { numFrames: number; history: { framesPerSec: number }[] }, t0: number, cpu0: NodeJS.CpuUsage, head: Record<string, unknown> = {}): void {
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const result: StreamJobResult = {
    frames: r.numFrames,
    wallSec: +((performance.now() - t0) / 1000).toFixed(1),
    cpuSec: +cpuSec.toFixed(1),
    // The first training epoch (trainModel's own figure), and the whole run per CPU second
    // (load-independent; frames trained over all epochs).
    epochFramesPerSec: Math.round(r.history[0].framesPerSec),
    framesPerCpuSec: Math.round((r.numFrames * r.history.length) / cpuSec),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify({ ...head, ...result }) + '\n');
}

/** Parent: run `node --import tsx SCRIPT ARGS...` and return the JSON line it printed last. */
export async function runStreamJob(script: string, args: string[]): Promise<StreamJobResult> {
  const { stdout } = await run$(process.execPath, ['--import', 'tsx', script, ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as StreamJobResult;
}
