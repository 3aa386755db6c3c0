import type { MiddlewareObj } from '@middy/core';
import { closeSharedCoordinator } from '../../lib';

/**
 * Closes the Redis connections after each invocation when run by `serverless invoke local` (which sets
 * `IS_LOCAL=true`).
 *
 * Why: open sockets keep a Node process alive, so without this the command would never exit. In Lambda and under
 * `serverless offline` the connections are kept for the next invocation.
 */
export function closeConnectionsWhenLocal(): MiddlewareObj {
  const close = async (): Promise<void> => {
    if (process.env.IS_LOCAL === 'true') await closeSharedCoordinator();
  };
  return { after: close, onError: close };
}
