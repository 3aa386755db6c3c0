import type { LambdaClient } from '@aws-sdk/client-lambda';
import { logger } from '../logger';
import type { RepairDispatcher, RepairRequest } from '../repair/repairDispatcher';

const DISPATCH_TIMEOUT_MS = 2_000;

/**
 * Hands repair to the `repair` Lambda function with an asynchronous invoke: Lambda freezes a process once its
 * handler returns, while an `Event` invoke is queued and retried by Lambda itself (the repair function is
 * idempotent). The SDK is loaded on first use, out of the cold start of containers that never need it.
 */
export class LambdaRepairDispatcher implements RepairDispatcher {
  private client: Promise<LambdaClient> | undefined;

  constructor(
    private readonly functionName: string,
    /** Another Lambda API endpoint, e.g. serverless offline's `http://127.0.0.1:3002`. */
    private readonly endpoint?: string,
  ) {}

  /** Queues `request` with the repair function; false (and a warning in the log) when Lambda could not take it. */
  async dispatch(request: RepairRequest): Promise<boolean> {
    try {
      const { InvokeCommand } = await import('@aws-sdk/client-lambda');
      const client = await this.lambdaClient();
      await client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(request)),
        }),
        { abortSignal: AbortSignal.timeout(DISPATCH_TIMEOUT_MS) },
      );
      logger.info('repair dispatched', {
        function: this.functionName,
        keys: request.keys?.length ?? 0,
        hintsFor: request.hintsFor ?? [],
        reason: request.reason,
      });
      return true;
    } catch (error) {
      // Anti-entropy still finds the divergence; a read must not fail because repair could not be queued.
      logger.warn('repair dispatch failed', { function: this.functionName, error: (error as Error).message });
      return false;
    }
  }

  private lambdaClient(): Promise<LambdaClient> {
    this.client ??= import('@aws-sdk/client-lambda').then(
      ({ LambdaClient }) =>
        new LambdaClient(
          this.endpoint === undefined
            ? {}
            : {
                endpoint: this.endpoint,
                region: process.env.AWS_REGION ?? 'us-east-1',
                // serverless offline accepts any credentials; real ones are never needed locally.
                credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
              },
        ),
    );
    return this.client;
  }
}
