import { Coordinator, loadConfig, type ReadStrategy } from '../../../lib';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import { closedLoop, compareInterleaved, type Variant } from '../loop';
import { rowsFrom, type Row } from '../results';
import { mastersOfRun, ServerWatch } from '../serverLoad';
import { populate } from '../workload';

/** The variants compared: level-one reads asking every replica at once, and hedged. */
export const RACE_READ = 'level one, race';
export const HEDGED_READ = 'level one, hedged';

/** The results table's group of the hedged-read comparison, healthy or with one node hung. */
export function hedgedGroup(state: 'healthy' | 'one node hung'): string {
  return `hedged reads, 1 in flight, ${state}`;
}

/** How long each variant runs alone while the servers' commands are counted. */
const COUNT_MS = 1_000;

/**
 * Hedged against race level-one reads at 1 in flight, interleaved in one run, healthy and then with the last node
 * frozen (SIGSTOP): latency from the interleaved slices, and replica commands per read (`INFO commandstats` deltas
 * summed over every server, this bench's own `INFO` left out) from each variant run alone for a second, since the
 * interleaved slices share the servers; with the node hung, over the two live ones. Each strategy has its own coordinator (its own container: its own latency
 * record and breakers), warmed up before it is measured.
 */
export async function hedgedReadsScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings, cluster, work } = context;
  const coordinatorFor = (strategy: ReadStrategy): Coordinator => new Coordinator(loadConfig({ ...coordinatorEnv(context), READ_STRATEGY: strategy }));
  const race = coordinatorFor('race');
  const hedged = coordinatorFor('hedged');
  const victim = cluster.nodes[0]!;
  const masters = mastersOfRun(cluster);
  // A frozen server answers no INFO: while it is hung, only the others are counted (it runs nothing meanwhile).
  const healthyWatch = new ServerWatch(masters);
  const hungWatch = new ServerWatch(masters.filter((master) => master.port !== victim.port));
  const variants: Variant[] = [
    { name: RACE_READ, operation: (i) => race.get(work.key(i)) },
    { name: HEDGED_READ, operation: (i) => hedged.get(work.key(i)) },
  ];
  const options = { concurrency: 1, warmupMs: settings.warmupMs, durationMs: settings.durationMs, rounds: settings.rounds };
  const commandsPerRead = async (variant: Variant, watch: ServerWatch): Promise<number> => {
    const before = await watch.snapshot();
    const { ops } = await closedLoop(variant.operation, 1, COUNT_MS);
    const after = await watch.snapshot();
    const calls = ServerWatch.load(watch.masters, before, after).reduce((total, master) => total + master.calls, 0);
    return calls / ops;
  };
  try {
    await populate(work.keys, (key) => race.set(key, work.value, { consistency: 'all' }));
    const rows: Row[] = [];
    for (const state of ['healthy', 'one node hung'] as const) {
      if (state === 'one node hung') {
        context.log(`hedged reads: ${victim.url} stopped`);
        victim.pause();
      }
      context.log(`hedged reads: ${state}, race and hedged interleaved at 1 in flight`);
      const results = await compareInterleaved(variants, options);
      const notes: Record<string, string> = {};
      for (const variant of variants) {
        const perRead = await commandsPerRead(variant, state === 'healthy' ? healthyWatch : hungWatch);
        notes[variant.name] = `replica commands per read: ${perRead.toFixed(2)}${state === 'healthy' ? '' : ' (on the two live nodes)'}`;
      }
      rows.push(...rowsFrom('hedged-reads', hedgedGroup(state), results, RACE_READ, notes));
    }
    return { rows };
  } finally {
    victim.resume();
    healthyWatch.close();
    hungWatch.close();
    await race.close();
    await hedged.close();
  }
}

/** The replica commands per read a row's note carries (see {@link hedgedReadsScenario}), or undefined. */
export function commandsPerReadOf(row: Pick<Row, 'note'> | undefined): number | undefined {
  const match = /replica commands per read: ([\d.]+)/.exec(row?.note ?? '');
  return match === null ? undefined : Number(match[1]);
}
