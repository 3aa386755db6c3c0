import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

/** What the fake holds and what it was asked. */
export interface FakeAwsParameters {
  /** The endpoint to give the AWS SDK (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_SSM`). */
  readonly endpoint: string;
  /** Every call received, as `<target> <name>`, e.g. `secretsmanager.GetSecretValue arn:...`. */
  readonly calls: string[];
}

/**
 * A local stand-in for the two AWS APIs the Powertools parameters utility calls to fetch Redis credentials:
 * Secrets Manager `GetSecretValue` and SSM `GetParameter` (AWS JSON 1.1 protocol over HTTP). It lets the tests
 * run the real utility and AWS SDK clients without network access; signatures are not checked.
 *
 * Sets the SDK's endpoint, region and (dummy) credentials in `process.env` for the file's tests.
 */
export function useFakeAwsParameters(content: {
  readonly secrets?: Record<string, string>;
  readonly parameters?: Record<string, string>;
}): () => FakeAwsParameters {
  let server: Server | undefined;
  let fake: FakeAwsParameters | undefined;
  beforeAll(async () => {
    const calls: string[] = [];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        const input = JSON.parse(body || '{}') as { SecretId?: string; Name?: string };
        const name = input.SecretId ?? input.Name ?? '';
        calls.push(`${target} ${name}`);
        const reply = (status: number, payload: unknown): void => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify(payload));
        };
        const secret = content.secrets?.[name];
        const parameter = content.parameters?.[name];
        if (target === 'secretsmanager.GetSecretValue' && secret !== undefined) {
          reply(200, { ARN: name, Name: name, SecretString: secret, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1_700_000_000 });
        } else if (target === 'AmazonSSM.GetParameter' && parameter !== undefined) {
          reply(200, { Parameter: { Name: name, Type: 'SecureString', Value: parameter, Version: 1, ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}` } });
        } else {
          const type = target.startsWith('AmazonSSM') ? 'ParameterNotFound' : 'ResourceNotFoundException';
          reply(400, { __type: type, message: `no such entry: ${name}` });
        }
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const endpoint = `http://127.0.0.1:${address.port}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDTESTONLY',
      AWS_SECRET_ACCESS_KEY: 'test-only-not-a-secret',
    });
    fake = { endpoint, calls };
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });
  return () => {
    if (fake === undefined) throw new Error('the fake AWS parameters endpoint has not started');
    return fake;
  };
}
