import calculateSlot from 'cluster-key-slot';

/** How many hash slots a Redis Cluster divides its keys into. */
export const HASH_SLOTS = 16_384;

/**
 * The Redis Cluster hash slot of a key (CRC16, honouring `{hash tags}`), computed as ioredis routes commands: a
 * multi-key script or command must keep to one slot, so callers group keys with {@link groupBySlot}.
 */
export function slotOf(key: string): number {
  return calculateSlot(key);
}

/** `keys` grouped by hash slot, each group with the keys' positions in `keys` so replies can be put back in order. */
export function groupBySlot(keys: readonly string[]): { readonly keys: string[]; readonly positions: number[] }[] {
  const groups = new Map<number, { keys: string[]; positions: number[] }>();
  keys.forEach((key, position) => {
    const slot = slotOf(key);
    let group = groups.get(slot);
    if (group === undefined) {
      group = { keys: [], positions: [] };
      groups.set(slot, group);
    }
    group.keys.push(key);
    group.positions.push(position);
  });
  return [...groups.values()];
}
