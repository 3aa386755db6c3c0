import * as contracts from './contract/compiledContracts';
import { route } from './http/route';
import { pathKeyReadRequest } from './http/requests';
import { readResponse } from './http/responses';

/** `GET /kv/{key}[?consistency=&strategy=]`: the REST form of `GET /get`, same answers. */
export const handler = route(contracts.getKey, async (event, coordinator) => {
  const { key, options } = pathKeyReadRequest(event);
  return readResponse(event, await coordinator.get(key, options));
});
