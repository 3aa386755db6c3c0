import { afterAll, beforeAll } from 'vitest';
import { startServerlessOffline, type OfflineStartOptions, type RunningOffline } from '../../tools/serverlessOffline';

export type { RunningOffline } from '../../tools/serverlessOffline';

/**
 * Starts a real `serverless offline` on free ports (with its own API key, see `RunningOffline.fetch`) for the file's
 * tests and stops it (and its children) afterwards.
 *
 * @param env extra environment for the handlers, typically `REDIS_NODES` of a test cluster (read lazily).
 * @param options `asUserWould`: start it as a user would, see {@link OfflineStartOptions}.
 */
export function useServerlessOffline(env: () => Record<string, string>, options: OfflineStartOptions = {}): () => RunningOffline {
  let running: RunningOffline | undefined;
  beforeAll(async () => {
    running = await startServerlessOffline(env(), options);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return () => {
    if (running === undefined) throw new Error('serverless offline has not started');
    return running;
  };
}
