// The program a Slurm job runs (`node job-entry.js SPEC.json`, see slurm.ts): load the job's spec
// and input, run the job function as a local worker would (worker.ts runJob), append its progress
// reports to the progress file, and write the result file atomically. Exit status 0 when the job
// function succeeded, 1 when it threw (the error is in the result file and the log), 2 when the
// spec itself could not be read.
import { appendFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import { deserialize, internalize, loadBlobs, readFileRanges, readWholeFile, serialize, sharedWrites, writeFileReplacing, type JobResultFile, type JobSpecFile } from './job-files.js';
import { runJob } from './worker.js';
import { readJsonFile } from '../store/json-file.js';

/** Progress reports, appended to the progress file at most every `everyMs` (and at the end). */
function progressWriter(file: string, everyMs = 250): { report: (msg: unknown) => void; flush: () => void } {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(file, pending.join(''));
    pending = [];
  };
  const timer = setInterval(flush, everyMs);
  timer.unref();
  return { report: (msg) => pending.push(JSON.stringify(msg) + '\n'), flush };
}

async function main(specFile: string): Promise<number> {
  const t0 = performance.now();
  const spec = await readJsonFile<JobSpecFile>(specFile, { missing: `${specFile}: cannot read this job's spec (written by the Slurm runner)` });
  process.stdout.write(`# ${spec.name}: ${spec.fn} of ${spec.module} on ${os.hostname()}, pid ${process.pid}, ${new Date().toISOString()}\n`);
  const { buffers, before } = await loadBlobs(spec.blobs);
  const input = internalize(deserialize(await readWholeFile(spec.input, 'job input')), buffers);
  const progress = progressWriter(spec.progress);
  const inPlace = [...new Set((spec.writesInPlace ?? []).map((r) => r.file))];
  const inodes = inPlace.map((f) => statSync(f).ino);
  let result = await runJob({ module: spec.module, fn: spec.fn, input }, progress.report);
  progress.flush();
  // A rerun of the command may have made its scratch files afresh while this job ran (after a
  // kill -9 its jobs run on): the job's writes then went to the old file, and the new one's bytes
  // are not its result. Fail rather than report them; the next rerun submits the job again.
  const replaced = inPlace.find((f, i) => statSync(f, { throwIfNoEntry: false })?.ino !== inodes[i]);
  if (result.ok && replaced) result = { ok: false, error: { name: 'Error', message: `${replaced} was replaced while job ${spec.name} ran (the command was rerun meanwhile?); run the command again` } };
  const out: JobResultFile = { hash: spec.hash, result, writes: sharedWrites(buffers, before) };
  if (result.ok && spec.writesInPlace?.length) out.fileWrites = await readFileRanges(spec.writesInPlace);
  await writeFileReplacing(spec.result, serialize(out));
  const sec = ((performance.now() - t0) / 1000).toFixed(1);
  if (result.ok) process.stdout.write(`# ${spec.name}: done in ${sec} s\n`);
  else process.stderr.write(`# ${spec.name}: failed after ${sec} s: ${result.error.stack ?? `${result.error.name}: ${result.error.message}`}\n`);
  return result.ok ? 0 : 1;
}

const specFile = process.argv[2];
if (!specFile) {
  process.stderr.write('usage: node job-entry.js SPEC.json\n');
  process.exitCode = 2;
} else {
  // Exit explicitly: a job function may leave handles open (a tfjs backend, timers) that would keep
  // the process, and so the Slurm allocation, alive after its result is written.
  main(specFile).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`# job ${specFile}: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(2);
    },
  );
}
