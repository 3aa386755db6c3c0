import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coordinator, CredentialsUnavailableError, loadConfig, logger, ReplicaPool } from '../../../lib';
import { fetchRedisCredentials } from '../../../lib/aws/redisCredentials';
import { httpEvent, lambdaContext } from '../../../tools/apiGatewayEvents';
import { useFakeAwsParameters } from '../../support/fakeAwsParameters';
import { jsonOf, useHandlers } from '../../support/handlers';
import { useRedisCluster } from '../../support/redisCluster';
import { storedFields } from '../../support/storedEntries';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:quorum-kv/redis-AbCdEf';
const ACL_PASSWORD = 'Acl-Pa55word-do-not-log-7f3e9c';
const PARAMETER = '/quorum-kv/redis-password';
const DEFAULT_PASSWORD = 'Default-Pa55word-do-not-log-2b8d1a';
const VALUE = 'a value that must never reach the logs 8c1f';

/** Collects everything written to stdout and stderr (where the Powertools Logger writes) during a test. */
function captureOutput(): { text: () => string; restore: () => void } {
  let text = '';
  const collect = (chunk: unknown): boolean => {
    text += String(chunk);
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(collect);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(collect);
  return {
    text: () => text,
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

describe('Function: fetchRedisCredentials with Redis 6 ACL users', () => {
  const fake = useFakeAwsParameters({
    secrets: { [SECRET_ARN]: JSON.stringify({ username: 'app', password: ACL_PASSWORD }), 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broken': '{"password": ' },
    parameters: { [PARAMETER]: DEFAULT_PASSWORD },
  });
  // Node 0-2: the default user is off and only `app` may connect, with the password from the secret.
  const aclCluster = useRedisCluster({ count: 3, serverArgs: ['--user', 'default', 'off', '--user', 'app', 'on', `>${ACL_PASSWORD}`, '~*', '&*', '+@all'] });
  const handlers = useHandlers(aclCluster, { REDIS_SECRET_ARN: SECRET_ARN, POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  let output: ReturnType<typeof captureOutput>;
  let keepLevel: { mockRestore: () => void };

  beforeEach(() => {
    // injectLambdaContext puts the container's configured level back at every invocation (for log sampling); these
    // tests change the level at run time, so the handlers keep the one they set.
    keepLevel = vi.spyOn(logger, 'refreshSampleRateCalculation').mockImplementation(() => undefined);
    logger.setLogLevel('DEBUG');
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    logger.setLogLevel('SILENT');
    keepLevel.mockRestore();
  });

  it('connects with the user and password of the secret named by REDIS_SECRET_ARN, fetched once per container', async () => {
    // Act
    const written = await handlers().putKey(
      httpEvent({ method: 'PUT', path: '/kv/acl', pathParameters: { key: 'acl' }, body: JSON.stringify({ value: VALUE }) }),
      lambdaContext(),
    );
    const read = await handlers().getKey(httpEvent({ method: 'GET', path: '/kv/acl', pathParameters: { key: 'acl' }, query: { consistency: 'all', trace: '1' } }), lambdaContext());
    const client = new Redis(aclCluster().nodes[1]!.url, { username: 'app', password: ACL_PASSWORD, maxRetriesPerRequest: 0 });
    const stored = (await storedFields(client, 'acl')).value;
    client.disconnect();

    // Assess
    expect(written.statusCode).toBe(200);
    expect(jsonOf(read)).toMatchObject({ status: 'OK', value: VALUE });
    expect(stored).toBe(VALUE);
    expect(fake().calls.filter((call) => call.startsWith('secretsmanager.GetSecretValue'))).toEqual([`secretsmanager.GetSecretValue ${SECRET_ARN}`]);
  });

  it('logs neither the password nor the value, even at DEBUG, and names keys only at DEBUG', async () => {
    // Act
    await handlers().set(httpEvent({ method: 'POST', path: '/set', body: JSON.stringify({ key: 'logged-key', value: VALUE }) }), lambdaContext());
    await handlers().get(httpEvent({ method: 'GET', path: '/get', query: { key: 'logged-key' } }), lambdaContext());
    const debugText = output.text();
    logger.setLogLevel('INFO');
    await handlers().get(httpEvent({ method: 'GET', path: '/get', query: { key: 'logged-key' } }), lambdaContext());
    const infoText = output.text().slice(debugText.length);

    // Assess
    expect(debugText).toMatch(/"message":"write"/);
    expect(debugText).toMatch(/"key":"logged-key"/);
    expect(infoText).toMatch(/"message":"read"/);
    expect(infoText).not.toMatch(/logged-key/);
    for (const text of [debugText, infoText]) {
      expect(text).not.toContain(ACL_PASSWORD);
      expect(text).not.toContain(VALUE);
    }
  });

  it('reads a plain password from the SSM parameter named by REDIS_PASSWORD_PARAMETER', async () => {
    // Act
    const credentials = await fetchRedisCredentials({ kind: 'ssmParameter', name: PARAMETER });

    // Assess
    expect(credentials).toEqual({ password: DEFAULT_PASSWORD });
    expect(fake().calls).toContain(`AmazonSSM.GetParameter ${PARAMETER}`);
  });

  it.each([
    ['a secret that does not exist', { kind: 'secretsManager' as const, name: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:missing' }],
    ['a secret that is broken JSON', { kind: 'secretsManager' as const, name: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broken' }],
    ['a parameter that does not exist', { kind: 'ssmParameter' as const, name: '/quorum-kv/missing' }],
  ])('fails with CredentialsUnavailableError naming the source, not its content, for %s', async (_case, source) => {
    // Act
    const attempt = fetchRedisCredentials(source);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(CredentialsUnavailableError);
    await expect(attempt).rejects.toThrow(source.name);
    await expect(attempt).rejects.not.toThrow(/"password"/);
  });

  it('refuses a connection with credentials that do not match: no replica acknowledges', async () => {
    // Prepare
    const config = loadConfig({ REDIS_NODES: aclCluster().redisNodes, NODE_TIMEOUT_MS: '300' });
    const store = new Coordinator(config, new ReplicaPool(config, { username: 'app', password: 'wrong' }));

    try {
      // Act
      const attempt = store.set('denied', 'v');

      // Assess
      await expect(attempt).rejects.toMatchObject({ acknowledged: 0 });
    } finally {
      await store.close();
    }
    expect(output.text()).not.toContain(ACL_PASSWORD);
  });
});
