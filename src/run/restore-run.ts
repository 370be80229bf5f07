import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { RunbookDefinition } from '../runbook/define.js';
import { machineHash } from '../runbook/machine-hash.js';
import { readCheckpoint } from '../checkpoint/read-checkpoint.js';
import { writeCheckpoint } from '../checkpoint/write-checkpoint.js';
import type { CheckpointEnvelope } from '../checkpoint/envelope.js';
import { anchorAt, saveCheckpoint, snapshotFields } from '../checkpoint/save-checkpoint.js';
import type { RunSession } from './session.js';
import { sumHolds } from '../journal/hash-chain.js';
import type { TimedRecord } from '../journal/records.js';
import { lineHash } from '../journal/hash-chain.js';
import { verifiedJournal, type JournalCheck, type TailStart } from '../journal/verify-journal.js';
import { eventOf, persistedOf, rebuildSnapshot } from '../journal/rebuild-snapshot.js';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import type { RunPaths } from './paths.js';

/** A run as the journal says it stands: the snapshot to continue from, and the chain checked on the way. */
export interface RestoredRun {
  runbook: RunbookDefinition;
  /** The checkpoint brought up to the journal's last record (or rebuilt from the whole journal). */
  envelope: CheckpointEnvelope;
  /** The journal's check: only the records after the checkpoint's anchor when it fitted. */
  chain: JournalCheck;
  /** Each attempt's number as the operator saw it, for the attempts a resume can meet. */
  stepNumbers: Map<string, number> | null;
  /** Why the checkpoint could not be used as it was (it was rebuilt from the journal), or null. */
  rebuilt: string | null;
  /**
   * The machine reached its end (the last step's result is in the journal) but the process died
   * before it recorded run-finished: the resume records it, and the run ends there.
   */
  endUnrecorded: boolean;
}

/**
 * Opens a run's state for a resume or a rerun. The journal is the record; the checkpoint is a
 * cache of it that may lag (it is written without a sync, not after every step) or be damaged:
 *
 *  - a checkpoint that fits the journal (same run, its anchor record still there with the same
 *    hash) is brought up to date by replaying the records after its anchor; only those records
 *    are read and their chain checked, so a resume costs the same after 10 steps or 10,000
 *    (`runbook verify`, `status` and `report` check the whole chain);
 *  - any other (unreadable, truncated, empty, another schema, a state the runbook lacks, ahead
 *    of a journal a power cut shortened, disagreeing with it) is rebuilt from the whole journal,
 *    checked in full, and the caller says so.
 *
 * Refused (exit 5), with no file touched: a damaged journal (the record named), a runbook whose
 * definition changed since the run started (the journal's run-started record, or the
 * checkpoint, names another machine hash), a journal whose events the machine cannot replay.
 */
export async function restoreRun(paths: RunPaths, runId: string, load: (id: string) => Promise<RunbookDefinition>): Promise<RestoredRun> {
  let envelope: CheckpointEnvelope | null = null;
  let unusable: string | null = null;
  try {
    envelope = readCheckpoint(paths.checkpoint);
  } catch (error) {
    unusable = (error as Error).message.replace(/; it was left untouched$/, '');
  }
  const started = runStarted(paths.journal);
  if (!started) verifiedJournal(paths.journal, runId); // names the damage, if that is what it is
  if (!started) throw new UserError(`run ${runId} has no journal to resume from (no run-started record); nothing was done`, ExitCode.state);
  const runbook = await load(started.runbookId);
  const hash = machineHash(runbook.machine);
  for (const recorded of [started.machineHash, envelope?.runbookId === started.runbookId ? envelope.machineHash : hash]) {
    if (recorded !== hash) {
      throw new UserError(
        `runbook ${runbook.id} changed since run ${runId} started (definition ${recorded}, now ${hash}); finish it with the version that started it, or start a new run`,
        ExitCode.state,
      );
    }
  }
  if (envelope && !unusable) {
    for (const key of ['runId', 'runbookId', 'target'] as const) {
      if (envelope[key] !== started[key]) unusable = `checkpoint ${paths.checkpoint} is of another run (its ${key} is ${JSON.stringify(envelope[key])})`;
    }
  }
  if (envelope && !unusable) {
    try {
      runbook.machine.resolveState(envelope.snapshot as never);
    } catch (error) {
      unusable = `checkpoint ${paths.checkpoint} names a state this runbook does not have (${(error as Error).message})`;
    }
  }

  // the fast way: the checkpoint and the records after its anchor
  const anchor = envelope?.journal;
  if (envelope && !unusable && anchor) {
    const at: TailStart = { count: anchor.records, head: anchor.head, offset: anchor.offset, bytes: anchor.bytes };
    // the "started" records of the steps in flight decide what is in doubt: they are checked too
    const attempts = inFlight(envelope.snapshot);
    const from = beforeStarted(paths.journal, attempts, at) ?? at;
    let tail = verifiedJournal(paths.journal, runId, from);
    // a step in flight whose "started" record is found neither before the checkpoint nor after
    // it: never started, or its record was changed; only the whole chain can tell
    const startedIn = (records: TimedRecord[]) => attempts.every((id) => records.some((r) => r.type === 'step-started' && r.attemptId === id));
    if (tail && from === at && attempts.length > 0 && !startedIn(tail.records)) tail = verifiedJournal(paths.journal, runId);
    const head = tail && (tail.from ? tail.hashes[anchor.records - tail.from.count - 1] ?? (anchor.records === tail.from.count ? tail.from.head : undefined) : tail.hashes[anchor.records - 1]);
    if (!tail || head !== anchor.head) {
      unusable = `checkpoint ${paths.checkpoint} was taken at journal record ${anchor.records}, which the journal does not have as it was`;
    } else {
      tail.records = tail.records.filter((r) => (r.n ?? 0) > anchor.records);
      const replayed = rebuildSnapshot(runbook.machine, envelope.snapshot, tail.records);
      if (replayed.ok) {
        const endUnrecorded = replayed.snapshot.status === 'done' && !endRecorded(tail.records, envelope.status !== 'active');
        return { runbook, envelope: current(runbook, envelope, replayed.snapshot), chain: tail, stepNumbers: numbersAfter(anchor, tail.records), rebuilt: null, endUnrecorded };
      }
      unusable = `checkpoint ${paths.checkpoint} does not fit the journal after it: ${replayed.problem}`;
    }
  }

  const chain = verifiedJournal(paths.journal, runId);
  // a checkpoint of an older version (no anchor) is used as it is, as that version did
  if (envelope && !unusable && !anchor) return { runbook, envelope, chain, stepNumbers: null, rebuilt: null, endUnrecorded: false };
  const replayed = rebuildSnapshot(runbook.machine, null, chain.records);
  if (!replayed.ok) {
    throw new UserError(`run ${runId} cannot be rebuilt from its journal: ${replayed.problem}; nothing was done (see: runbook verify ${runId})`, ExitCode.state);
  }
  const base: CheckpointEnvelope = {
    schema: 1,
    runId,
    runbookId: started.runbookId,
    machineHash: started.machineHash,
    target: started.target,
    ...(envelope?.runId === runId && envelope.lockKey ? { lockKey: envelope.lockKey } : {}),
    createdAt: started.at,
    updatedAt: started.at,
    status: 'active',
    state: '',
    outcome: null,
    snapshot: null,
  };
  const endUnrecorded = replayed.snapshot.status === 'done' && !endRecorded(chain.records, false);
  return { runbook, envelope: current(runbook, base, replayed.snapshot), chain, stepNumbers: null, rebuilt: unusable ?? 'it did not fit the journal', endUnrecorded };
}

function current(runbook: RunbookDefinition, envelope: CheckpointEnvelope, snapshot: Parameters<typeof persistedOf>[1]): CheckpointEnvelope {
  const { journal: _anchor, ...rest } = envelope;
  return { ...rest, ...snapshotFields(runbook.machine, snapshot), snapshot: JSON.parse(JSON.stringify(persistedOf(runbook.machine, snapshot))) };
}

/** The numbers the checkpoint kept, and those the attempts after it were shown with. */
function numbersAfter(anchor: NonNullable<CheckpointEnvelope['journal']>, records: TimedRecord[]): Map<string, number> {
  const numbers = new Map<string, number>();
  const kept = new Set(Object.values(anchor.numbers));
  // the map's size is the count of numbered attempts: the earlier ones hold their places
  for (let n = 1; n <= anchor.attempts; n++) if (!kept.has(n)) numbers.set(`\u0000earlier#${n}`, n);
  for (const [id, n] of Object.entries(anchor.numbers)) numbers.set(id, n);
  for (const record of records) {
    if (record.type === 'step-started' && !numbers.has(record.attemptId)) numbers.set(record.attemptId, numbers.size + 1);
  }
  return numbers;
}

/** The journal's first record, read alone, when it is a sealed run-started record. */
function runStarted(path: string): Extract<TimedRecord, { type: 'run-started' }> | null {
  if (!existsSync(path)) return null;
  const fd = openSync(path, 'r');
  try {
    let data = Buffer.alloc(0);
    for (let position = 0; !data.includes(0x0a); ) {
      const buffer = Buffer.alloc(4096);
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      data = Buffer.concat([data, buffer.subarray(0, n)]);
      position += n;
    }
    const end = data.indexOf(0x0a);
    const line = data.subarray(0, end === -1 ? data.length : end).toString('utf8');
    if (!sumHolds(line)) return null;
    const record = JSON.parse(line) as TimedRecord;
    return record.type === 'run-started' && record.n === 1 ? record : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Writes the restored snapshot as the run's checkpoint (anchored where the journal stands now). */
export function refreshCheckpoint(session: RunSession, envelope: CheckpointEnvelope): void {
  const json = session.scrubber.scrub(JSON.stringify(envelope.snapshot));
  saveCheckpoint(session, { status: envelope.status, state: envelope.state, outcome: envelope.outcome }, json, anchorAt(session, session.journal.position, json));
}

/** The attempt ids of the steps in flight in a persisted snapshot. */
function inFlight(snapshot: unknown): string[] {
  const children = (snapshot as { children?: Record<string, { snapshot?: { input?: { attemptId?: unknown } } }> }).children ?? {};
  return Object.values(children)
    .map((c) => c.snapshot?.input?.attemptId)
    .filter((id): id is string => typeof id === 'string');
}

/**
 * The line before the earliest "step-started" record of `attemptIds` at or before `at`, read
 * backwards from `at` (a few lines: a step in flight started shortly before the checkpoint), so
 * that the check of the tail covers those records and the links that protect them.
 */
function beforeStarted(path: string, attemptIds: string[], at: TailStart): TailStart | null {
  if (attemptIds.length === 0) return null;
  const keys = attemptIds.map((id) => `"attemptId":${JSON.stringify(id)}`);
  const fd = openSync(path, 'r');
  try {
    for (let window = Math.min(at.bytes, 64 * 1024); ; window = Math.min(at.bytes, window * 4)) {
      const data = Buffer.alloc(window);
      readSync(fd, data, 0, window, at.bytes - window);
      const start = at.bytes - window; // file offset of data[0]
      // whole lines of the window, each with its file offset (the first is partial unless at 0)
      const lines: Array<{ offset: number; text: Buffer }> = [];
      let from = 0;
      for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, from)) {
        lines.push({ offset: start + from, text: data.subarray(from, end) });
        from = end + 1;
      }
      if (start > 0) lines.shift();
      const missing = new Set(keys);
      let earliest = -1;
      for (let i = lines.length - 1; i >= 0 && missing.size > 0; i--) {
        const text = lines[i]!.text.toString('utf8');
        if (!text.includes('"type":"step-started"')) continue;
        for (const key of missing) {
          if (text.includes(key)) {
            missing.delete(key);
            earliest = i;
          }
        }
      }
      if (missing.size === 0 && earliest >= 1) {
        const before = lines[earliest - 1]!;
        const n = /^\{"n":(\d+),/.exec(before.text.toString('utf8'));
        if (!n) return null;
        return { count: Number(n[1]), head: lineHash(before.text), offset: before.offset, bytes: lines[earliest]!.offset };
      }
      if (window === at.bytes) return null;
    }
  } finally {
    closeSync(fd);
  }
}

/** Whether a run-finished record follows the last event (`before`: whether one did before these records). */
function endRecorded(records: TimedRecord[], before: boolean): boolean {
  let ended = before;
  for (const record of records) {
    if (record.type === 'run-finished') ended = true;
    else if (record.type === 'run-rerun' || eventOf(record)) ended = false;
  }
  return ended;
}

/**
 * Where a run stands for the commands that read it whole (status, report), which check the whole
 * chain anyway: the checkpoint brought up to the journal by replaying the records after its
 * anchor, or the snapshot rebuilt from the whole journal when the checkpoint is unusable. Writes
 * nothing. A checkpoint of an older version (no anchor) is taken as it is.
 */
export function currentEnvelope(runbook: RunbookDefinition, checkpoint: CheckpointEnvelope | null, records: TimedRecord[]): CheckpointEnvelope {
  const started = records.find((r): r is Extract<TimedRecord, { type: 'run-started' }> => r.type === 'run-started');
  if (checkpoint && !checkpoint.journal) return checkpoint;
  if (checkpoint?.journal && checkpoint.runId === started?.runId) {
    const anchor = checkpoint.journal;
    const replayed = rebuildSnapshot(runbook.machine, checkpoint.snapshot, records.filter((r) => (r.n ?? 0) > anchor.records));
    if (replayed.ok) return current(runbook, checkpoint, replayed.snapshot);
  }
  const replayed = rebuildSnapshot(runbook.machine, null, records);
  if (!replayed.ok || !started) {
    if (checkpoint) return checkpoint;
    throw new UserError(`run ${started?.runId ?? '?'} cannot be rebuilt from its journal: ${replayed.ok ? 'no run-started record' : replayed.problem}`, ExitCode.state);
  }
  const base: CheckpointEnvelope = {
    schema: 1,
    runId: started.runId,
    runbookId: started.runbookId,
    machineHash: started.machineHash,
    target: started.target,
    createdAt: started.at,
    updatedAt: records.at(-1)?.at ?? started.at,
    status: 'active',
    state: '',
    outcome: null,
    snapshot: null,
  };
  return current(runbook, base, replayed.snapshot);
}

/** The checkpoint, or null when it cannot be read (it is rebuilt from the journal). */
export function checkpointOrNull(path: string): CheckpointEnvelope | null {
  try {
    return readCheckpoint(path);
  } catch {
    return null;
  }
}

/** The runbook id a run's journal names (its run-started record). */
export function runbookIdOf(records: TimedRecord[]): string | undefined {
  const started = records.find((r) => r.type === 'run-started');
  return started?.type === 'run-started' ? started.runbookId : undefined;
}

/**
 * Brings the checkpoint of a run that ended up to its journal when the process died after
 * recording the end and before writing the checkpoint (which then still says "unfinished" to
 * `runbook runs` and to a new run on the target). A cache repair: the journal is not touched.
 */
export function repairEndedCheckpoint(path: string, envelope: CheckpointEnvelope, chain: JournalCheck): void {
  const onDisk = checkpointOrNull(path);
  if (onDisk && onDisk.status === envelope.status && onDisk.state === envelope.state) return;
  const { snapshot, ...fields } = envelope;
  writeCheckpoint(
    path,
    { ...fields, updatedAt: new Date().toISOString(), journal: { records: chain.count, head: chain.head, offset: chain.offset, bytes: chain.bytes, attempts: 0, numbers: {} } },
    JSON.stringify(snapshot),
  );
}
