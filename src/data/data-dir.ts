// Kaldi data directories: wav.scp, text, utt2spk, spk2utt and segments (see docs/data.md and
// https://kaldi-asr.org/doc/data_prep.html). readDataDir validates like Kaldi's
// utils/validate_data_dir.sh and reports every problem at once, each naming file, line and id.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { compareCLocale } from './c-locale.js';
import { bomMessage, decodeTextFile, hasBom } from './text-input.js';

/** Where an utterance's (or recording's) WAV bytes come from. */
export type WavSource = { kind: 'file'; path: string /* absolute */ } | { kind: 'pipe'; command: string; cwd: string };

/** One utterance of a data directory, with everything needed to load its audio. */
export interface Utterance {
  uttId: string;
  speakerId: string;
  source: WavSource;
  /** The wav.scp key: the recording id from `segments`, else the utterance id. */
  recordingId: string;
  /** From `segments`: seconds into the recording (`endSec` -1 = to the end, as in Kaldi) and an optional channel (5th field). */
  segment?: { startSec: number; endSec: number; channel?: number };
  /** Transcript from `text` (absent when the directory has no `text`). */
  words?: string[];
}

/** A validated data directory. */
export interface DataDir {
  dir: string;
  /** Sorted by uttId (C locale). */
  utterances: Utterance[];
  /** Speaker -> its utterances (sorted); read from spk2utt or derived from utt2spk. */
  spk2utt: Map<string, string[]>;
  /** Things Kaldi's validate_data_dir.sh would flag that do not stop our pipeline. */
  warnings: string[];
}

/** What `writeDataDir` writes for one utterance. */
export interface DataDirEntry {
  uttId: string;
  speakerId: string;
  /** A path relative to the data dir (so the directory can be moved), an absolute path, or a command ending in `|`. */
  wav: string;
  words?: string[];
}

export interface ReadDataDirOptions {
  /** Check that every wav.scp file exists (default true). */
  checkFiles?: boolean;
  /** Problems listed in the error before `... and N more` (default 50). */
  maxProblems?: number;
}

interface Line {
  lineNo: number;
  key: string;
  fields: string[]; // after the key, split on whitespace
  rest: string; // after the key, trimmed (wav.scp commands keep their spacing)
}

/** Collects problems, keeping the first `max` messages and counting the rest. */
class Problems {
  readonly messages: string[] = [];
  count = 0;
  constructor(private readonly max: number) {}
  add(message: string): void {
    this.count++;
    if (this.messages.length < this.max) this.messages.push(message);
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return decodeTextFile(bytes, file, `a Kaldi data-dir file ('id value ...' per line)`);
}

/**
 * Split a Kaldi table file into keyed lines, reporting the problems every table shares: Windows
 * line endings, empty lines, duplicate keys and keys out of C-locale order.
 */
function parseTable(name: string, text: string, idKind: string, problems: Problems): Line[] {
  const lines: Line[] = [];
  const seen = new Map<string, number>();
  const raw = text.split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  let crReported = false;
  let prev: Line | undefined;
  let unsorted: { first: string; count: number } | undefined;
  raw.forEach((s, i) => {
    const lineNo = i + 1;
    if (i === 0 && hasBom(s)) {
      // Its own message: the BOM is whitespace to /\s/, but "starts with whitespace" would mislead.
      problems.add(bomMessage(name));
      s = s.slice(1);
    }
    if (s.endsWith('\r')) {
      if (!crReported) problems.add(`${name} line ${lineNo}: Windows line ending (CR); convert the file with dos2unix`);
      crReported = true;
      s = s.slice(0, -1);
    }
    const trimmed = s.trim();
    if (trimmed === '') {
      problems.add(`${name} line ${lineNo}: empty line; remove it`);
      return;
    }
    if (/^\s/.test(s)) problems.add(`${name} line ${lineNo}: starts with whitespace; the line must start with the ${idKind} id`);
    const m = /^(\S+)\s*(.*)$/.exec(trimmed)!;
    const key = m[1]!;
    const rest = m[2]!;
    const line: Line = { lineNo, key, rest, fields: rest === '' ? [] : rest.split(/\s+/) };
    const dup = seen.get(key);
    if (dup !== undefined) {
      problems.add(`${name} line ${lineNo} (${idKind} ${key}): duplicate id (also on line ${dup}); each ${idKind} must appear once`);
      return;
    }
    seen.set(key, lineNo);
    if (prev && compareCLocale(prev.key, key) > 0) {
      if (!unsorted) {
        unsorted = {
          first: `${name} line ${lineNo} (${idKind} ${key}): not sorted: '${key}' comes after '${prev.key}' (line ${prev.lineNo})`,
          count: 0,
        };
      }
      unsorted.count++;
    }
    prev = line;
    lines.push(line);
  });
  if (unsorted) {
    const more = unsorted.count > 1 ? ` (${unsorted.count} lines out of order in all)` : '';
    problems.add(`${unsorted.first}${more}; sort it with: LC_ALL=C sort -o ${name} ${name}`);
  }
  return lines;
}

function parseSeconds(s: string): number | undefined {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * Read and validate a Kaldi data directory like `utils/validate_data_dir.sh`: duplicate or
 * unsorted ids, utterances missing from wav.scp/segments or utt2spk, transcripts for unknown
 * utterances, empty transcripts, bad segments (start >= end, unknown recording), spk2utt not
 * matching utt2spk (spk2utt is derived when absent), missing audio files. All problems are
 * reported together in one InputError (up to `maxProblems`), each naming file, line and id.
 *
 * wav.scp values are a path (relative paths resolve against `dir`) or a command ending in `|`
 * whose stdout is a WAV (run later with `sh -c`, cwd = `dir`). With `segments`, wav.scp is keyed
 * by recording id.
 *
 * @example const { utterances } = await readDataDir('data/digits/train');
 */
export async function readDataDir(dir: string, opts: ReadDataDirOptions = {}): Promise<DataDir> {
  const checkFiles = opts.checkFiles ?? true;
  const absDir = path.resolve(dir);
  const stat = await fs.stat(absDir).catch(() => undefined);
  if (!stat) throw new InputError(`data dir ${dir}: not found`);
  if (!stat.isDirectory()) throw new InputError(`data dir ${dir}: not a directory`);

  const [wavText, utt2spkText, text, segmentsText, spk2uttText] = await Promise.all(
    ['wav.scp', 'utt2spk', 'text', 'segments', 'spk2utt'].map((f) => readIfExists(path.join(absDir, f))),
  );
  const missing = [wavText === undefined && 'wav.scp', utt2spkText === undefined && 'utt2spk'].filter(Boolean);
  if (missing.length > 0) {
    throw new InputError(
      `data dir ${dir}: missing ${missing.join(' and ')}; a data dir needs wav.scp and utt2spk (text, spk2utt and segments are optional)`,
    );
  }
  const problems = new Problems(opts.maxProblems ?? 50);
  const warnings: string[] = [];
  const hasSegments = segmentsText !== undefined;
  const wavKind = hasSegments ? 'recording' : 'utt';

  // utt2spk: exactly `utt speaker`.
  const utt2spk = new Map<string, { speakerId: string; lineNo: number }>();
  // Cross-file checks look at every key present (`*Keys`), valid or not, so that one bad line is
  // reported once rather than again as "missing" from the other files.
  const utt2spkLines = parseTable('utt2spk', utt2spkText!, 'utt', problems);
  const uttKeys = new Set(utt2spkLines.map((l) => l.key));
  for (const l of utt2spkLines) {
    if (l.fields.length !== 1) {
      problems.add(`utt2spk line ${l.lineNo} (utt ${l.key}): expected 'utt speaker', got ${l.fields.length + 1} fields`);
      continue;
    }
    utt2spk.set(l.key, { speakerId: l.fields[0]!, lineNo: l.lineNo });
  }

  // wav.scp: `key path` or `key command ... |`.
  const wavs = new Map<string, { source: WavSource; lineNo: number }>();
  const fileChecks: Promise<string | undefined>[] = [];
  const wavLines = parseTable('wav.scp', wavText!, wavKind, problems);
  const wavKeys = new Set(wavLines.map((l) => l.key));
  for (const l of wavLines) {
    const where = `wav.scp line ${l.lineNo} (${wavKind} ${l.key})`;
    if (l.rest === '') {
      problems.add(`${where}: no audio given; expected a file path or a command ending in '|'`);
      continue;
    }
    if (l.rest.endsWith('|')) {
      const command = l.rest.slice(0, -1).trim();
      if (command === '') {
        problems.add(`${where}: empty command before '|'`);
        continue;
      }
      wavs.set(l.key, { source: { kind: 'pipe', command, cwd: absDir }, lineNo: l.lineNo });
      continue;
    }
    if (l.fields.length !== 1) {
      problems.add(
        `${where}: expected a file path or a command ending in '|', got '${l.rest}' (paths with spaces and Kaldi ark offsets are not supported)`,
      );
      continue;
    }
    const abs = path.resolve(absDir, l.rest);
    wavs.set(l.key, { source: { kind: 'file', path: abs }, lineNo: l.lineNo });
    if (checkFiles) {
      fileChecks.push(
        fs.stat(abs).then(
          (s) => (s.isFile() ? undefined : `${where}: not a file: ${l.rest}`),
          () => `${where}: file not found: ${l.rest}${l.rest === abs ? '' : ` (resolved against the data dir: ${abs})`}`,
        ),
      );
    }
  }
  // Reported in file order, whatever order the stats finish in.
  for (const p of await Promise.all(fileChecks)) if (p) problems.add(p);

  // segments: `utt recording start end [channel]`, seconds; end -1 means to the end (extract-segments).
  const segments = new Map<string, { recordingId: string; startSec: number; endSec: number; channel?: number; lineNo: number }>();
  const segmentLines = hasSegments ? parseTable('segments', segmentsText!, 'utt', problems) : [];
  const segmentKeys = new Set(segmentLines.map((l) => l.key));
  if (hasSegments) {
    for (const l of segmentLines) {
      const where = `segments line ${l.lineNo} (utt ${l.key})`;
      if (l.fields.length !== 3 && l.fields.length !== 4) {
        problems.add(`${where}: expected 'utt recording start end [channel]', got ${l.fields.length + 1} fields`);
        continue;
      }
      const [recordingId, startStr, endStr, channelStr] = l.fields as [string, string, string, string | undefined];
      const startSec = parseSeconds(startStr);
      const endSec = parseSeconds(endStr);
      let ok = true;
      if (startSec === undefined || startSec < 0) {
        problems.add(`${where}: bad start time '${startStr}' (expected seconds >= 0)`);
        ok = false;
      }
      if (endSec === undefined || (endSec !== -1 && endSec <= 0)) {
        problems.add(`${where}: bad end time '${endStr}' (expected seconds > 0, or -1 for the end of the recording)`);
        ok = false;
      }
      if (ok && endSec !== -1 && startSec! >= endSec!) {
        problems.add(`${where}: start ${startStr} >= end ${endStr}; the segment is empty`);
        ok = false;
      }
      let channel: number | undefined;
      if (channelStr !== undefined) {
        channel = Number(channelStr);
        if (!/^\d+$/.test(channelStr)) {
          problems.add(`${where}: bad channel '${channelStr}' (expected an integer >= 0)`);
          ok = false;
        }
      }
      if (!wavKeys.has(recordingId)) {
        problems.add(`${where}: recording '${recordingId}' is not in wav.scp`);
        ok = false;
      }
      if (ok) segments.set(l.key, { recordingId, startSec: startSec!, endSec: endSec!, channel, lineNo: l.lineNo });
    }
  }

  // Every utterance needs audio and a speaker, and vice versa.
  const audioFile = hasSegments ? 'segments' : 'wav.scp';
  const audioMap: Map<string, { lineNo: number }> = hasSegments ? segments : wavs;
  const audioKeys = hasSegments ? segmentKeys : wavKeys;
  for (const [utt, { lineNo }] of utt2spk) {
    if (!audioKeys.has(utt)) problems.add(`utt2spk line ${lineNo} (utt ${utt}): no audio: the utterance is not in ${audioFile}`);
  }
  for (const [utt, { lineNo }] of audioMap) {
    if (!uttKeys.has(utt)) problems.add(`${audioFile} line ${lineNo} (utt ${utt}): no speaker: the utterance is not in utt2spk`);
  }

  // text: optional, but when present it covers exactly the utterances of utt2spk.
  let transcripts: Map<string, string[]> | undefined;
  if (text !== undefined) {
    transcripts = new Map();
    const lines = parseTable('text', text, 'utt', problems);
    for (const l of lines) {
      if (!uttKeys.has(l.key)) problems.add(`text line ${l.lineNo} (utt ${l.key}): unknown utterance (not in utt2spk)`);
      else if (l.fields.length === 0) problems.add(`text line ${l.lineNo} (utt ${l.key}): empty transcript; give the words or remove the utterance`);
      transcripts.set(l.key, l.fields);
    }
    for (const [utt, { lineNo }] of utt2spk) {
      if (!transcripts.has(utt)) problems.add(`utt2spk line ${lineNo} (utt ${utt}): no transcript: the utterance is not in text`);
    }
  }

  // spk2utt: derived from utt2spk; when the file exists it must say the same.
  const spk2utt = new Map<string, string[]>();
  for (const utt of [...utt2spk.keys()].sort(compareCLocale)) {
    const spk = utt2spk.get(utt)!.speakerId;
    const list = spk2utt.get(spk);
    if (list) list.push(utt);
    else spk2utt.set(spk, [utt]);
  }
  if (spk2uttText !== undefined) checkSpk2utt(spk2uttText, utt2spk, uttKeys, spk2utt, problems);

  if (problems.count > 0) {
    const more = problems.count > problems.messages.length ? `\n  ... and ${problems.count - problems.messages.length} more` : '';
    throw new InputError(
      `data dir ${dir}: ${problems.count} problem${problems.count === 1 ? '' : 's'}:\n  ${problems.messages.join('\n  ')}${more}\n` +
        "Fix the files (Kaldi's utils/fix_data_dir.sh sorts them and drops utterances missing from any of them).",
    );
  }

  // Kaldi also wants utt2spk sorted when sorted by speaker first (speaker ids as utterance-id
  // prefixes); our stages look speakers up by map, so this is only a warning.
  const bySpeaker = [...spk2utt.keys()].sort(compareCLocale).flatMap((s) => spk2utt.get(s)!);
  const byUtt = [...utt2spk.keys()].sort(compareCLocale);
  if (bySpeaker.some((u, i) => u !== byUtt[i])) {
    warnings.push(
      'utt2spk: utterance order differs from speaker order; Kaldi tools need speaker ids to be prefixes of utterance ids',
    );
  }

  const utterances: Utterance[] = byUtt.map((uttId) => {
    const seg = segments.get(uttId);
    const recordingId = seg ? seg.recordingId : uttId;
    const utt: Utterance = { uttId, speakerId: utt2spk.get(uttId)!.speakerId, source: wavs.get(recordingId)!.source, recordingId };
    if (seg) {
      utt.segment = { startSec: seg.startSec, endSec: seg.endSec };
      if (seg.channel !== undefined) utt.segment.channel = seg.channel;
    }
    if (transcripts) utt.words = transcripts.get(uttId)!;
    return utt;
  });
  return { dir: absDir, utterances, spk2utt, warnings };
}

function checkSpk2utt(
  text: string,
  utt2spk: Map<string, { speakerId: string; lineNo: number }>,
  uttKeys: Set<string>,
  derived: Map<string, string[]>,
  problems: Problems,
): void {
  const listed = new Map<string, number>();
  for (const l of parseTable('spk2utt', text, 'speaker', problems)) {
    const where = `spk2utt line ${l.lineNo} (speaker ${l.key})`;
    if (l.fields.length === 0) problems.add(`${where}: no utterances listed`);
    for (const utt of l.fields) {
      const prevLine = listed.get(utt);
      if (prevLine !== undefined) {
        problems.add(`${where}: utterance '${utt}' is also listed on line ${prevLine}`);
        continue;
      }
      listed.set(utt, l.lineNo);
      const u = utt2spk.get(utt);
      if (!uttKeys.has(utt)) problems.add(`${where}: utterance '${utt}' is not in utt2spk`);
      else if (u && u.speakerId !== l.key) {
        problems.add(`${where}: utterance '${utt}' belongs to speaker '${u.speakerId}' in utt2spk (line ${u.lineNo})`);
      }
    }
  }
  for (const [spk, utts] of derived) {
    for (const utt of utts) {
      if (!listed.has(utt)) {
        problems.add(
          `utt2spk line ${utt2spk.get(utt)!.lineNo} (utt ${utt}): not listed in spk2utt under speaker '${spk}'; ` +
            'regenerate spk2utt (Kaldi: utils/utt2spk_to_spk2utt.pl utt2spk > spk2utt) or delete it to derive it',
        );
      }
    }
  }
}

const NO_SPACE = /^\S+$/;

/**
 * Write a Kaldi data directory: wav.scp, utt2spk, spk2utt and (when the entries have words) text,
 * sorted by utterance id in C-locale order, each file atomically. A stale `segments` (and a stale
 * `text` when none is written) is removed, since it would no longer match wav.scp.
 *
 * @example await writeDataDir('data/digits/train', [{ uttId: 'spk1-0001', speakerId: 'spk1', wav: 'wav/spk1-0001.wav', words: ['ONE'] }]);
 */
export async function writeDataDir(dir: string, entries: DataDirEntry[]): Promise<void> {
  const sorted = [...entries].sort((a, b) => compareCLocale(a.uttId, b.uttId));
  const withWords = sorted.filter((e) => e.words !== undefined).length;
  if (withWords !== 0 && withWords !== sorted.length) {
    throw new InputError(`writeDataDir ${dir}: ${withWords} of ${sorted.length} entries have words; give words for all or none`);
  }
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    const what = `writeDataDir ${dir}: utterance '${e.uttId}'`;
    if (!NO_SPACE.test(e.uttId)) throw new InputError(`${what}: ids must be non-empty and contain no whitespace`);
    if (!NO_SPACE.test(e.speakerId)) throw new InputError(`${what}: bad speaker id '${e.speakerId}' (non-empty, no whitespace)`);
    if (i > 0 && sorted[i - 1]!.uttId === e.uttId) throw new InputError(`${what}: duplicate utterance id`);
    if (e.wav.trim() === '' || /[\r\n]/.test(e.wav)) throw new InputError(`${what}: bad wav entry ${JSON.stringify(e.wav)}`);
    if (!e.wav.trim().endsWith('|') && /\s/.test(e.wav)) {
      throw new InputError(`${what}: wav path '${e.wav}' contains whitespace (not representable in wav.scp)`);
    }
    if (e.words) {
      if (e.words.length === 0) throw new InputError(`${what}: empty transcript`);
      const bad = e.words.find((w) => !NO_SPACE.test(w));
      if (bad !== undefined) throw new InputError(`${what}: word ${JSON.stringify(bad)} is empty or contains whitespace`);
    }
  }
  const spk2utt = new Map<string, string[]>();
  for (const e of sorted) {
    const list = spk2utt.get(e.speakerId);
    if (list) list.push(e.uttId);
    else spk2utt.set(e.speakerId, [e.uttId]);
  }
  const lines = (f: (e: DataDirEntry) => string) => sorted.map((e) => f(e) + '\n').join('');
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'wav.scp'), lines((e) => `${e.uttId} ${e.wav.trim()}`));
  await writeFileAtomic(path.join(dir, 'utt2spk'), lines((e) => `${e.uttId} ${e.speakerId}`));
  await writeFileAtomic(
    path.join(dir, 'spk2utt'),
    [...spk2utt.keys()].sort(compareCLocale).map((s) => `${s} ${spk2utt.get(s)!.join(' ')}\n`).join(''),
  );
  if (withWords > 0) await writeFileAtomic(path.join(dir, 'text'), lines((e) => `${e.uttId} ${e.words!.join(' ')}`));
  else await fs.rm(path.join(dir, 'text'), { force: true });
  await fs.rm(path.join(dir, 'segments'), { force: true });
}
