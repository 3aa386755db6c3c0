import type { Socket } from 'node:net';

/**
 * What a partition that held bytes does to a connection when it heals.
 *
 * - `deliver`: the held bytes go through, in order, as TCP retransmission delivers them after a short partition.
 *   Commands that timed out on the client are then executed late by the server, and their replies arrive late; the
 *   connection keeps working because ioredis keeps a timed-out command in its reply queue.
 * - `reset`: a connection that held bytes is reset at both ends and the held bytes are lost, as when a partition
 *   outlasts TCP's retransmission limit. Connections that held nothing carry on.
 */
export type HealAction = 'deliver' | 'reset';

/**
 * What one direction of a proxied connection does with the bytes it reads.
 *
 * - `forward`: delivers them, each chunk `delayMs` after it was read, never out of order.
 * - `hold`: keeps them (reading stops once a high-water mark is queued) until the policy changes.
 * - `drop`: reads and discards them, end of stream included: the connection can no longer be trusted (see
 *   {@link ProxyPipe.setPolicy}).
 */
export type DirectionPolicy =
  | { readonly action: 'forward'; readonly delayMs: number }
  | { readonly action: 'hold'; readonly onHeal: HealAction }
  | { readonly action: 'drop' };

/** Byte counts a pipe reports as it goes, so the proxy can sum them over its connections. */
export interface PipeCounters {
  forwarded(bytes: number): void;
  dropped(bytes: number): void;
}

/** An entry of the queue: a chunk of bytes, or `null` for the end of the stream (FIN). */
interface Queued {
  readonly chunk: Buffer | null;
  readonly dueAt: number;
}

/** Bytes queued in one direction above which the pipe stops reading its source (backpressure, or a full window). */
const HIGH_WATER_BYTES = 1 << 20;

/**
 * One direction of a proxied TCP connection: reads its source socket and writes its sink socket according to a
 * {@link DirectionPolicy} that can change at any time.
 *
 * Why a queue rather than `source.pipe(sink)`: delay, hold and drop must apply to bytes already read, and bytes must
 * stay in order across policy changes (a chunk read under `pass` never overtakes one still delayed). A chunk's fate is
 * decided when it would be delivered, so a chunk still delayed when the policy becomes `drop` is dropped too.
 */
export class ProxyPipe {
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private lost = false;
  private heldForReset = false;

  /**
   * @param source the socket bytes are read from; it must have been created with `allowHalfOpen`.
   * @param sink the socket bytes go to, or `undefined` while it is not open yet (bytes wait in the queue).
   */
  constructor(
    private readonly source: Socket,
    private readonly sink: () => Socket | undefined,
    private policy: DirectionPolicy,
    private readonly counters: PipeCounters,
  ) {
    source.on('data', (chunk: Buffer) => this.enqueue(chunk));
    source.on('end', () => this.enqueue(null));
  }

  /** Bytes read but not delivered yet: held, delayed, or waiting for the sink. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** True once nothing is queued, not even the end of the stream. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /**
   * Applies a new policy to bytes already read and to those to come.
   *
   * @returns `false` when the connection must be reset rather than let bytes flow again: it lost bytes to `drop`
   *   (its byte stream has a gap, so a Redis client would pair later replies with the wrong commands), or it held bytes
   *   under a `hold` whose `onHeal` is `reset`.
   */
  setPolicy(policy: DirectionPolicy): boolean {
    const previous = this.policy;
    this.policy = policy;
    if (previous.action === 'hold' && previous.onHeal === 'reset' && this.queue.length > 0) this.heldForReset = true;
    if (policy.action === 'forward' && (this.lost || this.heldForReset)) return false;
    this.pump();
    return true;
  }

  /** Delivers whatever the policy lets through now; call it again once the sink exists. */
  pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 && !this.waitingForDrain) {
      if (this.policy.action === 'hold') break;
      if (this.policy.action === 'drop') {
        this.discardQueue();
        break;
      }
      const sink = this.sink();
      if (sink === undefined) break;
      const head = this.queue[0]!;
      const wait = head.dueAt - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(wait));
        break;
      }
      this.queue.shift();
      if (head.chunk === null) {
        if (!sink.destroyed) sink.end();
        continue;
      }
      this.queuedBytes -= head.chunk.length;
      if (sink.destroyed || !sink.writable) continue;
      this.counters.forwarded(head.chunk.length);
      if (!sink.write(head.chunk)) {
        this.waitingForDrain = true;
        sink.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
      }
    }
    this.updateFlow();
  }

  /** Stops the pipe's timer and forgets its queue; the connection is going away. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private enqueue(chunk: Buffer | null): void {
    if (this.policy.action === 'drop') {
      this.lose(chunk);
      return;
    }
    const delayMs = this.policy.action === 'forward' ? this.policy.delayMs : 0;
    this.queue.push({ chunk, dueAt: performance.now() + delayMs });
    if (chunk !== null) this.queuedBytes += chunk.length;
    if (this.policy.action === 'hold' && this.policy.onHeal === 'reset') this.heldForReset = true;
    this.pump();
  }

  private discardQueue(): void {
    for (const { chunk } of this.queue.splice(0)) this.lose(chunk);
    this.queuedBytes = 0;
  }

  private lose(chunk: Buffer | null): void {
    this.lost = true;
    if (chunk !== null) this.counters.dropped(chunk.length);
  }

  // Reading stops while the sink is full or too much is queued: the sender's TCP window then fills, as it would
  // against a slow or unreachable peer, instead of the proxy buffering without bound.
  private updateFlow(): void {
    if (this.source.destroyed) return;
    if (this.waitingForDrain || this.queuedBytes >= HIGH_WATER_BYTES) this.source.pause();
    else this.source.resume();
  }
}
