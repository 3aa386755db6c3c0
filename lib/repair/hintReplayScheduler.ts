import type { HintReplayReport } from '../core/results';

/** When a scheduled replay is attempted. */
export interface HintReplayTiming {
  /** Wait before the first attempt once a hint was recorded, and before the first retry. @default 100 */
  readonly firstDelayMs: number;
  /** Longest wait between two attempts while the replica stays down: the wait doubles up to it. @default 2000 */
  readonly maxDelayMs: number;
}

/** A blip is caught up within 0.1 s, a long outage within 2 s of its end. */
export const HINT_REPLAY_TIMING: HintReplayTiming = { firstDelayMs: 100, maxDelayMs: 2_000 };

/** Replays the hints of one replica (`Coordinator.replayHints`); may reject, which counts as `down`. */
export type ReplayHintsOf = (target: string) => Promise<HintReplayReport>;

/** The state of one replica's loop; `again` and `reconnected` tell what happened while a replay ran. */
interface ReplayLoop {
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  again: boolean;
  reconnected: boolean;
  delayMs: number;
}

/**
 * Replays hints in the background of the process that recorded them, until they are gone: at most one loop per
 * replica, retried with a doubling wait while the replica is down, ended once a replay reports none left. A replica
 * that is paused (SIGSTOP, a long GC) keeps its connections, so nobody sees it reconnect, and without a repair
 * function nothing else would replay its hints before anti-entropy. A hint recorded during a replay runs the loop
 * once more; a reconnect retries a failed one at once. Timers are `unref()`ed (a frozen container's fire on thaw).
 */
export class HintReplayScheduler {
  private readonly loops = new Map<string, ReplayLoop>();
  private closed = false;

  constructor(
    private readonly replay: ReplayHintsOf,
    private readonly timing: HintReplayTiming = HINT_REPLAY_TIMING,
  ) {}

  /**
   * Makes sure the hints of `target` get replayed: starts its loop (first attempt after `firstDelayMs`) unless one
   * is pending. `now` (a reconnect: the replica is back) runs a waiting loop at once instead of after its wait.
   */
  schedule(target: string, { now = false }: { readonly now?: boolean } = {}): void {
    if (this.closed) return;
    const loop = this.loops.get(target);
    if (loop === undefined) {
      const started: ReplayLoop = { timer: undefined, running: false, again: false, reconnected: false, delayMs: this.timing.firstDelayMs };
      this.loops.set(target, started);
      this.wait(target, started, now ? 0 : this.timing.firstDelayMs);
    } else if (loop.running) {
      loop.again = true;
      loop.reconnected ||= now;
    } else if (now) {
      clearTimeout(loop.timer);
      loop.delayMs = this.timing.firstDelayMs;
      this.wait(target, loop, 0);
    }
  }

  /** The replicas whose loop is pending (waiting or replaying). */
  get pending(): readonly string[] {
    return [...this.loops.keys()];
  }

  /** Stops every loop: pending waits are cancelled, and a replay in flight finishes without starting another. */
  close(): void {
    this.closed = true;
    for (const loop of this.loops.values()) clearTimeout(loop.timer);
    this.loops.clear();
  }

  private wait(target: string, loop: ReplayLoop, ms: number): void {
    loop.timer = setTimeout(() => {
      loop.timer = undefined;
      void this.attempt(target, loop);
    }, ms);
    loop.timer.unref();
  }

  private async attempt(target: string, loop: ReplayLoop): Promise<void> {
    if (this.closed) return;
    loop.running = true;
    loop.again = false;
    loop.reconnected = false;
    const replayed = await this.replay(target).then(
      (report) => report.status === 'replayed',
      () => false,
    );
    loop.running = false;
    if (this.closed || this.loops.get(target) !== loop) return;
    if (replayed && !loop.again) {
      this.loops.delete(target);
    } else if (replayed || loop.reconnected) {
      loop.delayMs = this.timing.firstDelayMs;
      this.wait(target, loop, replayed ? this.timing.firstDelayMs : 0);
    } else {
      this.wait(target, loop, loop.delayMs);
      loop.delayMs = Math.min(loop.delayMs * 2, this.timing.maxDelayMs);
    }
  }
}
