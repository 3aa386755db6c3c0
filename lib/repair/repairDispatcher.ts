/** Work for the repair function: keys whose replicas disagree, and replicas whose hints should be replayed. */
export interface RepairRequest {
  /** User keys to bring to the newest version on every replica. */
  readonly keys?: readonly string[];
  /** Replicas (`host:port`) that missed writes: replay the hints stored for them. */
  readonly hintsFor?: readonly string[];
  /** Why the repair was asked for, for the logs (`read`, `hints`, ...). */
  readonly reason: string;
}

/**
 * Hands repair work to whatever runs it outside the request: the `repair` Lambda function in AWS
 * (`lib/aws/lambdaRepairDispatcher.ts`), a recording fake in tests.
 *
 * Why an interface here: the coordinator decides *when* to hand work off; *how* is an adapter's business, and the
 * repair layer must not depend on the AWS SDK.
 */
export interface RepairDispatcher {
  /** Resolves once the work is handed over (not once it is done): true if it was, false if not; never throws. */
  dispatch(request: RepairRequest): Promise<boolean>;
}
