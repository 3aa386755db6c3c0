import { CredentialsUnavailableError } from '../core/errors';
import type { RedisCredentials } from '../replica/connection';

/**
 * A place in AWS that holds the Redis credentials, fetched once per container: a Secrets Manager secret
 * (`REDIS_SECRET_ARN`) or an SSM parameter (`REDIS_PASSWORD_PARAMETER`, SecureString). Either holds a password, or
 * JSON `{"username": "...", "password": "..."}` for a Redis 6 ACL user.
 */
export type CredentialsSource =
  | { readonly kind: 'secretsManager'; readonly name: string }
  | { readonly kind: 'ssmParameter'; readonly name: string };

/**
 * Fetches the Redis credentials from Secrets Manager or SSM Parameter Store with the Powertools parameters utility.
 *
 * Called once per container (the caller memoises the result). The utility and its AWS SDK client are imported here,
 * lazily, so that containers configured without a secret do not load them at cold start. The stored value is either
 * a password, or JSON `{"username": "...", "password": "..."}` (the shape Secrets Manager uses for database
 * credentials). Errors name the source, never its content.
 *
 * @throws {CredentialsUnavailableError} when the value cannot be fetched or has no password.
 */
export async function fetchRedisCredentials(source: CredentialsSource): Promise<RedisCredentials> {
  let raw: unknown;
  try {
    if (source.kind === 'secretsManager') {
      const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
      raw = await getSecret(source.name);
    } else {
      const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
      raw = await getParameter(source.name, { decrypt: true });
    }
  } catch (error) {
    // The cause stays for debugging; only the error's name goes into the message.
    throw new CredentialsUnavailableError(source.name, `fetch failed (${(error as Error).name})`, { cause: error });
  }
  return parseCredentials(source.name, raw);
}

/**
 * Reads a stored credential value: a plain password, or a JSON object with `password` and optionally `username`.
 *
 * @throws {CredentialsUnavailableError} when there is no usable password. The message never quotes the value.
 */
export function parseCredentials(sourceName: string, raw: unknown): RedisCredentials {
  const text = raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : raw;
  if (typeof text !== 'string' || text === '') {
    throw new CredentialsUnavailableError(sourceName, 'the value is empty or not text');
  }
  if (!text.trimStart().startsWith('{')) return { password: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, which here is a secret: say only what is wrong.
    throw new CredentialsUnavailableError(sourceName, 'the value starts with { but is not valid JSON');
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof password !== 'string' || password === '') {
    throw new CredentialsUnavailableError(sourceName, 'the JSON value has no non-empty "password" string');
  }
  if (username !== undefined && (typeof username !== 'string' || username === '')) {
    throw new CredentialsUnavailableError(sourceName, '"username" must be a non-empty string when present');
  }
  return username === undefined ? { password } : { username, password };
}
