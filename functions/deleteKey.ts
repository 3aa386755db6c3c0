import * as contracts from './contract/compiledContracts';
import { route } from './http/route';
import { pathKeyRequest } from './http/requests';
import { writeResponse } from './http/responses';

/**
 * `DELETE /kv/{key}[?consistency=]`: writes a versioned tombstone through the quorum path; answers like a write
 * (200 OK with `success_nodes`, 503 FAIL). Deleting a key that does not exist succeeds too.
 */
export const handler = route(contracts.deleteKey, async (event, coordinator) => {
  const { key, options } = pathKeyRequest(event);
  return writeResponse(event, await coordinator.delete(key, options));
});
