import { afterAll, beforeAll } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/http/events';
import { closeSharedCoordinator } from '../../lib';
import type { LocalRedisCluster } from '../../tools/localCluster';
import { lambdaContext } from '../../tools/apiGatewayEvents';

/** An HTTP handler as Lambda calls it. */
export type HttpHandler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

/** Every HTTP handler, by the name of its function in serverless.yml. */
export interface Handlers {
  readonly set: HttpHandler;
  readonly get: HttpHandler;
  readonly putKey: HttpHandler;
  readonly getKey: HttpHandler;
  readonly deleteKey: HttpHandler;
  readonly methodNotAllowed: HttpHandler;
  readonly notFound: HttpHandler;
}

/**
 * Loads the real handler modules in-process for the file's tests, configured for the file's cluster plus `env`
 * (set before the modules read their configuration at import), and closes the shared connections afterwards.
 * Each test file runs in its own process, so the configuration does not leak between files.
 */
export function useHandlers(cluster: () => LocalRedisCluster, env: Record<string, string> = {}): () => Handlers {
  let handlers: Handlers | undefined;
  beforeAll(async () => {
    Object.assign(process.env, { REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200', ...env });
    const load = async (name: string): Promise<HttpHandler> =>
      ((await import(`../../functions/${name}.ts`)) as { handler: unknown }).handler as HttpHandler;
    handlers = {
      set: await load('set'),
      get: await load('get'),
      putKey: await load('putKey'),
      getKey: await load('getKey'),
      deleteKey: await load('deleteKey'),
      methodNotAllowed: await load('methodNotAllowed'),
      notFound: await load('notFound'),
    };
  });
  afterAll(async () => {
    await closeSharedCoordinator();
  });
  return () => {
    if (handlers === undefined) throw new Error('the handlers have not been loaded');
    return handlers;
  };
}

/** The response body, parsed; fails the test with the raw body when it is not JSON. */
export function jsonOf(response: HttpResult): Record<string, unknown> {
  try {
    return JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    throw new Error(`response body is not JSON: ${response.body.slice(0, 200)}`);
  }
}
