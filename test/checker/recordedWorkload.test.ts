import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHistory, describeCheck, HistoryRecorder, writeHistoryPicture } from './index';

/** A store under test: a key-value map behind asynchronous calls. */
interface FakeStore {
  put(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Applies each call at one instant in the middle of its latency: linearizable by construction. */
function atomicStore(): FakeStore {
  const data = new Map<string, string>();
  return {
    async put(key, value) {
      await pause(1);
      data.set(key, value);
      await pause(1);
    },
    async get(key) {
      await pause(1);
      const value = data.get(key) ?? null;
      await pause(1);
      return value;
    },
  };
}

/** Acknowledges a write once one of two replicas has it, and reads from them in turn: stale reads. */
function laggingReplicaStore(): FakeStore {
  const replicas = [new Map<string, string>(), new Map<string, string>()];
  let turn = 0;
  return {
    async put(key, value) {
      replicas[0]!.set(key, value);
      setTimeout(() => replicas[1]!.set(key, value), 30);
      await pause(1);
    },
    async get(key) {
      await pause(1);
      turn += 1;
      return replicas[turn % 2]!.get(key) ?? null;
    },
  };
}

/** Three clients, each writing its own values to two keys and reading them back, recorded. */
async function runWorkload(store: FakeStore): Promise<HistoryRecorder> {
  const recorder = new HistoryRecorder();
  await Promise.all(
    ['A', 'B', 'C'].map(async (client) => {
      for (let i = 0; i < 15; i += 1) {
        const key = `k${i % 2}`;
        const write = recorder.invoke(client, 'put', key, `${client}${i}`);
        await store.put(key, `${client}${i}`);
        write.ok();
        const read = recorder.invoke(client, 'get', key);
        read.ok(await store.get(key));
      }
    }),
  );
  return recorder;
}

describe('A recorded workload, checked', () => {
  const folder = mkdtempSync(join(tmpdir(), 'recorded-workload-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('passes for a store that applies every call atomically', async () => {
    // Act
    const recorder = await runWorkload(atomicStore());
    const result = checkHistory(recorder.history());

    // Assess
    expect(result.outcomes).toEqual({ ok: 90, failed: 0, unknown: 0 });
    expect(result.verdict).toBe('linearizable');
  });

  it('fails for a store that acknowledges writes before a replica it reads from has them, with a picture', async () => {
    // Act
    const recorder = await runWorkload(laggingReplicaStore());
    const result = checkHistory(recorder.history());
    const pictures = result.failures.map((failure) => writeHistoryPicture(failure, { folder }));

    // Assess
    expect(result.verdict).toBe('not linearizable');
    expect(describeCheck(result)).toContain('could not linearize next');
    expect(pictures.length).toBeGreaterThan(0);
    expect(pictures.every((path) => path.startsWith(folder))).toBe(true);
  });
});
