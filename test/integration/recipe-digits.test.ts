// The whole digits recipe at --size tiny (issue 7): every stage runs, the report has the paper's
// Table 1 shape and every number in it is computed, and a re-run skips the finished stages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Start the recipe and kill its whole process group as soon as the ensemble has written its first
 * epoch checkpoint (polled on disk, so it does not depend on how fast the machine is).
 */
function runAndKillDuringEnsemble(args: string[], env: NodeJS.ProcessEnv, exp: string): Promise<string> {
  // The ensemble is written in .ensemble.partial until it is complete (docs/guarantees.md).
  const checkpoint = path.join(exp, '.ensemble.partial', 'member-01', 'checkpoint', 'state.json');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { cwd: root, env, detached: true });
    let out = '';
    const poll = setInterval(() => {
      if (existsSync(checkpoint)) {
        clearInterval(poll);
        process.kill(-child.pid!, 'SIGKILL');
      }
    }, 10);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => {
      clearInterval(poll);
      resolve(out);
    });
  });
}

test('recipes/digits/run.sh --size tiny runs end to end, resumes after a kill and writes a computed Table 1', { timeout: 480_000 }, async () => {
  const exp = mkdtempSync(path.join(os.tmpdir(), 'asr-recipe-'));
  // --triphones true: the DNN stages train and decode on the tied states of a triphone GMM (train-tri,
  // CD align, CD decoding), whose tree also learns from the varied-words set. Stage 2 tri costs
  // 3 commands (align the words set, train-tri, align train) more than the monophone stage 2 alone.
  // --jobs 1: on the suite's shared cores a second worker per command only adds its start-up CPU
  // (tfjs, the graph); the recipe's parallel paths are tested in test/jobs and test/slurm.
  const args = ['recipes/digits/run.sh', '--size', 'tiny', '--members', '2', '--exp', exp, '--seed', '7', '--triphones', 'true', '--jobs', '1'];
  const env = { ...process.env, ASR_DISTILL_PROGRESS_SECONDS: '60' };
  const run = (...extra: string[]) => spawnSync('bash', [...args, ...extra], { cwd: root, encoding: 'utf8', env });
  // Killed in the middle of the ensemble: the re-run skips the finished stages and completes.
  const killed = await runAndKillDuringEnsemble(args, env, exp);
  assert.match(killed, /stage 2 \(mono\): done/);
  assert.match(killed, /stage 2 \(tri\): done/);
  assert.doesNotMatch(killed, /stage 3 \(ensemble\): done/);
  const r = run();
  assert.equal(r.status, 0, `recipe failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout, /stage 2 \(mono\): already done, skipping/);
  assert.match(r.stdout, /stage 3 \(ensemble\): start/);
  // Baseline, ensemble and members are scored and decoded in the background while the student's
  // clean phase trains; stages 6 and 7 find those results up to date.
  assert.match(r.stdout, /in the background \(log: .*background-scoring\.log\)/);
  assert.match(r.stdout, /background scoring done/);
  assert.match(r.stdout, /eval baseline test: up to date/);
  assert.match(r.stdout, /decode ensemble_member-02: up to date/);
  assert.doesNotMatch(r.stdout, /eval student test: up to date/);
  const results = JSON.parse(readFileSync(path.join(exp, 'results.json'), 'utf8'));
  assert.equal(results.rows.length, 3);
  const tri = JSON.parse(readFileSync(path.join(exp, 'tri', 'model.json'), 'utf8'));
  assert.deepEqual(tri.extraTrainingSets.map((d: string) => path.basename(path.dirname(d))), ['tiny-seed7-words'], 'the tree learns from the varied-words set');
  assert.equal(results.dnnNumPdfs, tri.numPdfs, 'the DNNs predict the tied states of the triphone GMM');
  assert.ok(JSON.parse(readFileSync(path.join(exp, 'ali_train', 'transition-model.json'), 'utf8')).tree, 'the DNN targets are a CD alignment');
  assert.equal(results.gmm, undefined, '--size tiny skips the GMM decodes (gmm_decode=false)');
  for (const row of results.rows) {
    for (const k of ['testFrameAccuracy', 'devFrameAccuracy', 'testWerPercent', 'params', 'flopsPerFrame']) {
      assert.ok(Number.isFinite(row[k]), `${row.system}.${k} = ${row[k]}`);
    }
    assert.ok(row.testFrameAccuracy > 0 && row.testFrameAccuracy <= 1);
  }
  assert.equal(results.rows[0].params, results.rows[2].params, 'the student has the baseline size by default');
  // The student trains in two phases: noisy transfer frames, then the clean ones from that model.
  const student = JSON.parse(readFileSync(path.join(exp, 'student', 'asr-distill.json'), 'utf8'));
  assert.equal(student.trainedOn.teacher.initFrom, path.join(exp, 'student-noisy'));
  assert.equal(student.trainedOn.teacher.transferNoise, 0, 'the clean phase sees the frames as they are');
  assert.equal(JSON.parse(readFileSync(path.join(exp, 'student-noisy', 'asr-distill.json'), 'utf8')).trainedOn.teacher.transferNoise, 0.5);
  assert.equal(results.rows[1].params, 2 * results.rows[0].params, 'the ensemble costs its two members');
  assert.ok(Number.isFinite(results.ensembleGain) && Number.isFinite(results.baselineSeedSpread));
  assert.equal(results.seedCount, 2, 'the seed spread is over the two members (the baseline is member 1)');
  assert.ok(Number.isFinite(results.memberMean.testWerPercent), 'each member is decoded alone');
  assert.ok(existsSync(path.join(exp, 'decode', 'student_dev', 'decode.json')), 'the acoustic scale is chosen on dev');
  // Per test speaker: every speaker of the test features, with computed accuracies and WERs.
  assert.ok(results.speakers.length >= 1);
  for (const sp of results.speakers) {
    for (const s of ['baseline', 'ensemble', 'student']) {
      assert.ok(sp.frameAccuracy[s] > 0 && sp.frameAccuracy[s] <= 1, `${sp.speaker} ${s}`);
      assert.ok(sp.wer[s].words > 0 && sp.wer[s].errors >= 0, `${sp.speaker} ${s} WER`);
    }
  }
  const md = readFileSync(path.join(exp, 'RESULTS.md'), 'utf8');
  assert.match(md, /\| system \| test frame accuracy \| test WER \|/);
  assert.match(md, /## Per test speaker/);
  // WER against the baseline with its interval, and which errors make the WERs.
  for (const s of ['student', 'ensemble']) {
    const c = results.werVsBaseline[s];
    assert.ok(c.delta.low <= c.delta.mean && c.delta.mean <= c.delta.high && c.probBBetter >= 0 && c.probBBetter <= 1, `${s} vs baseline: ${JSON.stringify(c.delta)}`);
    assert.ok(Math.abs(c.werA - results.rows[0].testWerPercent) < 1e-9, 'set A is the baseline');
  }
  assert.match(md, /Test WER minus the baseline's/);
  for (const r of results.wordErrors) assert.ok(r.counts.baseline + r.counts.ensemble + r.counts.student > 0, r.error);
  assert.doesNotMatch(md, /NaN|undefined/);
  for (const f of ['training-curves.svg', 'training-curves.png', 'systems.svg', 'systems.png']) assert.ok(existsSync(path.join(exp, f)), f);
  // A re-run resumes: every stage is already done.
  const again = run('--stage', '6');
  assert.equal(again.status, 0);
  assert.match(again.stdout, /stage 6 \(eval\): already done, skipping/);
  assert.match(again.stdout, /stage 8 \(report\): already done, skipping/);
  // Killed in the student's clean phase: the finished noisy phase is not redone, and the clean one
  // resumes from its checkpoint (here its last epoch) to the same model.
  const noisyMeta = path.join(exp, 'student-noisy', 'asr-distill.json');
  const noisyWritten = statSync(noisyMeta).mtimeMs;
  const weights = readFileSync(path.join(exp, 'student', 'weights.bin'));
  rmSync(path.join(exp, 'student', 'asr-distill.json'));
  rmSync(path.join(exp, '.done', '5-distill'));
  const resumed = run('--stage', '5', '--stop-stage', '5');
  assert.equal(resumed.status, 0, resumed.stderr.slice(-3000));
  assert.equal(statSync(noisyMeta).mtimeMs, noisyWritten, 'the noisy phase is skipped');
  assert.ok(existsSync(path.join(exp, 'student', 'asr-distill.json')));
  assert.deepEqual(readFileSync(path.join(exp, 'student', 'weights.bin')), weights);
});
