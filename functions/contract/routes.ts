/** The name of each HTTP route, as used by the schemas, `openapi.yaml` (`operationId`) and `serverless.yml`. */
export type OperationId = 'set' | 'get' | 'putKey' | 'getKey' | 'deleteKey' | 'health';

/** One HTTP route the coordinator serves. */
export interface Route {
  readonly operationId: OperationId;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path as API Gateway and OpenAPI write it. */
  readonly path: string;
}

/** Every HTTP route, in the order `openapi.yaml` lists them. */
export const ROUTES: readonly Route[] = [
  { operationId: 'set', method: 'POST', path: '/set' },
  { operationId: 'get', method: 'GET', path: '/get' },
  { operationId: 'putKey', method: 'PUT', path: '/kv/{key}' },
  { operationId: 'getKey', method: 'GET', path: '/kv/{key}' },
  { operationId: 'deleteKey', method: 'DELETE', path: '/kv/{key}' },
  { operationId: 'health', method: 'GET', path: '/health' },
];

/**
 * The methods a path accepts, for the `Allow` header of a 405. Matches the API Gateway resource (`/kv/{key}`) or,
 * when the event has none, the concrete path (`/kv/city`).
 */
export function allowedMethods(path: string): readonly string[] {
  const matching = ROUTES.filter((route) => route.path === path || pathPattern(route.path).test(path));
  return [...new Set(matching.map((route) => route.method))];
}

function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/** Every route as `METHOD /path`, for the message of a 404 on a path no route serves. */
export function routeList(): readonly string[] {
  return ROUTES.map((route) => `${route.method} ${route.path}`);
}
