/**
 * Lowe's memoisation table for the Wing-Gong-Lowe search: the set of configurations already explored, each a pair
 * (which calls are linearized, as a bitset; the model state, as an integer). Reaching a configuration a second time
 * cannot lead anywhere new, because the calls still to linearize and the state they start from are the same.
 *
 * Records live in one growable `Int32Array` (state, then the bitset's words) chained by a 32-bit hash, so a search
 * of a million configurations allocates a handful of arrays rather than a million objects.
 */
export class VisitedStates {
  private readonly stride: number;
  private pool: Int32Array;
  private chain: Int32Array;
  private readonly heads = new Map<number, number>();
  private count = 0;

  /** `words`: the bitset's length in 32-bit words. */
  constructor(private readonly words: number) {
    this.stride = words + 1;
    this.pool = new Int32Array(this.stride * 1024);
    this.chain = new Int32Array(1024);
  }

  /** How many configurations were recorded. */
  get size(): number {
    return this.count;
  }

  /**
   * Records (bits, state) and answers `true`, or answers `false` when it was recorded before.
   *
   * @param hash a hash of `bits` that the caller keeps up to date incrementally (Zobrist hashing)
   */
  add(bits: Int32Array, hash: number, state: number): boolean {
    const key = (hash ^ Math.imul(state + 0x3c6ef372, 0x9e3779b1)) | 0;
    const first = this.heads.get(key) ?? -1;
    const { stride, words, pool } = this;
    for (let record = first; record !== -1; record = this.chain[record]!) {
      const base = record * stride;
      if (pool[base] !== state) continue;
      let same = true;
      for (let w = 0; w < words; w += 1) {
        if (pool[base + 1 + w] !== bits[w]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    this.grow();
    const record = this.count;
    const base = record * stride;
    this.pool[base] = state;
    this.pool.set(bits.subarray(0, words), base + 1);
    this.chain[record] = first;
    this.heads.set(key, record);
    this.count += 1;
    return true;
  }

  private grow(): void {
    if (this.count < this.chain.length) return;
    const chain = new Int32Array(this.chain.length * 2);
    chain.set(this.chain);
    this.chain = chain;
    const pool = new Int32Array(this.pool.length * 2);
    pool.set(this.pool);
    this.pool = pool;
  }
}
