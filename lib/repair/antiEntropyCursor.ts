import { HASH_SLOTS } from '../replica/hashSlots';

/**
 * Where a pass stands within one replica, read from the saved position's `cursor` for that replica's mode: the SCAN
 * cursor of a standalone replica, or the next hash slot of a cluster replica. A slot number means the same on every
 * master and survives resharding and failover; a SCAN cursor belongs to one server, so a cluster is never walked by one.
 */
export type ReplicaCursor = { readonly kind: 'scan'; readonly cursor: string } | { readonly kind: 'slot'; readonly slot: number };

const SLOT_CURSOR = /^slot:(\d{1,5})$/;

/**
 * The saved form of a cluster replica's next slot: `slot:<n>`, distinct from any SCAN cursor, so a replica that
 * changed mode between two runs (migrated to a cluster) starts over rather than misreading it. Slot 0 is `0`, the
 * start of a replica in either mode.
 */
export function slotCursor(slot: number): string {
  return slot === 0 ? '0' : `slot:${slot}`;
}

/**
 * Reads a saved cursor for a replica of the given mode. A cursor of the other mode, or a slot out of range, starts that
 * replica over: comparing keys again is harmless, skipping them is not.
 */
export function replicaCursorOf(cursor: string, cluster: boolean): ReplicaCursor {
  const slot = SLOT_CURSOR.exec(cursor);
  if (cluster) {
    const next = slot === null ? 0 : Number(slot[1]);
    return { kind: 'slot', slot: next < HASH_SLOTS ? next : 0 };
  }
  return { kind: 'scan', cursor: slot === null && /^\d+$/.test(cursor) ? cursor : '0' };
}

/**
 * Which slots of `[from, from + counts.length)` one batch takes, given each slot's key count: slots in order while
 * their keys fit in `batch`, and always at least the first (a slot is compared whole: GETKEYSINSLOT has no cursor).
 *
 * @returns the slots taken (those with keys), and the first slot not taken (`from + counts.length` when all fit).
 */
export function slotsOfBatch(from: number, counts: readonly number[], batch: number, alreadyTaken = 0): { taken: number[]; next: number; keys: number } {
  const taken: number[] = [];
  let keys = alreadyTaken;
  for (let i = 0; i < counts.length; i += 1) {
    const count = counts[i]!;
    if (keys > 0 && keys + count > batch) return { taken, next: from + i, keys };
    keys += count;
    if (count > 0) taken.push(from + i);
  }
  return { taken, next: from + counts.length, keys };
}
