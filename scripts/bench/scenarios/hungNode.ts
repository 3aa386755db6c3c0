import { Coordinator, loadConfig } from '../../../lib';
import { LatencyHistogram } from '../../../tools/latencyHistogram';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import { closedLoop, type VariantResult } from '../loop';
import { rowsFrom, type Row } from '../results';
import { populate } from '../workload';

/** Requests in flight while a node hangs. */
export const HUNG_CONCURRENCY = 64;
/** The phases of the hung-node run, each measured on its own. */
export const PHASES = ['before', 'fault starts', 'during', 'recovering', 'after'] as const;
type Phase = (typeof PHASES)[number];

/** The results table's group for an operation during the hung-node run. */
export function hungGroup(operation: 'set' | 'get'): string {
  return `hung node: ${operation}`;
}

/**
 * Scenario 4: one coordinator under steady load (64 in flight, half writes, half reads) while one of the three nodes
 * is frozen with SIGSTOP and later woken with SIGCONT. Latencies are split by when each operation started:
 * `before` the fault, its first `faultSettleMs` (`fault starts`: the time a circuit breaker needs to open),
 * `during` (the rest of the fault), the first `faultSettleMs` after SIGCONT (`recovering`), and `after`.
 */
export async function hungNodeScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings, cluster, work } = context;
  const coordinator = new Coordinator(loadConfig(coordinatorEnv(context)));
  const victim = cluster.nodes[cluster.nodes.length - 1]!;
  const phaseMs = settings.faultPhaseMs;
  const faultMs = Math.round(phaseMs * 1.5);
  const settleMs = settings.faultSettleMs;
  const faultAt = phaseMs;
  const resumeAt = phaseMs + faultMs;
  const total = resumeAt + phaseMs;
  const phaseOf = (at: number): Phase =>
    at < faultAt ? 'before' : at < faultAt + settleMs ? 'fault starts' : at < resumeAt ? 'during' : at < resumeAt + settleMs ? 'recovering' : 'after';

  const stats = {
    set: new Map(PHASES.map((phase) => [phase, { latency: new LatencyHistogram(), ok: 0, errors: 0 }])),
    get: new Map(PHASES.map((phase) => [phase, { latency: new LatencyHistogram(), ok: 0, errors: 0 }])),
  };
  try {
    await populate(work.keys, (key) => coordinator.set(key, work.value));
    context.log(`hung node: warm-up`);
    await closedLoop((i) => (i % 2 === 0 ? coordinator.set(work.key(i), work.value) : coordinator.get(work.key(i))), HUNG_CONCURRENCY, settings.warmupMs);

    context.log(`hung node: ${phaseMs} ms healthy, ${faultMs} ms with ${victim.url} stopped, ${phaseMs} ms after`);
    const pause = setTimeout(() => victim.pause(), faultAt);
    const resume = setTimeout(() => victim.resume(), resumeAt);
    try {
      await closedLoop(
        (i) => (i % 2 === 0 ? coordinator.set(work.key(i), work.value) : coordinator.get(work.key(i))),
        HUNG_CONCURRENCY,
        total,
        (at, ms, ok, i) => {
          const bucket = stats[i % 2 === 0 ? 'set' : 'get'].get(phaseOf(at))!;
          if (ok) {
            bucket.ok += 1;
            bucket.latency.recordMs(ms);
          } else bucket.errors += 1;
        },
      );
    } finally {
      clearTimeout(pause);
      clearTimeout(resume);
      victim.resume();
    }

    const rows: Row[] = [];
    for (const kind of ['set', 'get'] as const) {
      const results: VariantResult[] = PHASES.map((phase) => {
        const bucket = stats[kind].get(phase)!;
        const lengthMs = phase === 'before' ? faultAt : phase === 'fault starts' || phase === 'recovering' ? settleMs : phase === 'during' ? faultMs - settleMs : phaseMs - settleMs;
        return { name: phase, concurrency: HUNG_CONCURRENCY, opsPerSec: (bucket.ok / lengthMs) * 1_000, errors: bucket.errors, latency: bucket.latency };
      });
      rows.push(...rowsFrom('hung-node', hungGroup(kind), results, 'before'));
    }
    return { rows };
  } finally {
    victim.resume();
    await coordinator.close();
  }
}
