import type { TracedAnswer } from '../../functions/contract/trace';
import type { AntiEntropyReport, ConsistencyLevel } from '../../lib';

/**
 * What `qkv` sends a quorum-kv service and what it gets back, whichever way it reaches it (HTTP or Lambda invoke).
 * The wire types mirror the HTTP API (openapi.yaml) with every field the CLI does not strictly need optional, so that
 * a server older or newer than the CLI still works (the trace's timing fields in particular, see the trace contract).
 */

/** A key-value operation as the CLI asks for it; the client always asks for the trace (`?trace=1`). */
export type KvOperation =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly ttl?: number; readonly consistency?: ConsistencyLevel }
  | { readonly op: 'get'; readonly key: string; readonly consistency?: ConsistencyLevel }
  | { readonly op: 'del'; readonly key: string; readonly consistency?: ConsistencyLevel };

/** The service's answer to one request: its HTTP status, its JSON body, and how long it took as the CLI saw it. */
export interface StoreAnswer {
  readonly status: number;
  readonly body: AnswerBody;
  /** Milliseconds from sending the request to reading the whole answer, measured by the CLI. */
  readonly roundTripMs: number;
}

/**
 * The JSON body of any answer: the fields of every route's responses, all optional. The trace's fields (`nodes`,
 * `elapsed_ms`, …) are the service's own declaration, `functions/contract/trace.ts`.
 */
export interface AnswerBody extends Partial<TracedAnswer> {
  readonly status?: string;
  readonly value?: string;
  readonly version?: string;
  readonly expires_at?: string;
  readonly error?: string;
  /** API Gateway's (and offline's) own refusals: `{"message":"Forbidden"}`. */
  readonly message?: string;
  readonly requestId?: string;
  readonly consistency?: ConsistencyLevel;
  /** `/health`. */
  readonly writeQuorumReachable?: boolean;
  readonly writeQuorum?: number;
  readonly [field: string]: unknown;
}

/** One master of a cluster replica in `/health`. */
export interface HealthMaster {
  readonly master: string;
  readonly up: boolean;
  readonly ms: number;
  readonly slots: number;
  readonly breaker: string;
  readonly error?: string;
}

/** One replica in `/health`. */
export interface HealthNode {
  readonly node: string;
  readonly up: boolean;
  /** `up`, `degraded` (a cluster replica with some masters down) or `down`; absent from older services. */
  readonly status?: string;
  readonly breaker: string;
  readonly ms: number;
  readonly error?: string;
  /** A cluster replica's masters. */
  readonly masters?: readonly HealthMaster[];
}

/** The `antiEntropy` function's event (see functions/antiEntropy.ts). */
export interface AntiEntropyRequest {
  readonly fromStart?: boolean;
  readonly budgetMs?: number;
  readonly batch?: number;
}

/**
 * One anti-entropy run's report. `keysScanned` and `replicaKeys` are optional: a server from before they existed
 * still works, with a progress bar that counts pages instead of keys.
 */
export type AntiEntropyPage = Omit<AntiEntropyReport, 'keysScanned' | 'replicaKeys'> & Partial<Pick<AntiEntropyReport, 'keysScanned' | 'replicaKeys'>>;

/**
 * A way to reach a quorum-kv service: over HTTP (`--url`) or by invoking its Lambda functions (`--lambda`).
 * Implementations turn transport failures into `QkvError`s with the right exit code (network, auth); answers of the
 * service itself, errors included, come back as a {@link StoreAnswer} for the command to judge.
 */
export interface StoreClient {
  /** Where requests go, for messages: `http://127.0.0.1:3000` or `lambda quorum-kv-dev-* at http://127.0.0.1:3002`. */
  readonly description: string;
  /** Runs one key-value operation with its trace. */
  run(operation: KvOperation): Promise<StoreAnswer>;
  /** `GET /health`. */
  health(): Promise<StoreAnswer>;
  /** One run of the `antiEntropy` function; only through Lambda (there is no HTTP route for it). */
  antiEntropy(request: AntiEntropyRequest): Promise<AntiEntropyPage>;
  /** Releases connections, so the process can exit at once. */
  close(): void;
}
