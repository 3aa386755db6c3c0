import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../functions/http/errors';
import { parseConsistency } from '../../../functions/http/requests';

describe('Function: parseConsistency', () => {
  it('rejects an unknown level with a client error naming the allowed ones', () => {
    // Assess
    expect(() => parseConsistency('strong', 'one')).toThrow(InvalidRequestError);
    expect(() => parseConsistency('strong', 'one')).toThrow(/one, quorum, all/);
  });
});
