// A data directory's per-id files as tables, to write selections and unions of them: the common
// part of subset-data, split-data and combine-data (Kaldi's utils/subset_data_dir.sh,
// split_data.sh, combine_data.sh). Like those scripts, the files are filtered line by line, so
// segments, durations and genders come along, not only what readDataDir models.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { compareCLocale } from './c-locale.js';
import { readDataDir, type DataDir } from './data-dir.js';

/** Files keyed by utterance id (as utils/subset_data_dir.sh copies them). */
export const UTTERANCE_FILES = ['utt2spk', 'text', 'segments', 'utt2dur', 'utt2num_frames', 'utt2lang', 'utt2uniq'];
/** Files keyed by recording id (utterance id without segments). */
export const RECORDING_FILES = ['wav.scp', 'reco2file_and_channel', 'reco2dur'];
/** Files keyed by speaker id (spk2utt is rebuilt from utt2spk). */
export const SPEAKER_FILES = ['spk2gender'];

/** A validated data directory and its per-id files: file name -> id -> the rest of its line. */
export interface DataDirTables {
  data: DataDir;
  tables: Map<string, Map<string, string>>;
}

/**
 * Read and validate (readDataDir) `dir`, and its per-id files as tables. wav.scp values become
 * location-independent: file paths absolute, commands prefixed with a `cd` to `dir` (readDataDir
 * runs them there), so that they can be written into another directory.
 */
export async function readDataDirTables(dir: string): Promise<DataDirTables> {
  const data = await readDataDir(dir);
  const tables = new Map<string, Map<string, string>>();
  for (const name of [...UTTERANCE_FILES, ...RECORDING_FILES, ...SPEAKER_FILES]) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
    }
    const table = new Map<string, string>();
    text.split('\n').forEach((line, i) => {
      const m = /^(\S+)\s*(.*?)\s*$/.exec(line);
      if (!m) return; // empty lines: readDataDir reported them for its files; other files may end in one
      if (table.has(m[1]!)) throw new InputError(`${file} line ${i + 1}: duplicate id ${m[1]}; each id must appear once`);
      table.set(m[1]!, m[2]!);
    });
    tables.set(name, table);
  }
  const wav = tables.get('wav.scp')!;
  for (const u of data.utterances) {
    const s = u.source;
    wav.set(u.recordingId, s.kind === 'file' ? s.path : `cd ${shellQuote(s.cwd)} && ${s.command} |`);
  }
  return { data, tables };
}

/** Quote for a POSIX shell. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What writeDataDirTables wrote. */
export interface WrittenDataDir {
  data: DataDir;
  /** Files left out because some source directories lack them (as combine_data.sh does). */
  dropped: string[];
}

/**
 * Write the utterances `uttIds` of each part into `out` (a new or empty directory): every
 * per-utterance file the parts all have, the recordings and speakers those utterances use, spk2utt,
 * all sorted in C-locale order; file paths in wav.scp relative to `out` (so it can move with its
 * sources). The result is read back with readDataDir, so a selection that breaks a Kaldi rule fails
 * here. An utterance id in two parts, or a recording or speaker with different lines in two parts,
 * is an InputError naming both directories.
 */
export async function writeDataDirTables(out: string, parts: { tables: DataDirTables; uttIds: Iterable<string> }[]): Promise<WrittenDataDir> {
  const present = (name: string) => parts.filter((p) => p.tables.tables.has(name)).length;
  const dropped = [...UTTERANCE_FILES, ...RECORDING_FILES, ...SPEAKER_FILES].filter((n) => present(n) > 0 && present(n) < parts.length);
  const outTables = new Map<string, Map<string, string>>();
  const from = new Map<string, Map<string, string>>(); // file -> id -> the source dir, for messages
  const add = (name: string, id: string, value: string, dir: string, kind: string) => {
    if (dropped.includes(name)) return;
    const table = outTables.get(name) ?? outTables.set(name, new Map()).get(name)!;
    const src = from.get(name) ?? from.set(name, new Map()).get(name)!;
    const old = table.get(id);
    if (old !== undefined && (kind === 'utterance' || old !== value)) {
      throw new InputError(
        kind === 'utterance'
          ? `utterance ${id} is in both ${src.get(id)} and ${dir}; utterance ids must be unique across the directories (prefix them, e.g. with the corpus name)`
          : `${kind} ${id} has different ${name} lines in ${src.get(id)} and ${dir}; ids must mean the same thing in every directory`,
      );
    }
    table.set(id, value);
    src.set(id, dir);
  };
  for (const { tables, uttIds } of parts) {
    const { data } = tables;
    const byId = new Map(data.utterances.map((u) => [u.uttId, u]));
    const speakers = new Set<string>();
    for (const id of uttIds) {
      const u = byId.get(id);
      if (!u) throw new InputError(`${data.dir}: no utterance ${id}`);
      for (const name of UTTERANCE_FILES) {
        const v = tables.tables.get(name)?.get(id);
        if (v !== undefined) add(name, id, v, data.dir, 'utterance');
      }
      for (const name of RECORDING_FILES) {
        const v = tables.tables.get(name)?.get(u.recordingId);
        if (v !== undefined) add(name, u.recordingId, v, data.dir, 'recording');
      }
      speakers.add(u.speakerId);
    }
    for (const spk of speakers) {
      for (const name of SPEAKER_FILES) {
        const v = tables.tables.get(name)?.get(spk);
        if (v !== undefined) add(name, spk, v, data.dir, 'speaker');
      }
    }
  }
  const utt2spk = outTables.get('utt2spk');
  if (!utt2spk || utt2spk.size === 0) throw new InputError(`${out}: the selection is empty; nothing to write`);
  const spk2utt = new Map<string, string[]>();
  for (const [utt, spk] of utt2spk) spk2utt.set(spk, [...(spk2utt.get(spk) ?? []), utt]);
  outTables.set('spk2utt', new Map([...spk2utt].map(([spk, utts]) => [spk, utts.sort(compareCLocale).join(' ')])));
  const absOut = path.resolve(out);
  const wav = outTables.get('wav.scp')!;
  for (const [id, v] of wav) if (!v.endsWith('|')) wav.set(id, path.relative(absOut, v));
  await fs.mkdir(out, { recursive: true });
  for (const [name, table] of outTables) {
    const ids = [...table.keys()].sort(compareCLocale);
    await writeFileAtomic(path.join(out, name), ids.map((id) => (table.get(id) === '' ? `${id}\n` : `${id} ${table.get(id)}\n`)).join(''));
  }
  return { data: await readDataDir(out), dropped };
}
