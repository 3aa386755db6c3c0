import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HintReplayReport } from '../../../lib';
import { HintReplayScheduler } from '../../../lib/repair/hintReplayScheduler';
import { IMMEDIATE_MS } from '../../support/fakeReplicaSet';

/**
 * A scripted `replayHints`: each call is recorded with the fake time it started at, and settles `replyAfterMs` later
 * with the next scripted status (`down` once the script is spent).
 */
class ScriptedReplays {
  readonly calls: { readonly target: string; readonly at: number }[] = [];
  private readonly statuses: HintReplayReport['status'][];

  constructor(
    statuses: readonly HintReplayReport['status'][],
    private readonly replyAfterMs = 0,
  ) {
    this.statuses = [...statuses];
  }

  readonly replay = async (target: string): Promise<HintReplayReport> => {
    this.calls.push({ target, at: Date.now() });
    const status = this.statuses.shift() ?? 'down';
    if (this.replyAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, this.replyAfterMs));
    return { target, status, keys: 0, repaired: 0 };
  };

  /** When each attempt started (fake ms). */
  get times(): number[] {
    return this.calls.map((call) => call.at);
  }
}

const TIMING = { firstDelayMs: 100, maxDelayMs: 400 };

describe('Class: HintReplayScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('Method: schedule', () => {
    it('replays after the first delay and stops once no hint remains', async () => {
      // Prepare
      const replays = new ScriptedReplays(['replayed']);
      const scheduler = new HintReplayScheduler(replays.replay, TIMING);

      // Act
      scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess
      expect(replays.calls).toEqual([{ target: 'c', at: 100 }]);
      expect(scheduler.pending).toEqual([]);
    });

    it('retries while the replica is down, the wait doubling up to its longest, until the hints are gone', async () => {
      // Prepare
      const replays = new ScriptedReplays(['down', 'down', 'down', 'down', 'replayed']);
      const scheduler = new HintReplayScheduler(replays.replay, TIMING);

      // Act
      scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess: waits of 100, 100, 200, 400, 400 ms.
      expect(replays.times).toEqual([100, 200, 400, 800, 1_200]);
      expect(scheduler.pending).toEqual([]);
    });

    it('keeps one loop per replica however many hints are recorded meanwhile', async () => {
      // Prepare
      const replays = new ScriptedReplays(['down', 'replayed', 'replayed']);
      const scheduler = new HintReplayScheduler(replays.replay, TIMING);

      // Act
      for (let i = 0; i < 5; i += 1) scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(150);
      scheduler.schedule('c');
      scheduler.schedule('d');
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess
      expect(replays.calls).toEqual([
        { target: 'c', at: 100 },
        { target: 'c', at: 200 },
        { target: 'd', at: 250 },
      ]);
    });

    it('runs once more when a hint is recorded while a replay runs, which may not have seen it', async () => {
      // Prepare: each replay takes 50 ms.
      const replays = new ScriptedReplays(['replayed', 'replayed'], 50);
      const scheduler = new HintReplayScheduler(replays.replay, TIMING);
      scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(120);

      // Act
      scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess
      expect(replays.times).toEqual([100, 250]);
      expect(scheduler.pending).toEqual([]);
    });

    it('replays at once when the replica reconnects, instead of after the wait', async () => {
      // Prepare: the replica is down, and the loop waits 400 ms before its next attempt.
      const replays = new ScriptedReplays(['down', 'down', 'down', 'replayed']);
      const scheduler = new HintReplayScheduler(replays.replay, TIMING);
      scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(450);

      // Act
      scheduler.schedule('c', { now: true });
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess
      expect(replays.times).toEqual([100, 200, 400, 450]);
    });

    it('retries at once when the replica reconnected while a replay that failed was running', async () => {
      // Prepare: a replay that takes 50 ms, and fails.
      const replays = new ScriptedReplays(['down', 'replayed'], 50);
      const scheduler = new HintReplayScheduler(replays.replay, TIMING);
      scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(120);

      // Act
      scheduler.schedule('c', { now: true });
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess: at once, as soon as the failed replay ended (a zero wait runs one fake tick later).
      expect(replays.times).toEqual([100, 150 + IMMEDIATE_MS]);
    });

    it('counts a replay that rejected as down, and retries it', async () => {
      // Prepare
      let calls = 0;
      const scheduler = new HintReplayScheduler(async (target) => {
        calls += 1;
        if (calls === 1) throw new Error('connection closed');
        return { target, status: 'replayed', keys: 1, repaired: 1 };
      }, TIMING);

      // Act
      scheduler.schedule('c');
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess
      expect(calls).toBe(2);
      expect(scheduler.pending).toEqual([]);
    });

    it('never keeps a process alive: its timers are unref()ed', () => {
      // Prepare
      const timers: NodeJS.Timeout[] = [];
      const setTimeoutOf = globalThis.setTimeout;
      const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
        const timer = setTimeoutOf(...args);
        timers.push(timer);
        return timer;
      }) as typeof setTimeout);
      const scheduler = new HintReplayScheduler(new ScriptedReplays([]).replay, TIMING);

      // Act
      scheduler.schedule('c');
      spy.mockRestore();

      // Assess
      expect(timers).toHaveLength(1);
      expect(timers[0]!.hasRef()).toBe(false);
      scheduler.close();
    });
  });

  describe('Method: close', () => {
    it('cancels every pending loop, and a replay in flight starts no other', async () => {
      // Prepare: 'c' waits for its first attempt; 'd' is replaying (50 ms) and will fail.
      const replays = new ScriptedReplays(['down'], 50);
      const scheduler = new HintReplayScheduler(replays.replay, TIMING);
      scheduler.schedule('d');
      await vi.advanceTimersByTimeAsync(120);
      scheduler.schedule('c');

      // Act
      scheduler.close();
      scheduler.schedule('e');
      await vi.advanceTimersByTimeAsync(10_000);

      // Assess
      expect(replays.calls).toEqual([{ target: 'd', at: 100 }]);
      expect(scheduler.pending).toEqual([]);
    });
  });
});
