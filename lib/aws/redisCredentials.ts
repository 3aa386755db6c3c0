import { CredentialsUnavailableError } from '../core/errors';
import type { RedisCredentials } from '../replica/connection';

/**
 * Where in AWS the Redis credentials are: a Secrets Manager secret (`REDIS_SECRET_ARN`) or an SSM SecureString
 * (`REDIS_PASSWORD_PARAMETER`), holding a password or JSON `{"username", "password"}`.
 */
export type CredentialsSource =
  | { readonly kind: 'secretsManager'; readonly name: string }
  | { readonly kind: 'ssmParameter'; readonly name: string };

/**
 * Fetches the Redis credentials with the Powertools parameters utility, imported lazily so containers without a
 * secret do not load it at cold start. Errors name the source, never its content.
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
 * Reads a stored credential value: a plain password, or JSON with `password` and optionally `username`.
 *
 * @throws {CredentialsUnavailableError} when there is no usable password; the message never quotes the value.
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
