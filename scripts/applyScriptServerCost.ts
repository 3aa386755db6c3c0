/**
 * `npx tsx scripts/applyScriptServerCost.ts [--rounds=6] [--calls=20000]`: what the apply script costs a Redis server
 * per call (`INFO commandstats`, µs per call, its inner `GETRANGE` and `SET` included), called as it is (`EVALSHA`)
 * and as a Redis 7 function (`FUNCTION LOAD` once, then `FCALL`): with the same body, and with the helper functions
 * defined once at load rather than on every call. One local server; the calls are pipelined 200 at a time, rounds
 * interleaved, over 1,000 keys that already hold entries (the common path: a newer version replaces an older one).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { applyIfNewerLua, encodeEntry, HybridLogicalClock } from '../lib';
import { LocalRedisCluster } from '../tools/localCluster';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, calls: { type: 'string', default: '20000' } } });
const rounds = Number(values.rounds);
const calls = Number(values.calls);

const lua = applyIfNewerLua('string', true);
/** The same text as a function body: `KEYS` and `ARGV` become its parameters. */
const asIs = `#!lua name=qkv_cost_as_is\nlocal function apply(KEYS, ARGV)\n${lua}\nend\nredis.register_function('qkv_cost_as_is', apply)\n`;
const bodyAt = lua.indexOf('local version = string.sub(entry, 6, 35)');
const helpersAt = lua.indexOf("\n-- 'qkv1");
/** The helpers (header, hashRank, seed keys) defined once when the library loads; the rest per call. */
const hoisted = `#!lua name=qkv_cost_hoisted\n${lua.slice(helpersAt, bodyAt)}\nlocal function apply(KEYS, ARGV)\nlocal key = KEYS[1]\nlocal entry = ARGV[1]\n${lua.slice(bodyAt)}\nend\nredis.register_function('qkv_cost_hoisted', apply)\n`;

async function main(): Promise<void> {
  const servers = await LocalRedisCluster.start({ count: 1, appendOnly: false });
  const client = new Redis(servers.nodes[0]!.url, { enableAutoPipelining: false });
  try {
    const sha = (await client.script('LOAD', lua)) as string;
    await client.call('FUNCTION', 'LOAD', 'REPLACE', asIs);
    await client.call('FUNCTION', 'LOAD', 'REPLACE', hoisted);
    const clock = new HybridLogicalClock();
    const value = 'v'.repeat(64);
    const variants = [
      { name: 'EVALSHA (as deployed)', stat: 'evalsha', args: (key: string, entry: string) => ['EVALSHA', sha, 1, key, entry, ''] },
      { name: 'FCALL, same body', stat: 'fcall', args: (key: string, entry: string) => ['FCALL', 'qkv_cost_as_is', 1, key, entry, ''] },
      { name: 'FCALL, helpers defined at load', stat: 'fcall', args: (key: string, entry: string) => ['FCALL', 'qkv_cost_hoisted', 1, key, entry, ''] },
    ];
    const perCall = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (let k = 0; k < variants.length; k += 1) {
        const variant = variants[(round + k) % variants.length]!;
        await client.config('RESETSTAT');
        for (let i = 0; i < calls; i += 200) {
          const pipeline = client.pipeline();
          for (let j = i; j < i + 200; j += 1) {
            const [command, ...args] = variant.args(`k${j % 1_000}`, encodeEntry({ version: clock.next(), value }));
            pipeline.call(command as string, ...(args as (string | number)[]));
          }
          const failed = (await pipeline.exec())?.find(([error]) => error !== null);
          if (failed !== undefined) throw failed[0];
        }
        const stat = new RegExp(`cmdstat_${variant.stat}:calls=(\\d+),usec=(\\d+)`).exec(await client.info('commandstats'));
        perCall.get(variant.name)!.push(Number(stat![2]) / Number(stat![1]));
      }
    }
    console.log(`apply script, server µs per call (inner commands included), ${rounds} rounds of ${calls} calls`);
    console.log('| called as | median | each round |');
    console.log('| --- | --- | --- |');
    for (const [name, list] of perCall) {
      const sorted = [...list].sort((a, b) => a - b);
      console.log(`| ${name} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} | ${list.map((us) => us.toFixed(2)).join(' ')} |`);
    }
  } finally {
    client.disconnect();
    await servers.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
