import { randomUUID } from 'node:crypto';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { httpEvent, type HttpEventParts } from '../../tools/apiGatewayEvents';
import { EXIT, QkvError } from '../exitCodes';
import { parseBody } from './httpStoreClient';
import type { AntiEntropyPage, AntiEntropyRequest, KvOperation, StoreAnswer, StoreClient } from './storeClient';
import { errorCode, networkError } from './transportErrors';

/** How to reach the service's functions through the Lambda API. */
export interface LambdaTarget {
  /** Another Lambda API endpoint, e.g. serverless offline's `http://127.0.0.1:3002`; AWS's when absent. */
  readonly endpoint?: string;
  /** AWS region (default `AWS_REGION`, else us-east-1). */
  readonly region: string;
  /** What function names start with: `quorum-kv-<stage>-` (serverless.yml's `${service}-${stage}-<function>`). */
  readonly functionPrefix: string;
  /** Longest wait for one invocation, in ms. */
  readonly timeoutMs: number;
}

/** AWS error names that mean the credentials were missing, wrong or not allowed to invoke. */
const AUTH_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'CredentialsProviderError',
  'AuthFailure',
]);

/**
 * Invokes the service's functions directly (`InvocationType: RequestResponse`), with the API Gateway event each HTTP
 * function expects, so no API key is needed (the Lambda API checks AWS credentials instead). This is also the only
 * way to run the `antiEntropy` function, which has no HTTP route. Against `serverless offline`, `endpoint` is its
 * Lambda port and any credentials do.
 */
export class LambdaStoreClient implements StoreClient {
  readonly description: string;
  private client: Promise<LambdaClient> | undefined;

  constructor(private readonly target: LambdaTarget) {
    this.description = `lambda ${target.functionPrefix}* ${target.endpoint === undefined ? `in ${target.region}` : `at ${target.endpoint}`}`;
  }

  run(operation: KvOperation): Promise<StoreAnswer> {
    const query: Record<string, string> = { trace: '1', ...(operation.consistency === undefined ? {} : { consistency: operation.consistency }) };
    switch (operation.op) {
      case 'set': {
        const body = { key: operation.key, value: operation.value, ...(operation.ttl === undefined ? {} : { ttl: operation.ttl }) };
        return this.http('set', { method: 'POST', path: '/set', query, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      }
      case 'get':
        return this.http('get', { method: 'GET', path: '/get', query: { ...query, key: operation.key } });
      case 'del':
        return this.http('deleteKey', {
          method: 'DELETE',
          path: `/kv/${encodeURIComponent(operation.key)}`,
          pathParameters: { key: operation.key },
          query,
        });
    }
  }

  health(): Promise<StoreAnswer> {
    return this.http('health', { method: 'GET', path: '/health' });
  }

  async antiEntropy(request: AntiEntropyRequest): Promise<AntiEntropyPage> {
    const { payload } = await this.invoke('antiEntropy', request);
    if (payload === null || typeof payload !== 'object' || typeof (payload as AntiEntropyPage).passComplete !== 'boolean') {
      throw new QkvError(EXIT.server, `the antiEntropy function answered something that is not a report: ${JSON.stringify(payload).slice(0, 200)}`);
    }
    return payload as AntiEntropyPage;
  }

  close(): void {
    void this.client?.then((client) => client.destroy());
  }

  /** Invokes an HTTP function with an API Gateway event and reads its `{statusCode, body}` as an HTTP answer. */
  private async http(functionName: string, parts: HttpEventParts): Promise<StoreAnswer> {
    const event = httpEvent(parts);
    const withId = { ...event, requestContext: { ...event.requestContext, requestId: `qkv-${randomUUID()}` } };
    const { payload, ms } = await this.invoke(functionName, withId);
    const result = payload as { statusCode?: unknown; body?: unknown } | null;
    if (result === null || typeof result !== 'object' || typeof result.statusCode !== 'number' || typeof result.body !== 'string') {
      throw new QkvError(EXIT.server, `the ${this.name(functionName)} function answered something that is not an HTTP result: ${JSON.stringify(payload).slice(0, 200)}`);
    }
    return { status: result.statusCode, body: parseBody(result.body, result.statusCode), roundTripMs: ms };
  }

  private async invoke(functionName: string, event: unknown): Promise<{ payload: unknown; ms: number }> {
    const name = this.name(functionName);
    const { InvokeCommand } = await import('@aws-sdk/client-lambda');
    const client = await this.lambdaClient();
    const started = performance.now();
    let output;
    try {
      output = await client.send(new InvokeCommand({ FunctionName: name, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }), {
        abortSignal: AbortSignal.timeout(this.target.timeoutMs),
      });
    } catch (error) {
      throw this.invokeError(error, name);
    }
    const ms = performance.now() - started;
    const text = output.Payload === undefined ? '' : Buffer.from(output.Payload).toString('utf8');
    let payload: unknown;
    try {
      payload = text === '' ? null : JSON.parse(text);
    } catch {
      throw new QkvError(EXIT.server, `the ${name} function answered something that is not JSON: ${text.slice(0, 200)}`);
    }
    if (output.FunctionError !== undefined) {
      const message = (payload as { errorMessage?: unknown } | null)?.errorMessage;
      throw new QkvError(EXIT.server, `the ${name} function failed: ${typeof message === 'string' ? message : text.slice(0, 200)}`);
    }
    return { payload, ms };
  }

  private invokeError(error: unknown, name: string): QkvError {
    const where = this.target.endpoint ?? `the Lambda API in ${this.target.region}`;
    const network = networkError(error, where, this.target.timeoutMs);
    if (network !== undefined) return network;
    const errorName = (error as { name?: unknown }).name;
    const message = (error as Error).message ?? String(error);
    if (typeof errorName === 'string' && AUTH_ERRORS.has(errorName)) {
      return new QkvError(EXIT.auth, `the Lambda API refused the credentials for ${name}: ${message}`);
    }
    if (errorName === 'ResourceNotFoundException' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      return new QkvError(EXIT.usage, `no function ${name} at ${where}: check --stage or --function-prefix (${message})`);
    }
    if (errorName === 'TooManyRequestsException') return new QkvError(EXIT.unavailable, `${name} is throttled: ${message}`);
    return new QkvError(EXIT.server, `invoking ${name} failed: ${errorCode(error) ?? String(errorName)}: ${message}`);
  }

  private name(functionName: string): string {
    return `${this.target.functionPrefix}${functionName}`;
  }

  private lambdaClient(): Promise<LambdaClient> {
    this.client ??= import('@aws-sdk/client-lambda').then(
      ({ LambdaClient }) =>
        new LambdaClient({
          region: this.target.region,
          // One attempt: qkv reports what happened instead of retrying behind the user's back.
          maxAttempts: 1,
          ...(this.target.endpoint === undefined
            ? {}
            : {
                endpoint: this.target.endpoint,
                // serverless offline accepts any credentials; real ones are never needed locally.
                credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
              }),
        }),
    );
    return this.client;
  }
}
