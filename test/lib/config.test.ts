import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_TIMEOUT_MS, loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

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
