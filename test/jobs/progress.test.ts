import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, MultiProgress } from '../../src/jobs/progress.js';

/** A fake non-TTY stream that records what is written. */
function sink(): NodeJS.WriteStream & { text: string } {
  const s = { text: '', isTTY: false, write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('plain progress prints a line per interval with count, percentage and fields, then the summary', () => {
  const stream = sink();
  const p = createProgress({ label: 'features train', total: 4, unit: 'utts', stream, intervalSec: 0 });
  p.update(1);
  p.increment(1, { 'x RT': 85.1234 });
  p.stop('done: 4 utts');
  const lines = stream.text.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^features train: 1\/4 utts \(25\.0%\) elapsed \d+s eta /);
  assert.match(lines[1], /2\/4 utts \(50\.0%\).*x RT 85\.123$/);
  assert.equal(lines[2], 'done: 4 utts');
});

test('plain progress stays quiet within the interval; quiet prints nothing', () => {
  const stream = sink();
  const p = createProgress({ label: 'x', total: 10, stream, intervalSec: 3600 });
  for (let i = 0; i < 10; i++) p.increment();
  p.stop();
  assert.equal(stream.text, '');
  const q = createProgress({ label: 'x', total: 1, stream, quiet: true, intervalSec: 0 });
  q.update(1);
  q.stop('summary');
  assert.equal(stream.text, '');
});

test('MultiProgress gives each job its own labelled line when not on a TTY', () => {
  const stream = sink();
  const m = new MultiProgress({ stream, intervalSec: 0 });
  const a = m.create('member 1', 2, 'epochs');
  const b = m.create('member 2', 2, 'epochs');
  a.update(1, { acc: 0.5 });
  b.update(2);
  m.stop();
  assert.match(stream.text, /^member 1: 1\/2 epochs \(50\.0%\).*acc 0\.500\nmember 2: 2\/2 epochs \(100\.0%\)/);
});
