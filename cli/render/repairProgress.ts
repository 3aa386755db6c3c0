import type { AntiEntropyPage } from '../client/storeClient';
import { renderFields, renderTable } from './table';
import { formatCount, formatMs, printable } from './text';

/**
 * How far an anti-entropy pass run page by page (`qkv repair`) has got, summed over its runs. A pass walks the
 * replicas in order, each with SCAN, so it is as far as the replicas scanned through plus the share of the current
 * one scanned so far (its keys scanned against its DBSIZE). Replicas count equally: a replica being refilled by the
 * pass itself grows while it runs, so counting keys over all replicas would make the bar go back.
 */
export interface RepairProgress {
  /** Runs (one SCAN page each) so far. */
  readonly pages: number;
  /** Replica names in scan order, and how many keys each held at the latest run (null: did not answer). */
  readonly replicas: readonly { readonly node: string; readonly keys: number | null }[];
  /** Keys scanned per replica in this pass (SCAN may return a key twice). */
  readonly scanned: readonly number[];
  /** The replica the next page scans. */
  readonly node: number;
  readonly done: boolean;
  readonly passComplete: boolean;
  readonly stoppedBecause?: AntiEntropyPage['stoppedBecause'];
  readonly keysCompared: number;
  readonly keysScanned: number;
  readonly keysDiverged: number;
  readonly replicasRepaired: number;
  readonly hintsReplayed: number;
  readonly unreachable: readonly string[];
  /** The runs' own time, summed. */
  readonly ms: number;
  /** How much of the pass is done, 0–1, never going back; undefined when the server reports no key counts. */
  readonly share?: number;
}

/** Progress before the first page. */
export const NO_PROGRESS: RepairProgress = {
  pages: 0,
  replicas: [],
  scanned: [],
  node: 0,
  done: false,
  passComplete: false,
  keysCompared: 0,
  keysScanned: 0,
  keysDiverged: 0,
  replicasRepaired: 0,
  hintsReplayed: 0,
  unreachable: [],
  ms: 0,
};

/**
 * Adds one run's report. The run scanned one page of replica `startedAt.node` (qkv asks for a zero time budget,
 * which is exactly one SCAN batch); the pass is done when a run completes it or stops at an unreachable replica.
 */
export function advanceRepair(progress: RepairProgress, page: AntiEntropyPage): RepairProgress {
  const replicas = page.replicaKeys ?? progress.replicas;
  const scanned = Array.from({ length: Math.max(replicas.length, progress.scanned.length) }, (_, i) => progress.scanned[i] ?? 0);
  if (page.startedAt.node < scanned.length) scanned[page.startedAt.node]! += page.keysScanned ?? 0;
  const done = page.passComplete || page.stoppedBecause === 'unreachable';
  const next: RepairProgress = {
    pages: progress.pages + 1,
    replicas,
    scanned,
    node: page.stoppedAt.node,
    done,
    passComplete: page.passComplete,
    stoppedBecause: page.stoppedBecause,
    keysCompared: progress.keysCompared + page.keysCompared,
    keysScanned: progress.keysScanned + (page.keysScanned ?? 0),
    keysDiverged: progress.keysDiverged + page.keysDiverged,
    replicasRepaired: progress.replicasRepaired + page.replicasRepaired,
    hintsReplayed: progress.hintsReplayed + page.hintsReplayed,
    unreachable: [...new Set([...progress.unreachable, ...page.unreachable])],
    ms: progress.ms + page.ms,
  };
  const share = passShare(next);
  return share === undefined ? next : { ...next, share: Math.max(progress.share ?? 0, share) };
}

/** The replicas before the current one, plus the current one's keys scanned against its size (1 when complete). */
function passShare(progress: RepairProgress): number | undefined {
  if (progress.replicas.length === 0) return undefined;
  if (progress.passComplete) return 1;
  const current = currentReplicaKeys(progress);
  const within = current === undefined || current.keys === 0 ? 0 : Math.min(1, current.scanned / current.keys);
  return (progress.node + within) / progress.replicas.length;
}

/** The replica the pass is scanning: keys scanned of it so far, and how many it holds; undefined without counts. */
export function currentReplicaKeys(progress: RepairProgress): { scanned: number; keys: number } | undefined {
  const replica = progress.replicas[progress.node];
  if (replica === undefined || replica.keys === null) return undefined;
  return { scanned: Math.min(replica.keys, progress.scanned[progress.node] ?? 0), keys: replica.keys };
}

/** What a progress bar shows beside the bar: the replica being scanned, pages, and what was found. Pure. */
export function repairDetail(progress: RepairProgress): string {
  const replica = progress.replicas[progress.node];
  const where = progress.done
    ? progress.passComplete
      ? 'pass complete'
      : `stopped: ${progress.unreachable.map(printable).join(', ') || 'a replica'} unreachable`
    : replica === undefined
      ? `replica ${progress.node + 1}`
      : `replica ${progress.node + 1}/${progress.replicas.length} ${printable(replica.node)}${keysOfCurrent(progress)}`;
  return `${where} · page ${formatCount(progress.pages)} · ${formatCount(progress.keysCompared)} compared · ${formatCount(progress.keysDiverged)} diverged · ${formatCount(progress.replicasRepaired)} repaired`;
}

function keysOfCurrent(progress: RepairProgress): string {
  const current = currentReplicaKeys(progress);
  return current === undefined ? '' : ` (${formatCount(current.scanned)}/${formatCount(current.keys)} keys)`;
}

/** One line per page where no progress bar can be drawn (output not a terminal): percentage and detail. Pure. */
export function repairProgressLine(progress: RepairProgress): string {
  const share = progress.share === undefined ? '' : `${Math.floor(100 * progress.share)}% · `;
  return `repair ${share}${repairDetail(progress)}`;
}

/** The final report for people: the outcome, the counts, and each replica's size. Pure. */
export function renderRepairReport(progress: RepairProgress, wallMs: number): string {
  const outcome = progress.passComplete
    ? 'pass complete: every replica was scanned through'
    : progress.stoppedBecause === 'unreachable'
      ? `INCOMPLETE: could not scan, compare or repair ${progress.unreachable.map(printable).join(', ')}; the next run resumes there`
      : 'stopped before the pass completed; the next run resumes where it stopped';
  const fields = renderFields([
    ['outcome', outcome],
    ['pages', `${formatCount(progress.pages)} (one SCAN batch per invocation)`],
    ['keys compared', formatCount(progress.keysCompared)],
    ['keys diverged', formatCount(progress.keysDiverged)],
    ['copies repaired', formatCount(progress.replicasRepaired)],
    ['hints replayed', formatCount(progress.hintsReplayed)],
    ['time', `${formatMs(wallMs)} ms (${formatMs(progress.ms)} ms in the function)`],
  ]);
  if (progress.replicas.length === 0) return fields;
  const table = renderTable<{ node: string; keys: number | null; scanned: number }>(
    [
      { header: 'replica', cell: (row) => printable(row.node) },
      { header: 'keys', cell: (row) => (row.keys === null ? 'unreachable' : formatCount(row.keys)), align: 'right' },
      { header: 'scanned', cell: (row) => formatCount(row.scanned), align: 'right' },
    ],
    progress.replicas.map((replica, i) => ({ ...replica, scanned: progress.scanned[i] ?? 0 })),
  );
  return `${fields}\n\n${table}`;
}
