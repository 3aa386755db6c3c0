import { SingleBar } from 'cli-progress';
import type { AntiEntropyPage } from '../client/storeClient';
import { EXIT, type ExitCode } from '../exitCodes';
import { advanceRepair, NO_PROGRESS, renderRepairReport, repairDetail, repairProgressLine, type RepairProgress } from '../render/repairProgress';
import { printJson, println, type CommandContext } from './context';

/** Options of `qkv repair`. */
export interface RepairOptions {
  /** Continue the pass where the last run (scheduled or not) stopped, instead of starting a new one. */
  readonly resume: boolean;
  /** Keys per SCAN batch (page); the service's `ANTI_ENTROPY_BATCH` when absent. */
  readonly batch?: number;
  /** No progress on stderr. */
  readonly quiet: boolean;
}

/** The bar's scale: thousandths of a pass. */
const BAR_TOTAL = 1_000;

/** How the progress of a pass is shown: a bar on a terminal, else one line per page; nothing when quiet. */
interface ProgressView {
  update(progress: RepairProgress): void;
  stop(): void;
}

/**
 * `qkv repair`: one anti-entropy pass through the `antiEntropy` function, invoked page by page (a zero time budget
 * is one SCAN batch per invocation, the position saved on the replicas in between), so that progress can be shown
 * after every page: a cli-progress bar on a terminal (stderr), one line per page otherwise. Ends with a report
 * (or `--json`); exit 0 when the pass completed, 3 when a replica could not be scanned.
 */
export async function runRepair(context: CommandContext, options: RepairOptions): Promise<ExitCode> {
  const client = context.client();
  const started = performance.now();
  const view = progressView(context, options);
  let progress = NO_PROGRESS;
  try {
    while (!progress.done) {
      const page: AntiEntropyPage = await client.antiEntropy({
        ...(progress.pages === 0 && !options.resume ? { fromStart: true } : {}),
        budgetMs: 0,
        ...(options.batch === undefined ? {} : { batch: options.batch }),
      });
      progress = advanceRepair(progress, page);
      view.update(progress);
    }
  } finally {
    view.stop();
  }
  const wallMs = performance.now() - started;
  const { replicas: replicaKeys, scanned, node: _node, done: _done, share: _share, ...totals } = progress;
  if (context.json) printJson(context, { status: progress.passComplete ? 'OK' : 'FAIL', ...totals, replicaKeys, scannedPerReplica: scanned, wallMs });
  else println(context.stdout, renderRepairReport(progress, wallMs));
  return progress.passComplete ? EXIT.ok : EXIT.unavailable;
}

function progressView(context: CommandContext, options: RepairOptions): ProgressView {
  const { stderr } = context;
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  if (stderr.isTTY !== true || stderr.stream === undefined) {
    return { update: (progress) => println(stderr, repairProgressLine(progress)), stop: () => undefined };
  }
  const bar = new SingleBar({
    stream: stderr.stream,
    format: 'repair {bar} {percentage}% | {detail}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    fps: 10,
  });
  let started = false;
  return {
    update: (progress) => {
      // In thousandths of the pass; without key counts (an older server) it moves only when the pass is done.
      const value = progress.done ? BAR_TOTAL : Math.round((progress.share ?? 0) * BAR_TOTAL);
      if (!started) {
        bar.start(BAR_TOTAL, value, { detail: repairDetail(progress) });
        started = true;
      } else {
        bar.update(value, { detail: repairDetail(progress) });
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
