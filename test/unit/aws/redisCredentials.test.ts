import { describe, expect, it } from 'vitest';
import { CredentialsUnavailableError } from '../../../lib';
import { parseCredentials } from '../../../lib/aws/redisCredentials';

describe('Function: parseCredentials', () => {
  it.each([
    ['a plain password', 'hunter2-long', { password: 'hunter2-long' }],
    ['JSON with a user', '{"username":"app","password":"pw"}', { username: 'app', password: 'pw' }],
    ['JSON without a user', '{"password":"pw"}', { password: 'pw' }],
    ['bytes', new TextEncoder().encode('pw-bytes'), { password: 'pw-bytes' }],
  ])('reads %s', (_case, raw, expected) => {
    // Act
    const credentials = parseCredentials('source', raw);

    // Assess
    expect(credentials).toEqual(expected);
  });

  it.each([
    ['an empty value', ''],
    ['JSON without a password', '{"username":"app"}'],
    ['malformed JSON', '{"password": "hunter2'],
    ['a non-string user', '{"username": 7, "password": "hunter2"}'],
  ])('refuses %s without quoting it', (_case, raw) => {
    // Act
    const attempt = (): unknown => parseCredentials('source', raw);

    // Assess
    expect(attempt).toThrow(CredentialsUnavailableError);
    expect(attempt).not.toThrow(/hunter2/);
  });
});
