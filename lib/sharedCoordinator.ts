import { loadConfig } from './config';
import { Coordinator } from './coordinator';

let shared: Coordinator | undefined;

/**
 * The container's coordinator: configured from the environment and connected on first use, then reused by every
 * invocation the container serves.
 *
 * Why: connections and the version clock must outlive a single invocation; creating them per request would add a
 * handshake to every call and break the clock's monotonicity.
 */
export function sharedCoordinator(): Coordinator {
  shared ??= new Coordinator(loadConfig());
  return shared;
}

/**
 * Closes the container's connections so the process can exit (used by `serverless invoke local`). The next call to
 * {@link sharedCoordinator} connects afresh.
 */
export async function closeSharedCoordinator(): Promise<void> {
  const closing = shared;
  shared = undefined;
  await closing?.close();
}
