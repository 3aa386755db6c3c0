import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_MAX_KEY_BYTES,
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_NODE_TIMEOUT_MS,
  loadConfig,
} from '../../lib';

describe('Function: loadConfig', () => {
  it('defaults to the seed three local nodes with a majority quorum of 2', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config.replicas.map((replica) => replica.name)).toEqual(['127.0.0.1:6379', '127.0.0.1:6380', '127.0.0.1:6381']);
    expect(config.writeQuorum).toBe(2);
    expect(config.nodeTimeoutMs).toBe(DEFAULT_NODE_TIMEOUT_MS);
  });

  it.each([
    [1, 1],
    [2, 2],
    [4, 3],
    [5, 3],
  ])('uses a majority quorum for %i nodes (%i)', (count, quorum) => {
    // Prepare
    const nodes = Array.from({ length: count }, (_, i) => `redis://127.0.0.1:${7000 + i}`).join(',');

    // Act
    const config = loadConfig({ REDIS_NODES: nodes });

    // Assess
    expect(config.writeQuorum).toBe(quorum);
  });

  it('accepts TLS and credentials in URLs without putting the password in the replica name', () => {
    // Act
    const config = loadConfig({ REDIS_NODES: 'rediss://app:s3cret@cache-1.example:6380, redis://cache-2.example' });

    // Assess
    expect(config.replicas).toEqual([
      { name: 'cache-1.example:6380', url: 'rediss://app:s3cret@cache-1.example:6380', tls: true },
      { name: 'cache-2.example:6379', url: 'redis://cache-2.example', tls: false },
    ]);
  });

  it('reads ?cluster=true as a Redis Cluster seed endpoint, mixed with standalone replicas, and keeps it out of the URL', () => {
    // Act
    const config = loadConfig({
      REDIS_NODES:
        'rediss://clustercfg.my-cache.abc123.use1.cache.amazonaws.com:6379?cluster=true#a,' +
        'redis://127.0.0.1:7001?cluster=true,redis://127.0.0.1:6380?cluster=false,redis://10.0.0.9:6379?family=6&cluster=true',
    });

    // Assess
    expect(config.replicas).toEqual([
      { name: 'a', url: 'rediss://clustercfg.my-cache.abc123.use1.cache.amazonaws.com:6379', tls: true, cluster: true },
      { name: '127.0.0.1:7001', url: 'redis://127.0.0.1:7001', tls: false, cluster: true },
      { name: '127.0.0.1:6380', url: 'redis://127.0.0.1:6380', tls: false },
      { name: '10.0.0.9:6379', url: 'redis://10.0.0.9:6379?family=6', tls: false, cluster: true },
    ]);
  });

  it.each(['yes', 'TRUE', '1', '', 'true&cluster=false'])('refuses ?cluster=%s, naming REDIS_NODES and never the password', (flag) => {
    // Act
    const load = (): unknown => loadConfig({ REDIS_NODES: `redis://app:s3cret@127.0.0.1:7001?cluster=${flag}` });

    // Assess
    expect(load).toThrow(/REDIS_NODES.*cluster=true/s);
    expect(load).not.toThrow(/s3cret/);
  });

  it.each([
    [{ REDIS_NODES: 'http://127.0.0.1:6379' }, 'REDIS_NODES'],
    [{ REDIS_NODES: 'not a url' }, 'REDIS_NODES'],
    [{ REDIS_NODES: ' , ' }, 'REDIS_NODES'],
    [{ REDIS_NODES: 'redis://a:1,redis://a:1' }, 'REDIS_NODES'],
    [{ WRITE_QUORUM: '4' }, 'WRITE_QUORUM'],
    [{ WRITE_QUORUM: '0' }, 'WRITE_QUORUM'],
    [{ WRITE_QUORUM: 'two' }, 'WRITE_QUORUM'],
    [{ NODE_TIMEOUT_MS: '0' }, 'NODE_TIMEOUT_MS'],
    [{ NODE_TIMEOUT_MS: '1.5' }, 'NODE_TIMEOUT_MS'],
    [{ MAX_KEY_BYTES: '0' }, 'MAX_KEY_BYTES'],
    [{ MAX_VALUE_BYTES: '6291457' }, 'MAX_VALUE_BYTES'],
    [{ MAX_VALUE_BYTES: '1MiB' }, 'MAX_VALUE_BYTES'],
    [{ REDIS_TLS_CA: '-----BEGIN CERTIFICATE-----' }, 'REDIS_TLS_CA'],
    [{ REDIS_NODES: 'rediss://a:1', REDIS_TLS_CA: '/nonexistent/ca.pem' }, 'REDIS_TLS_CA'],
    [{ REDIS_NODES: 'rediss://a:1', REDIS_TLS_CA: '-----BEGIN PRIVATE KEY-----' }, 'REDIS_TLS_CA'],
    [{ REDIS_SECRET_ARN: 'my-secret' }, 'REDIS_SECRET_ARN'],
    [{ REDIS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s', REDIS_PASSWORD_PARAMETER: '/p' }, 'REDIS_SECRET_ARN'],
    [{ REDIS_NODES: 'redis://u:p@a:1', REDIS_PASSWORD_PARAMETER: '/p' }, 'REDIS_PASSWORD_PARAMETER'],
    [{ REDIS_PASSWORD_PARAMETER: 'no-leading-slash' }, 'REDIS_PASSWORD_PARAMETER'],
    [{ ENTRY_WRITE_FORMAT: 'json' }, 'ENTRY_WRITE_FORMAT'],
  ])('rejects %o with an error naming %s', (env, variable) => {
    // Act
    const attempt = (): unknown => loadConfig(env);

    // Assess
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable} must be`));
  });

  it('never repeats a password in its error message', () => {
    // Act
    const attempt = (): unknown => loadConfig({ REDIS_NODES: 'http://user:hunter2@host:1' });

    // Assess
    expect(attempt).toThrow(/\*\*\*@host/);
    expect(attempt).not.toThrow(/hunter2/);
  });
});

describe('Function: loadConfig, limits and Redis security', () => {
  it('asks every replica at once unless READ_STRATEGY=hedged, and refuses other strategies naming the variable', () => {
    // Act
    const byDefault = loadConfig({});
    const hedged = loadConfig({ READ_STRATEGY: ' Hedged ' });
    const attempt = (): unknown => loadConfig({ READ_STRATEGY: 'speculative' });

    // Assess
    expect(byDefault.readStrategy).toBe('race');
    expect(hedged.readStrategy).toBe('hedged');
    expect(attempt).toThrow(/^READ_STRATEGY must be one of race, hedged/);
  });

  it('writes entry strings unless ENTRY_WRITE_FORMAT=hash asks for the hash form of earlier versions', () => {
    // Assess
    expect(loadConfig({}).entryWriteFormat).toBe('string');
    expect(loadConfig({ ENTRY_WRITE_FORMAT: 'hash' }).entryWriteFormat).toBe('hash');
  });

  it('defaults to keys of 512 bytes and values of 1 MiB, with no CA and no secret', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config).toMatchObject({ maxKeyBytes: DEFAULT_MAX_KEY_BYTES, maxValueBytes: DEFAULT_MAX_VALUE_BYTES });
    expect(DEFAULT_MAX_KEY_BYTES).toBe(512);
    expect(DEFAULT_MAX_VALUE_BYTES).toBe(1_048_576);
    expect(config.tlsCa).toBeUndefined();
    expect(config.credentialsSource).toBeUndefined();
  });

  it('keeps auto-pipelining on unless REDIS_AUTO_PIPELINING=false, and refuses other values', () => {
    // Act
    const byDefault = loadConfig({});
    const off = loadConfig({ REDIS_AUTO_PIPELINING: 'false' });

    // Assess
    expect(byDefault.autoPipelining).toBe(true);
    expect(off.autoPipelining).toBe(false);
    expect(() => loadConfig({ REDIS_AUTO_PIPELINING: 'yes' })).toThrow(/REDIS_AUTO_PIPELINING/);
  });

  it('keeps auto-pipelining off for cluster replicas unless REDIS_CLUSTER_AUTO_PIPELINING=true, and refuses other values', () => {
    // Act
    const byDefault = loadConfig({ REDIS_NODES: 'redis://127.0.0.1:7000?cluster=true' });
    const on = loadConfig({ REDIS_NODES: 'redis://127.0.0.1:7000?cluster=true', REDIS_CLUSTER_AUTO_PIPELINING: 'true' });

    // Assess: independent of the standalone replicas' setting.
    expect(byDefault).toMatchObject({ clusterAutoPipelining: false, autoPipelining: true });
    expect(on).toMatchObject({ clusterAutoPipelining: true, autoPipelining: true });
    expect(() => loadConfig({ REDIS_CLUSTER_AUTO_PIPELINING: '1' })).toThrow(/REDIS_CLUSTER_AUTO_PIPELINING/);
  });

  it('accepts MAX_VALUE_BYTES up to the Lambda payload limit', () => {
    // Act
    const config = loadConfig({ MAX_VALUE_BYTES: '6291456', MAX_KEY_BYTES: '1024' });

    // Assess
    expect(config).toMatchObject({ maxValueBytes: 6_291_456, maxKeyBytes: 1_024 });
  });

  it('reads REDIS_TLS_CA from a file or inline, only with rediss:// nodes', () => {
    // Prepare
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const file = join(mkdtempSync(join(tmpdir(), 'qkv-ca-')), 'ca.pem');
    writeFileSync(file, pem);

    // Act
    const fromFile = loadConfig({ REDIS_NODES: 'rediss://cache:6380', REDIS_TLS_CA: file });
    const inline = loadConfig({ REDIS_NODES: 'rediss://cache:6380', REDIS_TLS_CA: pem });
    const withoutTls = (): unknown => loadConfig({ REDIS_NODES: 'redis://cache:6379', REDIS_TLS_CA: pem });

    // Assess
    expect(fromFile.tlsCa).toBe(pem);
    expect(inline.tlsCa).toBe(pem.trim());
    expect(withoutTls).toThrow(/^REDIS_TLS_CA must be set only when REDIS_NODES uses rediss:\/\//);
  });

  it('names the secret or parameter that holds the Redis credentials', () => {
    // Act
    const secret = loadConfig({ REDIS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:qkv-AbC' });
    const parameter = loadConfig({ REDIS_PASSWORD_PARAMETER: '/qkv/redis' });

    // Assess
    expect(secret.credentialsSource).toEqual({ kind: 'secretsManager', name: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:qkv-AbC' });
    expect(parameter.credentialsSource).toEqual({ kind: 'ssmParameter', name: '/qkv/redis' });
  });

  it('never repeats a URL password when refusing a secret alongside URL credentials', () => {
    // Act
    const attempt = (): unknown => loadConfig({ REDIS_NODES: 'rediss://app:hunter2@cache:6380', REDIS_PASSWORD_PARAMETER: '/qkv/redis' });

    // Assess
    expect(attempt).toThrow(/REDIS_PASSWORD_PARAMETER must be used with REDIS_NODES URLs that carry no user or password/);
    expect(attempt).not.toThrow(/hunter2/);
  });
});
