import * as contracts from './contract/compiledContracts';
import { route } from './http/route';
import { queryKeyRequest } from './http/requests';
import { readResponse } from './http/responses';

/** `GET /get?key=K[&consistency=&strategy=]`: a read, the original API's route (keys of any form, in the query). */
export const handler = route(contracts.get, async (event, coordinator) => {
  const { key, options } = queryKeyRequest(event);
  return readResponse(event, await coordinator.get(key, options));
});
