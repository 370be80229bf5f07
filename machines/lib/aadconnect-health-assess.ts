import { AADCONNECT_SUPPORT, HEALTH_POLICY, type SupportRow } from '../data/aadconnect-support.js';

/**
 * The judgement of the Entra Connect Sync health check: pure functions from the facts the
 * runners collect (see the step outputs below) to one verdict per check, the evidence, and the
 * procedure that fits each failure. No I/O: the evaluation date is a fact the runner reports
 * (the run's date on the target), never the clock of this process.
 */

// ---------------------------------------------------------------------------------------------
// Facts: the outputs of the four read steps (the same shape from every runner)
// ---------------------------------------------------------------------------------------------

export interface ServiceFacts {
  server: string;
  /** The run's date and time on the target, ISO UTC: every date rule is judged against it. */
  evaluatedAt: string;
  installed: boolean;
  status: string | null;
  startType: string | null;
  account: string | null;
  installPath: string | null;
  /** a.b.c.d, or null when it could not be read. */
  build: string | null;
  buildSource: string;
}

export interface EventFacts {
  collected: boolean;
  reason?: string;
  /** The service's last start (ISO UTC), or null when none was found. */
  lastStart: string | null;
  lastStartSource: string;
  /** Event 6028 (encryption key unreadable) since the last start. */
  keyErrorsSinceStart: number;
  /** The start of the event window (ISO UTC). */
  since: string;
  /** Watched events of the window, newest first. */
  events: Array<{ id: number; at: string }>;
}

export interface DatabaseFacts {
  collected: boolean;
  reason?: string;
  kind: 'LocalDB' | 'SQL' | 'unknown';
  server: string | null;
  instance: string | null;
  files: Array<{ path: string; bytes: number }>;
}

export interface RunFact {
  profile: string;
  result: string;
  /** StartDate, ISO UTC. */
  start: string;
}

export interface EngineFacts {
  collected: boolean;
  reason?: string;
  scheduler: {
    syncCycleEnabled: boolean;
    schedulerSuspended: boolean;
    stagingModeEnabled: boolean;
    syncCycleInProgress: boolean;
    intervalMinutes: number | null;
    nextCycleAt: string | null;
    purgeRunHistoryDays: number | null;
  } | null;
  busyConnectors: string[];
  autoUpgrade: string | null;
  entraIdentity: { type: 'ServiceAccount' | 'Application' | 'unknown'; userName: string | null; source: string };
  connectors: Array<{ name: string; type: string; runs: RunFact[] }>;
}

export interface HealthFacts {
  service: ServiceFacts | null;
  events: EventFacts | null;
  database: DatabaseFacts | null;
  engine: EngineFacts | null;
}

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

export type Verdict = 'OK' | 'WARN' | 'FAIL' | 'NOT COLLECTED';

/** What to do about a failure: a runbook of this family when one exists, else a named procedure. */
export interface NextStep {
  id: string;
  runbook: string | null;
  text: string;
}

export const NEXT: Record<string, NextStep> = {
  encryptionKey: { id: 'encryptionKey', runbook: 'aadconnect-encryption-key', text: 'runbook aadconnect-encryption-key (the encryption key cannot be read)' },
  localDbFull: { id: 'localDbFull', runbook: 'aadconnect-localdb-full', text: 'runbook aadconnect-localdb-full (the LocalDB database is full or nearly full)' },
  localDbModel: { id: 'localDbModel', runbook: null, text: 'the LocalDB model database repair (Microsoft support article; no runbook yet)' },
  addsPassword: { id: 'addsPassword', runbook: null, text: 'the AD DS connector password procedure (no runbook yet)' },
  entraCredential: { id: 'entraCredential', runbook: null, text: 'the Entra connector credential procedure (no runbook yet)' },
  deletionThreshold: { id: 'deletionThreshold', runbook: null, text: 'the accidental-delete threshold procedure (no runbook yet)' },
  upgrade: { id: 'upgrade', runbook: null, text: 'upgrade Entra Connect Sync (installer from the Entra admin center)' },
  serviceDown: { id: 'serviceDown', runbook: null, text: 'find out why ADSync is not running (System log, services.msc) before starting it' },
  scheduler: { id: 'scheduler', runbook: null, text: 'find out who disabled the scheduler, then enable it (Set-ADSyncScheduler -SyncCycleEnabled $true)' },
  syncRuns: { id: 'syncRuns', runbook: null, text: 'read the failed run in Synchronization Service Manager, Operations tab' },
  fullSync: { id: 'fullSync', runbook: null, text: 'no sync for 7 days or more: fix the cause, then run a full cycle (Start-ADSyncSyncCycle -PolicyType Initial)' },
};

export interface CheckResult {
  id: string;
  title: string;
  verdict: Verdict;
  /** One line for the ticket. */
  summary: string;
  evidence: string[];
  next: NextStep | null;
}

export type Ending = 'healthy' | 'warnings' | 'localDbFull' | 'encryptionKey' | 'problems';

export interface Assessment {
  server: string | null;
  evaluatedOn: string | null;
  checks: CheckResult[];
  ending: Ending;
  counts: Record<Verdict, number>;
}

/** Watched events: what each means, how bad it is, and which procedure fits. */
const EVENTS: Record<number, { meaning: string; verdict: 'WARN' | 'FAIL'; next: keyof typeof NEXT | null }> = {
  6323: { meaning: 'LocalDB out of space', verdict: 'FAIL', next: 'localDbFull' },
  6000: { meaning: 'AD DS connector credentials invalid', verdict: 'FAIL', next: 'addsPassword' },
  6028: { meaning: 'encryption key cannot be read', verdict: 'FAIL', next: 'encryptionKey' },
  6900: { meaning: 'password sync / Entra sign-in error', verdict: 'FAIL', next: 'entraCredential' },
  659: { meaning: 'Entra sign-in error reading the password policy', verdict: 'FAIL', next: 'entraCredential' },
  116: { meaning: 'deletions suppressed by the accidental-delete threshold', verdict: 'WARN', next: 'deletionThreshold' },
  906: { meaning: 'application certificate not registered (two servers sharing one application?)', verdict: 'FAIL', next: 'entraCredential' },
  1011: { meaning: 'application certificate due for rotation', verdict: 'WARN', next: 'entraCredential' },
  1012: { meaning: 'application certificate expired', verdict: 'FAIL', next: 'entraCredential' },
  528: { meaning: 'LocalDB model database error', verdict: 'FAIL', next: 'localDbModel' },
  2005: { meaning: 'LocalDB login timeout', verdict: 'FAIL', next: 'localDbModel' },
  6226: { meaning: 'LocalDB login timeout', verdict: 'FAIL', next: 'localDbModel' },
};

/** The event ids the event log check reads (the runners filter on these). */
export const WATCHED_EVENT_IDS = Object.keys(EVENTS).map(Number);

export function buildAtLeast(build: string, minimum: string): boolean {
  const a = build.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

export function runHealthy(result: string): boolean {
  return result === 'success' || (result.startsWith('completed-') && result.endsWith('-warnings'));
}

const WORSE: Verdict[] = ['OK', 'NOT COLLECTED', 'WARN', 'FAIL'];
const worst = (verdicts: Verdict[]): Verdict => verdicts.reduce<Verdict>((a, b) => (WORSE.indexOf(b) > WORSE.indexOf(a) ? b : a), 'OK');

const hoursBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;
const shortTime = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'unknown');
const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;
const age = (hours: number) => (hours >= 48 ? `${(hours / 24).toFixed(1)} days` : `${hours.toFixed(1)} h`);

function check(id: string, title: string, verdict: Verdict, summary: string, evidence: string[] = [], next: NextStep | null = null): CheckResult {
  return { id, title, verdict, summary, evidence, next };
}

function notCollected(id: string, title: string, reason: string): CheckResult {
  return check(id, title, 'NOT COLLECTED', reason);
}

/** Why the engine's checks could not run. */
function engineReason(facts: HealthFacts): string {
  if (facts.engine && !facts.engine.collected) return facts.engine.reason ?? 'not collected';
  return 'the sync engine was not read';
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

function serviceCheck(facts: HealthFacts): CheckResult {
  const s = facts.service;
  const title = 'ADSync service';
  if (!s) return notCollected('service', title, 'the service was not read');
  if (!s.installed) return check('service', title, 'FAIL', 'the ADSync service does not exist on this server', [], NEXT.serviceDown!);
  const evidence = [`status ${s.status}, start type ${s.startType}, logon account ${s.account}`];
  const line = `ADSync ${s.status}, start ${s.startType}, logon ${s.account}`;
  if (s.status !== 'Running') {
    const key = (facts.events?.keyErrorsSinceStart ?? 0) > 0;
    const full = facts.events?.events.some((e) => e.id === 6323) ?? false;
    return check('service', title, 'FAIL', line, evidence, full ? NEXT.localDbFull! : key ? NEXT.encryptionKey! : NEXT.serviceDown!);
  }
  if (!/^Automatic/i.test(s.startType ?? '')) return check('service', title, 'WARN', `${line}: it will not start with the server`, evidence);
  return check('service', title, 'OK', line, evidence);
}

function buildCheck(facts: HealthFacts, rows: readonly SupportRow[]): CheckResult {
  const s = facts.service;
  const title = 'build and support';
  if (!s) return notCollected('build', title, 'the service was not read');
  if (!s.build) return check('build', title, 'WARN', `build unknown (${s.buildSource})`);
  const today = s.evaluatedAt.slice(0, 10);
  const findings: Array<{ verdict: Verdict; text: string; next: NextStep | null }> = [];
  for (const row of rows) {
    const cite = `(${row.source}; checked ${row.checkedOn})`;
    const below = !buildAtLeast(s.build, row.build);
    switch (row.rule) {
      case 'retired-below':
        if (below) findings.push({ verdict: 'FAIL', text: `retired: ${row.fact} ${cite}`, next: NEXT.upgrade! });
        break;
      case 'minimum-by-date':
      case 'minimum-with-application-auth-by-date': {
        if (!below) break;
        const passed = row.date !== null && today > row.date;
        const what = row.rule === 'minimum-by-date' ? `below the ${row.build} floor` : `needs ${row.build} and application-based authentication`;
        findings.push({
          verdict: passed ? 'FAIL' : 'WARN',
          text: passed ? `${what}: the deadline ${row.date} has passed: ${row.fact} ${cite}` : `${what} by ${row.date}: ${row.fact} ${cite}`,
          next: NEXT.upgrade!,
        });
        break;
      }
      case 'withdrawn':
        if (s.build === row.build) findings.push({ verdict: 'FAIL', text: `withdrawn build: ${row.fact} ${cite}`, next: NEXT.upgrade! });
        break;
    }
  }
  const verdict = worst(findings.map((f) => f.verdict));
  const headline = findings.find((f) => f.verdict === verdict);
  const summary = headline ? `${s.build}: ${headline.text.replace(/ \(.*\)$/, '')}` : `${s.build}: supported on ${today} by every row of the support table`;
  return check('build', title, verdict, summary, [`build ${s.build} (${s.buildSource}), judged on ${today}`, ...findings.map((f) => f.text)], headline?.next ?? null);
}

function keyCheck(facts: HealthFacts): CheckResult {
  const title = 'encryption key readable';
  const e = facts.events;
  if (!e || !e.collected) return notCollected('encryptionKey', title, e?.reason ?? 'the event log was not read');
  const since = `since the last start (${shortTime(e.lastStart)}, ${e.lastStartSource})`;
  if (e.keyErrorsSinceStart > 0) return check('encryptionKey', title, 'FAIL', `Event 6028 ${e.keyErrorsSinceStart}x ${since}`, [], NEXT.encryptionKey!);
  if (facts.service?.status !== 'Running') return notCollected('encryptionKey', title, `no Event 6028 ${since}, but only a running service proves the key can be read`);
  return check('encryptionKey', title, 'OK', `service running, no Event 6028 ${since}`);
}

function connectorChecks(facts: HealthFacts): CheckResult[] {
  const engine = facts.engine;
  if (!engine || !engine.collected) return [notCollected('connectors', 'connectors: last run', engineReason(facts))];
  const now = facts.service?.evaluatedAt ?? null;
  const interval = engine.scheduler?.intervalMinutes ?? null;
  return engine.connectors.map((c) => {
    const id = `connector:${c.name}`;
    const title = `connector ${c.name}`;
    const runs = [...c.runs].sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
    const newest = runs[0];
    if (!newest) return check(id, title, 'WARN', 'no run in the history');
    const line = `newest run ${newest.profile}: ${newest.result} (${shortTime(newest.start)})`;
    const evidence = runs.slice(0, 3).map((r) => `${shortTime(r.start)} ${r.profile}: ${r.result}`);
    if (newest.result === 'stopped-database-disk-full') return check(id, title, 'FAIL', line, evidence, NEXT.localDbFull!);
    if (newest.result === 'no-start-credentials') return check(id, title, 'FAIL', line, evidence, c.type === 'AD' ? NEXT.addsPassword! : NEXT.entraCredential!);
    if (newest.result === 'stopped-deletion-threshold-exceeded') return check(id, title, 'FAIL', line, evidence, NEXT.deletionThreshold!);
    if (newest.result === 'stopped-extension-dll-exception' && c.type !== 'AD') return check(id, title, 'FAIL', line, evidence, NEXT.entraCredential!);
    if (newest.result.startsWith('stopped-')) return check(id, title, 'FAIL', line, evidence, NEXT.syncRuns!);
    if (!runHealthy(newest.result)) return check(id, title, 'WARN', line, evidence, NEXT.syncRuns!);
    const lastHealthy = runs.find((r) => runHealthy(r.result))!;
    if (now && interval) {
      const hours = hoursBetween(lastHealthy.start, now);
      if (hours * 60 > HEALTH_POLICY.staleIntervals * interval) {
        return check(id, title, 'WARN', `${line}: ${age(hours)} old, more than ${HEALTH_POLICY.staleIntervals} sync intervals (${interval} min)`, evidence);
      }
    }
    return check(id, title, 'OK', line, evidence);
  });
}

function deltaCheck(facts: HealthFacts): CheckResult {
  const title = `sync within ${HEALTH_POLICY.deltaMaxDays} days`;
  const engine = facts.engine;
  if (!engine || !engine.collected) return notCollected('deltaSync', title, engineReason(facts));
  const now = facts.service?.evaluatedAt;
  if (!now) return notCollected('deltaSync', title, 'the run date is unknown');
  const late: string[] = [];
  const evidence: string[] = [];
  for (const c of engine.connectors) {
    const newest = c.runs
      .filter((r) => /^(Delta|Full) (Import|Synchronization)$/i.test(r.profile) && runHealthy(r.result))
      .sort((a, b) => Date.parse(b.start) - Date.parse(a.start))[0];
    const hours = newest ? hoursBetween(newest.start, now) : Infinity;
    evidence.push(newest ? `${c.name}: ${newest.profile} ${age(hours)} ago` : `${c.name}: no successful import or sync run in the history`);
    if (hours >= HEALTH_POLICY.deltaMaxDays * 24) late.push(c.name);
  }
  if (late.length) return check('deltaSync', title, 'FAIL', `no successful sync run for ${HEALTH_POLICY.deltaMaxDays} days or more: ${late.join(', ')}`, evidence, NEXT.fullSync!);
  return check('deltaSync', title, 'OK', `every connector synchronized within ${HEALTH_POLICY.deltaMaxDays} days`, evidence);
}

function stagingCheck(facts: HealthFacts): CheckResult {
  const title = 'staging mode';
  const sch = facts.engine?.collected ? facts.engine.scheduler : null;
  if (!sch) return notCollected('staging', title, engineReason(facts));
  return sch.stagingModeEnabled
    ? check('staging', title, 'OK', 'staging server: it imports and synchronizes but does not export (exactly one server per tenant must be active)')
    : check('staging', title, 'OK', 'active server: it exports to Entra ID (exactly one per tenant)');
}

function schedulerCheck(facts: HealthFacts): CheckResult {
  const title = 'scheduler';
  const engine = facts.engine;
  const sch = engine?.collected ? engine.scheduler : null;
  if (!engine || !sch) return notCollected('scheduler', title, engineReason(facts));
  const busy = engine.busyConnectors.length ? `running now: ${engine.busyConnectors.join(', ')}` : sch.syncCycleInProgress ? 'a cycle is in progress' : 'idle';
  const evidence = [
    `SyncCycleEnabled ${sch.syncCycleEnabled}, SchedulerSuspended ${sch.schedulerSuspended}, interval ${sch.intervalMinutes ?? '?'} min`,
    `next cycle ${shortTime(sch.nextCycleAt)}, run history kept ${sch.purgeRunHistoryDays ?? '?'} days, engine ${busy}`,
  ];
  if (!sch.syncCycleEnabled) return check('scheduler', title, 'FAIL', 'the scheduler is disabled (SyncCycleEnabled False): nothing synchronizes', evidence, NEXT.scheduler!);
  if (sch.schedulerSuspended) return check('scheduler', title, 'WARN', 'suspended: the configuration wizard is open (or an upgrade runs); sync waits until it is closed', evidence);
  const now = facts.service?.evaluatedAt;
  if (now && sch.nextCycleAt && sch.intervalMinutes && hoursBetween(sch.nextCycleAt, now) * 60 > sch.intervalMinutes) {
    return check('scheduler', title, 'WARN', `the next cycle was due at ${shortTime(sch.nextCycleAt)} and has not started`, evidence);
  }
  return check('scheduler', title, 'OK', `enabled, every ${sch.intervalMinutes ?? '?'} min, next ${shortTime(sch.nextCycleAt)}, ${busy}`, evidence);
}

function autoUpgradeCheck(facts: HealthFacts): CheckResult {
  const title = 'auto-upgrade';
  const engine = facts.engine;
  if (!engine || !engine.collected) return notCollected('autoUpgrade', title, engineReason(facts));
  if (!engine.autoUpgrade) return notCollected('autoUpgrade', title, 'Get-ADSyncAutoUpgrade gave no answer');
  if (/^Suspended/i.test(engine.autoUpgrade)) return check('autoUpgrade', title, 'WARN', `${engine.autoUpgrade}: upgrades must be done by hand until the reason is cleared`);
  return check('autoUpgrade', title, 'OK', engine.autoUpgrade);
}

function entraCheck(facts: HealthFacts, rows: readonly SupportRow[]): CheckResult {
  const title = 'Entra connector identity';
  const engine = facts.engine;
  if (!engine || !engine.collected) return notCollected('entraIdentity', title, engineReason(facts));
  const id = engine.entraIdentity;
  const who = id.userName ? ` (${id.userName})` : '';
  if (id.type === 'Application') return check('entraIdentity', title, 'OK', `application identity${who}`, [id.source]);
  if (id.type === 'unknown') return notCollected('entraIdentity', title, id.source);
  const row = rows.find((r) => r.rule === 'minimum-with-application-auth-by-date');
  const today = facts.service?.evaluatedAt.slice(0, 10) ?? '';
  const passed = row?.date ? today > row.date : false;
  const deadline = row ? ` (deadline ${row.date}: ${row.source}; checked ${row.checkedOn})` : '';
  return check(
    'entraIdentity',
    title,
    passed ? 'FAIL' : 'WARN',
    passed ? `service account${who}: legacy authentication is retired since ${row?.date}` : `service account${who}: move to application-based authentication by ${row?.date}`,
    [id.source, `legacy service-account sign-in${deadline}`],
    NEXT.entraCredential!,
  );
}

function databaseCheck(facts: HealthFacts): CheckResult {
  const title = 'LocalDB size';
  const d = facts.database;
  if (!d || !d.collected) return notCollected('database', title, d?.reason ?? 'the database was not read');
  if (d.kind === 'SQL') return check('database', title, 'OK', `full SQL Server ${d.server ?? ''}: the 10 GB LocalDB limit does not apply`.replace('  ', ' '));
  const total = d.files.reduce((sum, f) => sum + f.bytes, 0);
  const evidence = d.files.map((f) => `${f.path}: ${gb(f.bytes)}`);
  const line = `${gb(total)} of the 10 GB LocalDB limit (warn at ${gb(HEALTH_POLICY.localDbWarnBytes)}, fail at ${gb(HEALTH_POLICY.localDbFailBytes)})`;
  if (total >= HEALTH_POLICY.localDbFailBytes) return check('database', title, 'FAIL', line, evidence, NEXT.localDbFull!);
  if (total >= HEALTH_POLICY.localDbWarnBytes) return check('database', title, 'WARN', line, evidence, NEXT.localDbFull!);
  return check('database', title, 'OK', line, evidence);
}

function eventsCheck(facts: HealthFacts): CheckResult {
  const title = `events, last ${HEALTH_POLICY.eventWindowHours} h`;
  const e = facts.events;
  if (!e || !e.collected) return notCollected('events', title, e?.reason ?? 'the event log was not read');
  if (e.events.length === 0) return check('events', title, 'OK', `none of the watched events since ${shortTime(e.since)}`);
  const byId = new Map<number, { count: number; newest: string }>();
  for (const ev of e.events) {
    const seen = byId.get(ev.id);
    if (!seen) byId.set(ev.id, { count: 1, newest: ev.at });
    else byId.set(ev.id, { count: seen.count + 1, newest: Date.parse(ev.at) > Date.parse(seen.newest) ? ev.at : seen.newest });
  }
  const ids = [...byId.keys()].sort((a, b) => a - b);
  const verdict = worst(ids.map((id) => EVENTS[id]?.verdict ?? 'WARN'));
  const evidence = ids.map((id) => `Event ${id} ${byId.get(id)!.count}x, newest ${shortTime(byId.get(id)!.newest)}: ${EVENTS[id]?.meaning ?? 'watched event'}`);
  // the procedure of the most pressing event: LocalDB full, then the key, then the rest in table order
  const order = ['localDbFull', 'encryptionKey', 'localDbModel', 'addsPassword', 'entraCredential', 'deletionThreshold'];
  const nexts = ids.filter((id) => EVENTS[id]?.verdict === verdict).map((id) => EVENTS[id]?.next).filter((n): n is string => Boolean(n));
  const next = order.find((n) => nexts.includes(n));
  return check('events', title, verdict, ids.map((id) => `${id} ${EVENTS[id]?.meaning ?? 'watched event'} (${byId.get(id)!.count}x)`).join('; '), evidence, next ? NEXT[next]! : null);
}

/** Every check, in report order, and the ending the facts call for. */
export function assess(facts: HealthFacts, rows: readonly SupportRow[] = AADCONNECT_SUPPORT): Assessment {
  const checks = [
    serviceCheck(facts),
    buildCheck(facts, rows),
    keyCheck(facts),
    eventsCheck(facts),
    databaseCheck(facts),
    schedulerCheck(facts),
    stagingCheck(facts),
    ...connectorChecks(facts),
    deltaCheck(facts),
    entraCheck(facts, rows),
    autoUpgradeCheck(facts),
  ];
  const counts: Record<Verdict, number> = { OK: 0, WARN: 0, FAIL: 0, 'NOT COLLECTED': 0 };
  for (const c of checks) counts[c.verdict] += 1;
  const failing = checks.filter((c) => c.verdict === 'FAIL').map((c) => c.next?.id);
  const ending: Ending = failing.includes('localDbFull')
    ? 'localDbFull'
    : failing.includes('encryptionKey')
      ? 'encryptionKey'
      : counts.FAIL > 0
        ? 'problems'
        : counts.WARN + counts['NOT COLLECTED'] > 0
          ? 'warnings'
          : 'healthy';
  return { server: facts.service?.server ?? null, evaluatedOn: facts.service?.evaluatedAt.slice(0, 10) ?? null, checks, ending, counts };
}

/** The report a person pastes into a ticket: one line per check, then what to do next. */
export function reportLines(a: Assessment): string[] {
  const width = Math.max(...a.checks.map((c) => c.title.length));
  const tally = (['FAIL', 'WARN', 'NOT COLLECTED', 'OK'] as Verdict[]).filter((v) => a.counts[v] > 0).map((v) => `${a.counts[v]} ${v}`).join(', ');
  const lines = [`Health check of ${a.server ?? 'an unknown server'} on ${a.evaluatedOn ?? 'an unknown date'}: ${tally}`];
  for (const c of a.checks) {
    lines.push(`  ${c.verdict.padEnd(13)}  ${c.title.padEnd(width)}  ${c.summary}`);
    if (c.next && (c.verdict === 'FAIL' || c.verdict === 'WARN')) lines.push(`  ${''.padEnd(13)}  ${''.padEnd(width)}  -> ${c.next.text}`);
  }
  const procedures = [...new Map(a.checks.filter((c) => c.verdict === 'FAIL' && c.next).map((c) => [c.next!.id, c.next!])).values()];
  if (procedures.length) {
    lines.push('Next:');
    for (const p of procedures) lines.push(`  - ${p.text}`);
  }
  return lines;
}
