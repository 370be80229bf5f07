/**
 * Model-based tests of the flagship runbook machine (aadconnect-encryption-key).
 *
 * Paths are generated with `getShortestPaths` from 'xstate/graph' (one shortest path to every
 * distinct state, where a state is its value plus its context minus the `_seq` counter) and
 * replayed on a real actor whose step actors never settle: the test sends the
 * `xstate.done.actor.<id>` / `xstate.error.actor.<id>` events itself, exactly as the traversal
 * simulated them.
 *
 * Why not getSimplePaths: with ~2,400 distinct states (failure counters, last errors, verify
 * rounds, pending connectors) the number of simple paths explodes and the enumeration does not
 * finish in minutes. Shortest paths cover every state; the graph-wide properties (reverse
 * reachability, "no abandon without confirmation") are checked on the adjacency map itself, so they
 * cover every edge, not only the edges that happen to be on a shortest path.
 *
 * How xstate/graph uses the options (read from getAdjacencyMap in xstate-graph.esm.js): a
 * user-supplied `events` function replaces the default one (which would derive bare `{ type }`
 * events from the state's own event descriptors), so the events below are exactly what is explored;
 * each event is applied with the pure `machine.transition` (no actor is started), the resulting
 * snapshot is keyed by `serializeState(snapshot, event, prevSnapshot)`, and an already-seen key is
 * not expanded again. `limit` is not a cap but a safety net: exceeding it throws.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { getAdjacencyMap, getShortestPaths, toDirectedGraph } from 'xstate/graph';
import type { DirectedGraphNode } from 'xstate/graph';
import runbook from '../machines/aadconnect-encryption-key.js';

// ---------------------------------------------------------------------------------------------
// The machine, its steps, and the events a run can produce in each state
// ---------------------------------------------------------------------------------------------

const machine = runbook.machine as any;
const STEP_IDS: string[] = Object.keys(machine.implementations.actors);
const TOP_LEVEL_STATES: string[] = Object.keys(machine.root.states);
const stateNode = (key: string): any => machine.root.states[key];
const isStep = (value: unknown): value is string => typeof value === 'string' && STEP_IDS.includes(value);
const decisionOf = (value: unknown): string | null =>
  typeof value === 'string' && value.endsWith('Failed') && STEP_IDS.includes(value.slice(0, -'Failed'.length))
    ? value.slice(0, -'Failed'.length)
    : null;

const SERVER = 'AADC01';
const CLASSIFICATIONS = [
  'key-unreadable',
  'logon-failure',
  'stale-connector-credential',
  'localdb-full',
  'healthy',
  'unknown',
] as const;

const facts = (entraIdentity: 'ServiceAccount' | 'Application') => ({
  build: '2.4.18.0',
  accountType: 'virtual',
  accountName: 'NT SERVICE\\ADSync',
  stagingMode: false,
  entraIdentity,
});

/** Every output variant that makes a difference to the routing after step `id`. */
function outputsOf(id: string): unknown[] {
  switch (id) {
    case 'detect':
      return CLASSIFICATIONS.map((classification) => ({
        classification,
        server: SERVER,
        staleConnectors: classification === 'stale-connector-credential' ? ['fabrikam.com'] : [],
      }));
    case 'startNewKey':
      return [{ connectors: ['contoso.com'] }, { connectors: [] }];
    case 'reinitEntra':
      return [{}, { interactiveSignInRequired: true }];
    case 'verify':
      return [
        { failingAdConnectors: [], entraFailing: false },
        { failingAdConnectors: ['contoso.com'], entraFailing: false },
        { failingAdConnectors: [], entraFailing: true },
      ];
    case 'preChecks':
      return [facts('ServiceAccount'), facts('Application')];
    default:
      return [null];
  }
}

const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });
const fail = (id: string) => ({ type: `xstate.error.actor.${id}`, error: { message: 'boom', category: 'failed' } });

function events(snapshot: any): any[] {
  const value = snapshot.value;
  if (isStep(value)) return [...outputsOf(value).map((output) => done(value, output)), fail(value)];
  if (decisionOf(value)) return [{ type: 'RETRY' }, { type: 'SKIP', reason: 'r' }, { type: 'ABORT' }];
  if (value === 'confirmAbandon') {
    return [{ type: 'CONFIRM', typed: SERVER }, { type: 'CONFIRM', typed: 'wrong' }, { type: 'CANCEL' }];
  }
  return [];
}

const withoutSeq = (context: Record<string, unknown>) => {
  const { _seq, ...rest } = context;
  return rest;
};
/** State identity without the `_seq` attempt counter (it only grows); `_failures` stays: it bounds retries. */
const serializeState = (snapshot: any) => JSON.stringify({ value: snapshot.value, context: withoutSeq(snapshot.context) });

const LIMIT = 50_000;
const traversal = { events, serializeState, limit: LIMIT } as any;

// Computed once, shared by the tests (about 0.5 s).
const adjacency = getAdjacencyMap(machine, traversal) as Record<string, { state: any; transitions: Record<string, { event: any; state: any }> }>;
const paths = getShortestPaths(machine, traversal) as Array<{ state: any; steps: Array<{ state: any; event: any }>; weight: number }>;

// ---------------------------------------------------------------------------------------------
// A real actor whose runners never settle
// ---------------------------------------------------------------------------------------------

const neverSettles = fromPromise(() => new Promise<never>(() => {}));
const testMachine = machine.provide({ actors: Object.fromEntries(STEP_IDS.map((id) => [id, neverSettles])) });

/** Errors reported by any actor started here (a crash in an action or guard would land here). */
const actorErrors: unknown[] = [];

function startActor(): AnyActorRef {
  const actor = createActor(testMachine);
  actor.subscribe({ error: (err: unknown) => actorErrors.push(err) });
  actor.start();
  return actor;
}

function childInput(actor: AnyActorRef, id: string): any {
  const child = actor.getSnapshot().children[id];
  expect(child, `invoked child '${id}'`).toBeDefined();
  return child.getSnapshot().input;
}

function send(actor: AnyActorRef, ...evs: any[]) {
  for (const ev of evs) actor.send(ev);
  return actor.getSnapshot();
}

/** The run from `detect` to `startNewKey`'s result, confirming on the right server. */
function runToConnectors(actor: AnyActorRef, connectors: string[]) {
  return send(
    actor,
    done('detect', { classification: 'key-unreadable', server: SERVER, staleConnectors: [] }),
    done('preChecks', facts('ServiceAccount')),
    { type: 'CONFIRM', typed: SERVER },
    done('stopService', null),
    done('abandonKey', null),
    done('startNewKey', { connectors }),
  );
}

/** Events of a generated path, in order (the generator puts `xstate.init` first). */
const eventsOf = (path: (typeof paths)[number]) => path.steps.slice(1).map((s) => s.event);

// ---------------------------------------------------------------------------------------------

describe('generated paths of the flagship machine', () => {
  it('traversal terminates with a substantial number of paths covering every top-level state', () => {
    const states = Object.keys(adjacency).length;
    const transitions = Object.values(adjacency).reduce((n, a) => n + Object.keys(a.transitions).length, 0);
    console.log(`[machine-paths] ${states} distinct states, ${transitions} transitions, ${paths.length} shortest paths, longest ${Math.max(...paths.map((p) => p.steps.length - 1))} events`);

    // One shortest path per distinct state; and the limit is a real bound, not a silent cap.
    expect(paths.length).toBe(states);
    expect(paths.length).toBeGreaterThan(500);
    expect(transitions + 1).toBeLessThan(LIMIT);
    expect(() => getAdjacencyMap(machine, { ...traversal, limit: 100 })).toThrow(/limit/i);

    const visited = new Set(paths.flatMap((p) => p.steps.map((s) => s.state.value)));
    const unreachable = TOP_LEVEL_STATES.filter((s) => !visited.has(s));
    expect(unreachable).toEqual([]);
    // The flat machine: every value is a top-level state key.
    expect([...visited].every((v) => TOP_LEVEL_STATES.includes(v))).toBe(true);
  });

  it('sending xstate.done.actor.<id> / xstate.error.actor.<id> to a real actor drives it (v5)', () => {
    const actor = startActor();
    expect(actor.getSnapshot().value).toBe('detect');
    const first = childInput(actor, 'detect');
    send(actor, fail('detect'));
    expect(actor.getSnapshot().value).toBe('detectFailed');
    expect(actor.getSnapshot().context._lastError).toEqual({ stepId: 'detect', message: 'boom', category: 'failed' });
    expect(actor.getSnapshot().children.detect).toBeUndefined(); // leaving the state stopped the runner
    send(actor, { type: 'RETRY' });
    expect(childInput(actor, 'detect').attemptId).not.toBe(first.attemptId);
    send(actor, done('detect', { classification: 'key-unreadable', server: SERVER, staleConnectors: [] }));
    expect(actor.getSnapshot().value).toBe('preChecks');
    expect(actor.getSnapshot().context).toMatchObject({ server: SERVER, classification: 'key-unreadable', _failures: 0, _lastError: null });
    actor.stop();
  });

  it('every generated path replays on a real actor, step by step, to its target state', () => {
    const started = Date.now();
    let sent = 0;
    for (const path of paths) {
      expect(path.steps[0].event.type).toBe('xstate.init');
      const actor = startActor();
      const where = (upTo: number) =>
        `path to ${serializeState(path.state)}\n  via ${path.steps
          .slice(1, upTo + 1)
          .map((s) => s.event.type.replace('xstate.', '') + (s.event.output !== undefined ? JSON.stringify(s.event.output) : ''))
          .join(' > ')}`;
      for (let i = 1; i < path.steps.length; i++) {
        const { event, state: expected } = path.steps[i];
        actor.send(event);
        sent++;
        const snapshot = actor.getSnapshot();
        // Compared as strings first: building 36k assertion messages would dominate the runtime.
        if (serializeState(snapshot) !== serializeState(expected)) {
          expect(snapshot.value, where(i)).toEqual(expected.value);
          expect(withoutSeq(snapshot.context), where(i)).toEqual(withoutSeq(expected.context));
        }
      }
      const last = path.steps.length - 1;
      const snapshot = actor.getSnapshot();
      expect(snapshot.value).toEqual(path.state.value);
      expect(withoutSeq(snapshot.context)).toEqual(withoutSeq(path.state.context));
      expect(snapshot.status).toBe(path.state.status);

      // `_seq` counts step entries (the initial one included); the running child carries it.
      const stepEntries = 1 + path.steps.slice(1).filter((s) => isStep(s.state.value)).length;
      if (snapshot.context._seq !== stepEntries) expect(snapshot.context._seq, where(last)).toBe(stepEntries);
      if (isStep(snapshot.value)) {
        const input = childInput(actor, snapshot.value);
        expect(input.stepId).toBe(snapshot.value);
        expect(input.attemptId).toBe(`${snapshot.value}#${snapshot.context._seq}`);
        expect(input.timeoutMs).toBe(stateNode(snapshot.value).meta.timeoutMs);
      } else {
        expect(Object.keys(snapshot.children)).toEqual([]);
      }
      actor.stop();
    }
    console.log(`[machine-paths] replayed ${paths.length} paths (${sent} events) in ${Date.now() - started} ms`);
    expect(actorErrors).toEqual([]);
  }, 30_000);
});

describe('termination', () => {
  it('every reachable state can reach a final state (reverse search over the adjacency map)', () => {
    const reverse = new Map<string, Set<string>>();
    for (const [key, { transitions }] of Object.entries(adjacency)) {
      for (const { state } of Object.values(transitions)) {
        const next = serializeState(state);
        expect(adjacency[next], `successor of ${key} is in the map`).toBeDefined();
        if (!reverse.has(next)) reverse.set(next, new Set());
        reverse.get(next)!.add(key);
      }
    }
    const finals = Object.keys(adjacency).filter((k) => adjacency[k].state.status === 'done');
    expect(new Set(finals.map((k) => adjacency[k].state.value))).toEqual(
      new Set(TOP_LEVEL_STATES.filter((s) => stateNode(s).type === 'final')),
    );
    // Final snapshots have no way out.
    for (const k of finals) expect(Object.values(adjacency[k].transitions)).toEqual([]);

    const reaches = new Set(finals);
    const queue = [...finals];
    while (queue.length) {
      for (const prev of reverse.get(queue.shift()!) ?? []) {
        if (!reaches.has(prev)) {
          reaches.add(prev);
          queue.push(prev);
        }
      }
    }
    const stuck = Object.keys(adjacency).filter((k) => !reaches.has(k));
    expect(stuck).toEqual([]);
  });

  it('statically (toDirectedGraph) every state node is reachable and has a path to a final node', () => {
    const graph = toDirectedGraph(machine);
    const nodes: DirectedGraphNode[] = [];
    const collect = (n: DirectedGraphNode) => {
      nodes.push(n);
      n.children.forEach(collect);
    };
    graph.children.forEach(collect);
    const ids = nodes.map((n) => n.id);
    expect(ids.length).toBe(TOP_LEVEL_STATES.length);

    const forward = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
    const backward = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
    for (const node of nodes) {
      for (const edge of node.edges) {
        forward.get(edge.source.id)!.add(edge.target.id);
        backward.get(edge.target.id)!.add(edge.source.id);
      }
    }
    const search = (from: string[], edges: Map<string, Set<string>>) => {
      const seen = new Set(from);
      const queue = [...from];
      while (queue.length) for (const n of edges.get(queue.shift()!) ?? []) if (!seen.has(n)) (seen.add(n), queue.push(n));
      return seen;
    };
    const finals = nodes.filter((n) => n.stateNode.type === 'final').map((n) => n.id);
    expect(finals.length).toBeGreaterThan(0);
    const canFinish = search(finals, backward);
    expect(ids.filter((id) => !canFinish.has(id))).toEqual([]);

    const initial = machine.root.initial.target[0].id;
    const reachable = search([initial], forward);
    expect(ids.filter((id) => !reachable.has(id))).toEqual([]);
  });
});

describe('meta and safety structure', () => {
  it('every step state carries complete step meta; only abandonKey is destructive, and it is not idempotent', () => {
    const invoking = TOP_LEVEL_STATES.filter((s) => stateNode(s).invoke.length > 0);
    expect(invoking.sort()).toEqual([...STEP_IDS].sort());
    for (const id of STEP_IDS) {
      const node = stateNode(id);
      expect(node.invoke.map((i: any) => [i.id, i.src])).toEqual([[id, id]]);
      const meta = node.meta;
      expect(meta?.kind, id).toBe('step');
      expect(typeof meta.title === 'string' && meta.title.trim().length > 0, `${id}.title`).toBe(true);
      expect(Array.isArray(meta.instructions) && meta.instructions.length > 0, `${id}.instructions`).toBe(true);
      expect(meta.instructions.every((l: unknown) => typeof l === 'string' && l.trim().length > 0), `${id}.instructions`).toBe(true);
      expect(Array.isArray(meta.commands), `${id}.commands`).toBe(true);
      expect(typeof meta.destructive, `${id}.destructive`).toBe('boolean');
      expect(typeof meta.idempotent, `${id}.idempotent`).toBe('boolean');
      expect(meta.runners === undefined || (Array.isArray(meta.runners) && meta.runners.length > 0), `${id}.runners`).toBe(true);
      expect(Number.isInteger(meta.maxAttempts) && meta.maxAttempts >= 1, `${id}.maxAttempts`).toBe(true);

      const decision = stateNode(`${id}Failed`);
      expect(decision?.meta).toMatchObject({ kind: 'decision', stepId: id });
      expect(Object.keys(decision.on).sort()).toEqual(meta.skippable ? ['ABORT', 'RETRY', 'SKIP'] : ['ABORT', 'RETRY']);
    }
    const destructive = STEP_IDS.filter((id) => stateNode(id).meta.destructive);
    expect(destructive).toEqual(['abandonKey']);
    expect(stateNode('abandonKey').meta.idempotent).toBe(false);

    expect(stateNode('confirmAbandon').meta).toMatchObject({ kind: 'prompt', prompt: { type: 'typed-confirm', event: 'CONFIRM', cancelEvent: 'CANCEL' } });
    for (const s of TOP_LEVEL_STATES.filter((s) => stateNode(s).type === 'final')) {
      expect(stateNode(s).meta?.kind, s).toBe('final');
    }
    // Every state is a step, a decision, the confirmation prompt or a final state.
    const classified = TOP_LEVEL_STATES.filter(
      (s) => isStep(s) || decisionOf(s) || s === 'confirmAbandon' || stateNode(s).type === 'final',
    );
    expect(classified).toEqual(TOP_LEVEL_STATES);
  });

  it('on every generated path, abandonKey comes after an accepted confirmation and a key-unreadable diagnosis', () => {
    let checked = 0;
    for (const path of paths) {
      const at = path.steps.findIndex((s) => s.state.value === 'abandonKey');
      if (at < 0) continue;
      checked++;
      const before = path.steps.slice(1, at + 1);
      const confirmed = before.some(
        (s, i) =>
          s.event.type === 'CONFIRM' &&
          path.steps[i].state.value === 'confirmAbandon' && // the state the event was sent in
          s.state.value === 'stopService' &&
          String(s.event.typed).toLowerCase() === SERVER.toLowerCase(),
      );
      expect(confirmed, eventsOf(path).map((e) => e.type).join(' > ')).toBe(true);
      // stopService ran (and succeeded) between the confirmation and abandonKey.
      expect(path.steps[at - 1].state.value).toBe('stopService');
      expect(path.steps[at].event.type).toBe('xstate.done.actor.stopService');

      const diagnoses = before.filter((s) => s.event.type === 'xstate.done.actor.detect').map((s) => s.event.output.classification);
      expect(diagnoses.length).toBeGreaterThan(0);
      expect(diagnoses.at(-1)).toBe('key-unreadable');
      diagnoses.forEach((c: string, i: number) => {
        if (['healthy', 'logon-failure', 'localdb-full'].includes(c)) expect(i).toBeLessThan(diagnoses.length - 1);
      });
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('over the whole state graph, abandonKey is unreachable without an accepted confirmation or after a non-key diagnosis', () => {
    const next = (key: string, skip: (from: any, event: any, to: any) => boolean) =>
      Object.values(adjacency[key].transitions)
        .filter(({ event, state }) => !skip(adjacency[key].state, event, state))
        .map(({ state }) => serializeState(state));
    const reach = (from: string[], skip: (from: any, event: any, to: any) => boolean) => {
      const seen = new Set(from);
      const queue = [...from];
      while (queue.length) for (const n of next(queue.shift()!, skip)) if (!seen.has(n)) (seen.add(n), queue.push(n));
      return seen;
    };
    const abandonKeys = Object.keys(adjacency).filter((k) => adjacency[k].state.value === 'abandonKey');
    expect(abandonKeys.length).toBeGreaterThan(0);
    const initial = serializeState(machine.getInitialSnapshot({ self: undefined, logger: () => {}, defer: () => {}, system: undefined, emit: () => {}, actionExecutor: () => {}, stopChild: () => {} } as any));
    expect(adjacency[initial]).toBeDefined();

    // Cut the accepted confirmations: abandonKey must become unreachable.
    const withoutConfirm = reach([initial], (from, event, to) => from.value === 'confirmAbandon' && to.value !== 'confirmAbandon' && event.type === 'CONFIRM');
    expect(abandonKeys.filter((k) => withoutConfirm.has(k))).toEqual([]);
    // A wrong server name is never accepted.
    for (const k of Object.keys(adjacency).filter((k) => adjacency[k].state.value === 'confirmAbandon')) {
      expect(adjacency[k].transitions[JSON.stringify({ type: 'CONFIRM', typed: 'wrong' })].state.value).toBe('confirmAbandon');
    }

    // After a healthy / logon-failure / localdb-full diagnosis, abandonKey needs a new detect first.
    for (const [key, { state, transitions }] of Object.entries(adjacency)) {
      if (state.value !== 'detect') continue;
      for (const { event, state: to } of Object.values(transitions)) {
        if (!['healthy', 'logon-failure', 'localdb-full'].includes(event.output?.classification)) continue;
        const seen = reach([serializeState(to)], (_from, _event, target) => target.value === 'detect');
        expect(abandonKeys.filter((k) => seen.has(k)), `${key} + ${event.output.classification}`).toEqual([]);
      }
    }
  });

  it('a healthy diagnosis leads straight to the final state nothingToDo, with no other step', () => {
    let detectStates = 0;
    for (const { state, transitions } of Object.values(adjacency)) {
      if (state.value !== 'detect') continue;
      detectStates++;
      const healthy = transitions[JSON.stringify(done('detect', outputsOf('detect')[CLASSIFICATIONS.indexOf('healthy')]))];
      expect(healthy.state.value).toBe('nothingToDo');
      expect(healthy.state.status).toBe('done');
    }
    expect(detectStates).toBeGreaterThan(1); // the initial detect and those after a fixed logon
    const healthyPaths = paths.filter((p) => eventsOf(p).some((e) => e.type === 'xstate.done.actor.detect' && e.output.classification === 'healthy'));
    expect(healthyPaths.length).toBeGreaterThan(0);
    for (const p of healthyPaths) {
      const evs = eventsOf(p);
      expect(evs.at(-1).output?.classification).toBe('healthy');
      expect(p.state.value).toBe('nothingToDo');
    }
    const direct = paths.find((p) => p.state.value === 'nothingToDo' && p.steps.length === 2);
    expect(direct).toBeDefined();

    const actor = startActor();
    const snapshot = send(actor, done('detect', { classification: 'healthy', server: SERVER, staleConnectors: [] }));
    expect(snapshot.value).toBe('nothingToDo');
    expect(snapshot.status).toBe('done');
    expect(snapshot.context._seq).toBe(1); // no step was entered after detect
    expect(snapshot.getMeta()[`${machine.id}.nothingToDo`]).toMatchObject({ kind: 'final', outcome: 'nothing-to-do' });
  });
});

describe('domain routing on a real actor', () => {
  it('loops over three connectors with a new attempt id each time, in list order', () => {
    const connectors = ['contoso.com', 'fabrikam.com', 'tailspin.com'];
    const actor = startActor();
    const entries: Array<{ attemptId: string; connector: unknown }> = [];
    actor.subscribe((s) => {
      if (s.value === 'connectorPassword') {
        const input = s.children.connectorPassword?.getSnapshot().input;
        if (input && entries.at(-1)?.attemptId !== input.attemptId) entries.push({ attemptId: input.attemptId, connector: input.params.connector });
      }
    });
    let snapshot = runToConnectors(actor, connectors);
    expect(snapshot.value).toBe('connectorPassword');
    expect(snapshot.context.pending).toEqual(connectors);
    for (let i = 0; i < connectors.length; i++) {
      expect(actor.getSnapshot().value).toBe('connectorPassword');
      const input = childInput(actor, 'connectorPassword');
      expect(input.params).toEqual({ connector: connectors[i], remaining: connectors.slice(i) });
      expect(input.secrets).toEqual([
        { id: `adds-password:${connectors[i]}`, label: `AD DS connector account password for ${connectors[i]}`, kind: 'password' },
      ]);
      snapshot = send(actor, done('connectorPassword', null));
    }
    expect(entries.map((e) => e.connector)).toEqual(connectors);
    expect(new Set(entries.map((e) => e.attemptId)).size).toBe(3);
    expect(snapshot.value).toBe('restartService');
    expect(snapshot.context.pending).toEqual([]);
    expect(snapshot.context.connectors).toEqual(connectors);
    actor.stop();
  });

  it('a verify result failing one connector after a three-connector run goes back to that connector only', () => {
    const connectors = ['contoso.com', 'fabrikam.com', 'tailspin.com'];
    const actor = startActor();
    runToConnectors(actor, connectors);
    send(actor, ...connectors.map(() => done('connectorPassword', null)));
    let snapshot = send(actor, done('restartService', null));
    expect(snapshot.value).toBe('reinitEntra'); // ServiceAccount identity: the Entra account is reset
    snapshot = send(actor, done('reinitEntra', {}), done('startAfterReinit', null));
    expect(snapshot.value).toBe('verify');
    const before = snapshot.context._seq;

    snapshot = send(actor, done('verify', { failingAdConnectors: ['fabrikam.com'], entraFailing: false }));
    expect(snapshot.value).toBe('connectorPassword');
    expect(snapshot.context.pending).toEqual(['fabrikam.com']);
    expect(snapshot.context.verifyRounds).toBe(1);
    expect(snapshot.context.entraDone).toBe(true);
    const input = childInput(actor, 'connectorPassword');
    expect(input.params).toEqual({ connector: 'fabrikam.com', remaining: ['fabrikam.com'] });
    expect(input.attemptId).toBe(`connectorPassword#${before + 1}`);

    // One connector fixed: restart, no second Entra reset (already done), verify again.
    snapshot = send(actor, done('connectorPassword', null), done('restartService', null));
    expect(snapshot.value).toBe('verify');
    snapshot = send(actor, done('verify', { failingAdConnectors: [], entraFailing: false }));
    expect(snapshot.value).toBe('done');
    expect(snapshot.status).toBe('done');
    actor.stop();
  });

  it('a retry of a failed step re-enters it with a new attempt id, keeping its params', () => {
    const actor = startActor();
    runToConnectors(actor, ['contoso.com', 'fabrikam.com']);
    send(actor, done('connectorPassword', null));
    const first = childInput(actor, 'connectorPassword');
    expect(first.params).toEqual({ connector: 'fabrikam.com', remaining: ['fabrikam.com'] });
    let snapshot = send(actor, fail('connectorPassword'));
    expect(snapshot.value).toBe('connectorPasswordFailed');
    expect(snapshot.context._failures).toBe(1);
    snapshot = send(actor, { type: 'RETRY' });
    expect(snapshot.value).toBe('connectorPassword');
    const second = childInput(actor, 'connectorPassword');
    expect(second.attemptId).not.toBe(first.attemptId);
    expect(second.params).toEqual(first.params);
    snapshot = send(actor, done('connectorPassword', null));
    expect(snapshot.value).toBe('restartService');
    expect(snapshot.context._failures).toBe(0);
    actor.stop();
  });

  it('for every step, RETRY is allowed after fewer than meta.maxAttempts failures and refused after that', () => {
    for (const id of STEP_IDS) {
      const { maxAttempts, skippable } = stateNode(id).meta;
      const path = paths
        .filter((p) => p.state.value === id && p.state.context._failures === 0)
        .sort((a, b) => a.steps.length - b.steps.length)[0];
      expect(path, `a path to ${id}`).toBeDefined();
      const actor = startActor();
      send(actor, ...eventsOf(path));
      expect(actor.getSnapshot().value).toBe(id);
      const attempts = new Set<string>([childInput(actor, id).attemptId]);
      for (let failures = 1; failures <= maxAttempts; failures++) {
        const snapshot = send(actor, fail(id));
        expect(snapshot.value).toBe(`${id}Failed`);
        expect(snapshot.context._failures).toBe(failures);
        expect(snapshot.can({ type: 'ABORT' })).toBe(true);
        expect(snapshot.can({ type: 'SKIP', reason: 'r' }), `${id} SKIP`).toBe(Boolean(skippable));
        expect(snapshot.can({ type: 'RETRY' }), `${id} after ${failures} failure(s)`).toBe(failures < maxAttempts);
        if (failures < maxAttempts) {
          send(actor, { type: 'RETRY' });
          expect(actor.getSnapshot().value).toBe(id);
          attempts.add(childInput(actor, id).attemptId);
        }
      }
      expect(attempts.size, `${id}: one attempt id per attempt`).toBe(maxAttempts);
      // A refused RETRY changes nothing; ABORT ends the run.
      expect(send(actor, { type: 'RETRY' }).value).toBe(`${id}Failed`);
      expect(send(actor, { type: 'ABORT' }).value).toBe('aborted');
      actor.stop();
    }
    expect(stateNode('abandonKey').meta.maxAttempts).toBe(2);
  });

  it('after the verify rounds are exhausted, RETRY of verify is bounded by maxAttempts', () => {
    // Three rounds of failing connectors exhaust verify; each further failing verify counts as a
    // failure of the step, so the "at most N attempts" bound of verifyFailed applies.
    const actor = startActor();
    runToConnectors(actor, ['contoso.com']);
    send(actor, done('connectorPassword', null), done('restartService', null), done('reinitEntra', {}), done('startAfterReinit', null));
    const failing = { failingAdConnectors: ['contoso.com'], entraFailing: false };
    for (let round = 1; round <= 3; round++) {
      send(actor, done('verify', failing));
      expect(actor.getSnapshot().context.verifyRounds).toBe(round);
      send(actor, done('connectorPassword', null), done('restartService', null));
      expect(actor.getSnapshot().value).toBe('verify');
    }
    const maxAttempts = stateNode('verify').meta.maxAttempts;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const snapshot = send(actor, done('verify', failing));
      expect(snapshot.value).toBe('verifyFailed');
      expect(snapshot.context._lastError).toMatchObject({ stepId: 'verify', category: 'still-failing' });
      expect(snapshot.context._failures).toBe(attempt);
      expect(snapshot.can({ type: 'RETRY' })).toBe(attempt < maxAttempts);
      if (attempt < maxAttempts) send(actor, { type: 'RETRY' });
    }
    expect(send(actor, { type: 'ABORT' }).value).toBe('aborted');
    actor.stop();
  });
});
