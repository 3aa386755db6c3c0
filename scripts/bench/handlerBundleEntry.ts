/**
 * Entry point of the bundle the handler scenario loads: both Lambda handlers and the container's shared coordinator
 * in one esbuild bundle, so "handler" and "coordinator directly" run the same bundled code on the same connections
 * and differ only by the middy/middleware/handler layer.
 */
export { handler as setHandler } from '../../functions/set';
export { handler as getHandler } from '../../functions/get';
export { sharedCoordinator, closeSharedCoordinator } from '../../lib';
