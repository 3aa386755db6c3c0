import { EXIT, QkvError } from '../exitCodes';
import { HttpStoreClient } from './httpStoreClient';
import { LambdaStoreClient } from './lambdaStoreClient';
import type { StoreClient } from './storeClient';

/** The URL `npm run dev` serves on, used when neither `--url` nor `QKV_URL` says otherwise. */
export const DEFAULT_URL = 'http://127.0.0.1:3000';
/** serverless.yml's service name: functions are named `<service>-<stage>-<function>`. */
export const SERVICE_NAME = 'quorum-kv';

/** The global options that choose where requests go, as commander parsed them. */
export interface TargetOptions {
  readonly url?: string;
  readonly key?: string;
  readonly lambda?: boolean;
  readonly endpoint?: string;
  readonly stage?: string;
  readonly functionPrefix?: string;
  readonly region?: string;
  readonly timeout: number;
}

/**
 * The client the options ask for: Lambda invoke with `--lambda`, else HTTP to `--url` (or `QKV_URL`, or
 * {@link DEFAULT_URL}) with the API key from `--key` or `QKV_API_KEY`. Environment values fill what the options
 * leave out: `QKV_LAMBDA_ENDPOINT`, `QKV_STAGE`, `AWS_REGION`.
 *
 * @throws {QkvError} (usage) for options that cannot go together or a URL that is not http(s).
 */
export function storeClientFor(options: TargetOptions, env: Readonly<Record<string, string | undefined>>): StoreClient {
  if (options.lambda === true) {
    if (options.url !== undefined) throw new QkvError(EXIT.usage, '--url and --lambda choose different targets: give one of them');
    const endpoint = options.endpoint ?? nonEmpty(env.QKV_LAMBDA_ENDPOINT);
    if (endpoint !== undefined) checkUrl(endpoint, '--endpoint');
    const stage = options.stage ?? nonEmpty(env.QKV_STAGE) ?? 'dev';
    return new LambdaStoreClient({
      ...(endpoint === undefined ? {} : { endpoint }),
      region: options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
      functionPrefix: options.functionPrefix ?? `${SERVICE_NAME}-${stage}-`,
      timeoutMs: options.timeout,
    });
  }
  for (const [given, name] of [[options.endpoint, '--endpoint'], [options.functionPrefix, '--function-prefix'], [options.stage, '--stage']] as const) {
    if (given !== undefined) throw new QkvError(EXIT.usage, `${name} only applies with --lambda`);
  }
  const url = options.url ?? nonEmpty(env.QKV_URL) ?? DEFAULT_URL;
  checkUrl(url, '--url');
  const apiKey = options.key ?? nonEmpty(env.QKV_API_KEY);
  return new HttpStoreClient({ url, timeoutMs: options.timeout, ...(apiKey === undefined ? {} : { apiKey }) });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function checkUrl(value: string, option: string): void {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new QkvError(EXIT.usage, `${option} must be an http:// or https:// URL; got ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new QkvError(EXIT.usage, `${option} must be an http:// or https:// URL; got ${JSON.stringify(value)}`);
  }
}
