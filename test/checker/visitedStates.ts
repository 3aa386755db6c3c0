/**
 * Lowe's memoisation table for the Wing-Gong-Lowe search: the configurations already explored, each a pair
 * (which calls are linearized, as a bitset; the model state, as an integer). Reaching a configuration a second time
 * cannot lead anywhere new, because the calls still to linearize and the state they start from are the same.
 *
 * It also answers for configurations dominated by one explored before: the same mandatory calls linearized and the
 * same state, but more optional calls used up. Such a configuration has the same obligations and fewer means, so it
 * cannot succeed where the other failed (the search never revisits an ancestor: an optional call is only linearized
 * together with a mandatory one). Without this, every unknown write used at some point and not at another would
 * double the configurations from there on.
 *
 * The search's cut-off (see `SearchProblem.cutoffMs`: unknown writes ruled out once a write invoked after their answer
 * is linearized) needs no place in a record. It is the largest cut-off among the linearized calls, so two paths that
 * reach the same bitset have ruled out the same optional calls. And dominance still holds with it: a configuration
 * that used more optional calls has a cut-off at least as high, so every optional call still allowed in it is also
 * allowed in the dominating one, at every later step of any continuation (the continuation raises both alike).
 *
 * Records live in one growable `Int32Array` (state, then the bitset's words) chained by a 32-bit hash of the mandatory
 * part, so a search of a million configurations allocates a handful of arrays rather than a million objects.
 */
export class VisitedStates {
  private readonly stride: number;
  private pool: Int32Array;
  private chain: Int32Array;
  private readonly heads = new Map<number, number>();
  private count = 0;

  /**
   * @param words the bitset's length in 32-bit words
   * @param mandatoryMask the bits of the mandatory calls
   */
  constructor(
    private readonly words: number,
    private readonly mandatoryMask: Int32Array,
  ) {
    this.stride = words + 1;
    this.pool = new Int32Array(this.stride * 1024);
    this.chain = new Int32Array(1024);
  }

  /** How many configurations were recorded. */
  get size(): number {
    return this.count;
  }

  /**
   * Records (bits, state) and answers `true`, or answers `false` when it, or a configuration that dominates it, was
   * recorded before.
   *
   * @param mandatoryHash a hash of the mandatory calls in `bits`, kept up to date by the caller (Zobrist hashing)
   */
  add(bits: Int32Array, mandatoryHash: number, state: number): boolean {
    const key = (mandatoryHash ^ Math.imul(state + 0x3c6ef372, 0x9e3779b1)) | 0;
    const first = this.heads.get(key) ?? -1;
    const { stride, words, pool, mandatoryMask } = this;
    for (let record = first; record !== -1; record = this.chain[record]!) {
      const base = record * stride;
      if (pool[base] !== state) continue;
      let dominates = true;
      for (let w = 0; w < words; w += 1) {
        const recorded = pool[base + 1 + w]!;
        const current = bits[w]!;
        // Same mandatory calls, and the recorded optional calls a subset of the current ones.
        if ((recorded & ~current) !== 0 || ((recorded ^ current) & mandatoryMask[w]!) !== 0) {
          dominates = false;
          break;
        }
      }
      if (dominates) return false;
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
