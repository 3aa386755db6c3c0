import { type Coordinator, QuorumNotReachedError, type WriteResult } from '../../lib';

/** One write the traffic made: its unique value, when it ran, and how it ended. */
export interface WriteRecord {
  readonly key: string;
  readonly value: string;
  readonly start: number;
  end: number;
  /** `ok`: acknowledged; `failed`: quorum missed and rolled back; `error`: anything else (a bug). */
  outcome: 'pending' | 'ok' | 'failed' | 'error';
  version?: string;
  settled?: Promise<unknown>;
}

/** One read the traffic made and what it returned. */
export interface ReadRecord {
  readonly key: string;
  readonly start: number;
  end: number;
  outcome: 'pending' | 'ok' | 'failed';
  value?: string | null;
}

/**
 * A steady mix of writes (each with a unique value, so every read can be traced to the write it came from) and
 * first-response reads over a small key space, from several coordinators (as several Lambda containers would be),
 * recording every operation for the chaos suite's checks.
 */
export class Traffic {
  readonly writes: WriteRecord[] = [];
  readonly reads: ReadRecord[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private sequence = 0;

  constructor(
    private readonly coordinators: readonly Coordinator[],
    private readonly keyCount: number,
    private readonly workersPerCoordinator: number,
    /** Pause between a worker's operations, to keep the load steady rather than saturating two cores. */
    private readonly pauseMs = 4,
  ) {}

  /** Starts the workers; they run until {@link stop}. */
  start(): void {
    this.running = true;
    for (const coordinator of this.coordinators) {
      for (let w = 0; w < this.workersPerCoordinator; w += 1) this.loops.push(this.worker(coordinator));
    }
  }

  /** Stops the workers and waits for their last operations and for every write to settle on every replica. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops.splice(0));
    await Promise.all(this.writes.map((write) => write.settled));
  }

  /** Every value ever attempted, with its write. */
  writesByValue(): Map<string, WriteRecord> {
    return new Map(this.writes.map((write) => [write.value, write]));
  }

  private async worker(coordinator: Coordinator): Promise<void> {
    while (this.running) {
      const key = `chaos-${Math.floor(Math.random() * this.keyCount)}`;
      if (Math.random() < 0.5) await this.write(coordinator, key);
      else await this.read(coordinator, key);
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }

  private async write(coordinator: Coordinator, key: string): Promise<void> {
    this.sequence += 1;
    const record: WriteRecord = { key, value: `v${this.sequence}`, start: performance.now(), end: 0, outcome: 'pending' };
    this.writes.push(record);
    try {
      const result: WriteResult = await coordinator.set(key, record.value);
      record.outcome = 'ok';
      record.version = result.version;
      record.settled = result.settled;
    } catch (error) {
      if (error instanceof QuorumNotReachedError) {
        record.outcome = 'failed';
        record.version = error.version;
      } else {
        record.outcome = 'error';
      }
    } finally {
      record.end = performance.now();
    }
  }

  private async read(coordinator: Coordinator, key: string): Promise<void> {
    const record: ReadRecord = { key, start: performance.now(), end: 0, outcome: 'pending' };
    this.reads.push(record);
    try {
      record.value = (await coordinator.get(key)).value;
      record.outcome = 'ok';
    } catch {
      record.outcome = 'failed';
    } finally {
      record.end = performance.now();
    }
  }
}
