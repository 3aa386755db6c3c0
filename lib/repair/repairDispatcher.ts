/** Work for the repair function: user keys to repair, and replicas whose hints to replay. */
export interface RepairRequest {
  readonly keys?: readonly string[];
  readonly hintsFor?: readonly string[];
  /** Why, for the logs (`hints`, ...). */
  readonly reason: string;
}

/**
 * Hands repair work to whatever runs it outside the request (the `repair` Lambda function, a fake in tests): the
 * store decides when, an adapter how, so the repair layer does not depend on the AWS SDK.
 */
export interface RepairDispatcher {
  /** Resolves once the work is handed over (not once it is done): true if it was, false if not; never throws. */
  dispatch(request: RepairRequest): Promise<boolean>;
}
