import * as contracts from './contract/compiledContracts';
import { route } from './http/route';
import { putRequest } from './http/requests';
import { writeResponse } from './http/responses';
import type { ParsedBodyEvent } from './middleware/jsonBody';

/** `PUT /kv/{key}` with `{"value", "ttl"?}`: the REST form of `POST /set`, same answers. */
export const handler = route(contracts.putKey, async (event, coordinator) => {
  const { key, value, options } = putRequest(event as unknown as ParsedBodyEvent);
  return writeResponse(event, await coordinator.set(key, value, options));
});
