import * as contracts from './contract/compiledContracts';
import { route } from './http/route';
import { setRequest } from './http/requests';
import { writeResponse } from './http/responses';
import type { ParsedBodyEvent } from './middleware/jsonBody';

/** `POST /set` with `{"key", "value", "ttl"?}`: a write, the original API's route. */
export const handler = route(contracts.set, async (event, coordinator) => {
  const { key, value, options } = setRequest(event as unknown as ParsedBodyEvent);
  return writeResponse(event, await coordinator.set(key, value, options));
});
