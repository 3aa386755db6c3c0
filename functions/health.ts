import * as contracts from './contract/compiledContracts';
import { route } from './http/route';
import { healthResponse } from './http/responses';

/**
 * `GET /health`: each replica's reachability, breaker state and round trip; 200 `{"status":"OK"}` when a write
 * quorum is reachable, 503 `{"status":"FAIL"}` when it is not.
 */
export const handler = route(contracts.health, async (_event, coordinator) => healthResponse(await coordinator.health()));
