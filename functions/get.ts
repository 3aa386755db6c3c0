import * as contracts from './contract/compiledContracts';
import { route } from './http/route';
import { queryKeyRequest } from './http/requests';
import { readResponse } from './http/responses';

/** `GET /get?key=K[&consistency=]`: a first-response (or quorum) read, compatible with the seed. */
export const handler = route(contracts.get, async (event, coordinator) => {
  const { key, options } = queryKeyRequest(event);
  return readResponse(event, await coordinator.get(key, options));
});
