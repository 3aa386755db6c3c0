import { VisitedStates } from './visitedStates';

/** What a model's step answers for a call that cannot happen in the given state (a read of another value). */
export const REJECTED = -0x7fffffff;

/**
 * One key's calls, ready for the search: numbered 0..count-1, each with a real-time window, and a model whose states
 * are small integers (so that a configuration is a bitset plus one number).
 */
export interface SearchProblem {
  readonly count: number;
  /** When each call was invoked. */
  readonly callMs: ArrayLike<number>;
  /** When each call returned; `Infinity` for a call whose outcome is unknown. */
  readonly returnMs: ArrayLike<number>;
  /**
   * Whether a call must be linearized. An optional call (a write whose outcome is unknown) may be linearized at any
   * point after its invocation, or never: the search succeeds as soon as every mandatory call is linearized.
   *
   * Optional calls are lazy: the search places one only immediately before a mandatory call that the model rejects
   * without it and accepts after it, and of several optional calls that lead to the same state it skips any for
   * which an earlier one has a cut-off and a lapse no higher (see {@link cutoffMs}; without one: it tries only the
   * first). The model must make that lossless: an optional call's return must be `Infinity`; moving it later, up to
   * the first call it changes the answer of, must not change what any call observes nor cross a call whose cut-off
   * rules it out; optional calls that lead to the same state in one state must do so in every later one; and no
   * step may depend on whether an optional call is linearized, so that a configuration with fewer optional calls used
   * dominates one with more (see `visitedStates.ts`). All hold for the register model (see `registerModel.ts`). This
   * keeps unknown writes from multiplying the configurations at every step.
   */
  readonly mandatory: ArrayLike<boolean>;
  readonly initialState: number;
  /**
   * Calls that never change the state when accepted and that no step asks `isLinearized` about (reads). An accepted
   * read is linearized as soon as real time allows, without branching: it loses nothing, and it keeps the search
   * from trying each read at every position among the writes.
   */
  readonly readOnly?: ArrayLike<boolean>;
  /**
   * A cut-off that rules optional calls out (with {@link lapseMs}; omit both for none): linearizing call `c` raises
   * the cut-off to `cutoffMs[c]` (`-Infinity` for a call that raises nothing), and from then on, on that search path,
   * an optional call not yet linearized whose `lapseMs` is below the cut-off can no longer be linearized. The register
   * model uses it for "an unknown write answered at r never takes effect above a write invoked after r": a write's
   * cut-off is its invocation, an answered unknown write lapses at its answer.
   *
   * The cut-off is the largest `cutoffMs` among the linearized calls, so which optional calls are ruled out is a
   * function of the linearized set: the visited-state table needs no extra field for it. A configuration that used
   * more optional calls has a cut-off at least as high, hence no more optional calls left, so the dominance that
   * table relies on still holds.
   */
  readonly cutoffMs?: ArrayLike<number>;
  /** Per optional call: the cut-off above which it is ruled out (`Infinity`: never); see {@link cutoffMs}. */
  readonly lapseMs?: ArrayLike<number>;
  /**
   * The model: the state after `call` is linearized in `state`, or {@link REJECTED}. `isLinearized` tells which
   * calls precede it in the linearization (the register model uses it for a put linearized after its own expiry).
   */
  step(state: number, call: number, isLinearized: (call: number) => boolean): number;
}

/** Bounds of one search, so that a pathological history ends as "unknown" instead of running for ever. */
export interface SearchLimits {
  /** Configurations to explore at most (each costs a bitset's worth of memory). */
  readonly maxStates: number;
  /** Milliseconds to search at most. */
  readonly maxMs: number;
}

/** Where the deepest partial linearization got stuck. */
export interface SearchStuckPoint {
  /** The model state after the deepest partial linearization. */
  readonly state: number;
  /** Calls that real time allowed next, each refused by the model in that state. */
  readonly rejected: readonly number[];
  /** Calls that real time allowed next whose continuation had already been explored and failed. */
  readonly exhausted: readonly number[];
  /**
   * Optional calls of the candidate region that would have let a rejected call through but were ruled out by the
   * cut-off (see {@link SearchProblem.cutoffMs}), each with the linearized call that ruled it out (the first, in
   * linearization order, whose cut-off is above the optional call's lapse).
   */
  readonly ruledOut: readonly { readonly call: number; readonly by: number }[];
  /** The unlinearized call that returns first: no call invoked after its return can come before it. */
  readonly deadline: number;
}

/** The answer of {@link searchLinearization}. */
export interface SearchOutcome {
  readonly verdict: 'linearizable' | 'not linearizable' | 'unknown (search limit)';
  /**
   * The calls in linearization order: all mandatory ones (and the optional ones used) when linearizable, otherwise
   * the deepest partial linearization found (the first one, if several are equally deep).
   */
  readonly order: readonly number[];
  /** The model state after each call of {@link order}. */
  readonly statesAfter: readonly number[];
  /** Set when not linearizable (and, when it got that far, when the limit was hit). */
  readonly stuck?: SearchStuckPoint;
  readonly limit?: 'states' | 'time';
  readonly exploredStates: number;
  readonly elapsedMs: number;
}

const HEAD = 0;

/** How a call came onto the search stack: chosen among the candidates, forced (an accepted read), or as an enabler. */
const CHOSEN = 0;
const FORCED = 1;
const ENABLER = 2;

/**
 * The Wing-Gong-Lowe linearizability search with Lowe's memoisation, as in Porcupine (`checkSingle`).
 *
 * The calls' invocation and return events form a doubly linked list in time order. The search walks it from the
 * head: an invocation is a candidate to linearize next (the model is stepped; on success the call's two events are
 * lifted out of the list and the walk restarts from the head); reaching the return of a call not yet linearized means
 * that call should have come earlier, so the last choice is undone (its events put back, dancing-links style) and the
 * walk resumes after it. Every (linearized set, state) reached is remembered, and a configuration seen before is not
 * explored again, which is what makes the search fast on real histories. Optional calls take part only as enablers
 * of a rejected call (see {@link SearchProblem.mandatory}), and only while the cut-off has not ruled them out (see
 * {@link SearchProblem.cutoffMs}).
 *
 * Ties: an invocation at the same millisecond as a return is ordered first, i.e. the two calls count as concurrent
 * (with millisecond clocks the order is unknown, and assuming concurrency never reports a false violation).
 */
export function searchLinearization(problem: SearchProblem, limits: SearchLimits): SearchOutcome {
  const started = performance.now();
  const n = problem.count;
  const tail = 2 * n + 1;
  // Nodes 1..2n are events; node 0 is the head sentinel and node 2n+1 the tail sentinel.
  const events = Array.from({ length: 2 * n }, (_, e) => e);
  const eventTime = (e: number): number => (e < n ? problem.callMs[e]! : problem.returnMs[e - n]!);
  events.sort((a, b) => eventTime(a) - eventTime(b) || (a < n ? 0 : 1) - (b < n ? 0 : 1) || a - b);
  const nodeCall = new Int32Array(tail + 1);
  const nodeIsInvoke = new Uint8Array(tail + 1);
  const invokeNode = new Int32Array(n);
  const returnNode = new Int32Array(n);
  const next = new Int32Array(tail + 1);
  const prev = new Int32Array(tail + 1);
  events.forEach((e, i) => {
    const node = i + 1;
    const call = e < n ? e : e - n;
    nodeCall[node] = call;
    nodeIsInvoke[node] = e < n ? 1 : 0;
    if (e < n) invokeNode[call] = node;
    else returnNode[call] = node;
  });
  for (let node = 0; node <= tail; node += 1) {
    next[node] = node + 1;
    prev[node] = node - 1;
  }

  const lift = (call: number): void => {
    const a = invokeNode[call]!;
    const b = returnNode[call]!;
    next[prev[a]!] = next[a]!;
    prev[next[a]!] = prev[a]!;
    next[prev[b]!] = next[b]!;
    prev[next[b]!] = prev[b]!;
  };
  const unlift = (call: number): void => {
    const a = invokeNode[call]!;
    const b = returnNode[call]!;
    next[prev[b]!] = b;
    prev[next[b]!] = b;
    next[prev[a]!] = a;
    prev[next[a]!] = a;
  };

  const words = Math.max(1, Math.ceil(n / 32));
  const bits = new Int32Array(words);
  const isLinearized = (call: number): boolean => (bits[call >>> 5]! & (1 << (call & 31))) !== 0;
  const toggle = (call: number): void => {
    bits[call >>> 5]! ^= 1 << (call & 31);
  };
  const mandatoryMask = new Int32Array(words);
  for (let c = 0; c < n; c += 1) if (problem.mandatory[c]) mandatoryMask[c >>> 5]! |= 1 << (c & 31);
  // The hash covers the mandatory calls only, so that dominated configurations land in the same chain.
  const zobrist = zobristCodes(n);
  for (let c = 0; c < n; c += 1) if (!problem.mandatory[c]) zobrist[c] = 0;
  const visited = new VisitedStates(words, mandatoryMask);

  // The linearization so far; an optional call is always followed by the call it enabled (a compound step).
  const stackCall = new Int32Array(n);
  const stackStateBefore = new Int32Array(n);
  const stackKind = new Uint8Array(n);
  const stackCutoffBefore = new Float64Array(n);
  let depth = 0;
  let state = problem.initialState;
  const { cutoffMs, lapseMs } = problem;
  let cutoff = -Infinity;
  const lapseOf = (call: number): number => (lapseMs === undefined ? Infinity : lapseMs[call]!);
  const cutoffOf = (call: number): number => (cutoffMs === undefined ? -Infinity : cutoffMs[call]!);
  /** Whether an optional call is still allowed: the cut-off has not passed its lapse. */
  const alive = (call: number): boolean => lapseOf(call) >= cutoff;
  let hash = 0;
  let mandatoryLeft = 0;
  for (let c = 0; c < n; c += 1) if (problem.mandatory[c]) mandatoryLeft += 1;

  const push = (call: number, kind: number): void => {
    stackCall[depth] = call;
    stackStateBefore[depth] = state;
    stackKind[depth] = kind;
    stackCutoffBefore[depth] = cutoff;
    cutoff = Math.max(cutoff, cutoffOf(call));
    depth += 1;
    lift(call);
    if (problem.mandatory[call]) mandatoryLeft -= 1;
  };
  const pop = (): number => {
    depth -= 1;
    const call = stackCall[depth]!;
    state = stackStateBefore[depth]!;
    cutoff = stackCutoffBefore[depth]!;
    toggle(call);
    hash ^= zobrist[call]!;
    unlift(call);
    if (problem.mandatory[call]) mandatoryLeft += 1;
    return call;
  };
  /** A read-only mandatory call in the candidate region that the model accepts in `state`, or -1. */
  const acceptedRead = (): number => {
    if (problem.readOnly === undefined) return -1;
    for (let node = next[HEAD]!; node !== tail && nodeIsInvoke[node] === 1; node = next[node]!) {
      const call = nodeCall[node]!;
      if (problem.readOnly[call] && problem.mandatory[call] && problem.step(state, call, isLinearized) === state) return call;
    }
    return -1;
  };
  /**
   * Whether an allowed optional call before `node` in the candidate region turns `state` into `wanted` too, with a
   * cut-off and a lapse no higher than the one at `node`'s. Such a call is at least as good an enabler: it raises the
   * cut-off no higher, and it leaves the other one, which lapses no sooner, for later; any continuation after the
   * other one works after it, with the two swapped. Without a cut-off: any earlier call that leads to the same state.
   */
  const betterEnablerBefore = (node: number, wanted: number): boolean => {
    const lapse = lapseOf(nodeCall[node]!);
    const raises = cutoffOf(nodeCall[node]!);
    for (let other = next[HEAD]!; other !== node; other = next[other]!) {
      const call = nodeCall[other]!;
      if (problem.mandatory[call] || !alive(call) || lapseOf(call) > lapse || cutoffOf(call) > raises) continue;
      if (problem.step(state, call, isLinearized) === wanted) return true;
    }
    return false;
  };
  /**
   * Tries the optional calls of the candidate region from node `from` on as enablers of the rejected mandatory
   * `call`; on success pushes both and answers true.
   */
  const pushEnabled = (call: number, from: number): boolean => {
    for (let node = from; node !== tail && nodeIsInvoke[node] === 1; node = next[node]!) {
      const enabler = nodeCall[node]!;
      if (problem.mandatory[enabler] || !alive(enabler)) continue;
      const between = problem.step(state, enabler, isLinearized);
      if (between === REJECTED || between === state) continue;
      // Of enablers that lead to the same state, one that is no worse on both counts is tried instead.
      if (betterEnablerBefore(node, between)) continue;
      toggle(enabler);
      const after = problem.step(between, call, isLinearized);
      if (after !== REJECTED) {
        toggle(call);
        hash ^= zobrist[enabler]! ^ zobrist[call]!;
        if (visited.add(bits, hash, after)) {
          push(enabler, ENABLER);
          state = between;
          push(call, CHOSEN);
          state = after;
          return true;
        }
        toggle(call);
        hash ^= zobrist[enabler]! ^ zobrist[call]!;
      }
      toggle(enabler);
    }
    return false;
  };

  let deepest: { order: number[]; statesAfter: number[]; stuck?: SearchStuckPoint } = { order: [], statesAfter: [] };
  let deepestDepth = -1;
  const currentOrder = (): { order: number[]; statesAfter: number[] } => {
    const order = Array.from(stackCall.subarray(0, depth));
    const statesAfter = order.map((_, i) => (i + 1 < depth ? stackStateBefore[i + 1]! : state));
    return { order, statesAfter };
  };
  const stuckHere = (): SearchStuckPoint => {
    const rejected: number[] = [];
    const exhausted: number[] = [];
    const lapsed: number[] = [];
    let node = next[HEAD]!;
    for (; node !== tail && nodeIsInvoke[node] === 1; node = next[node]!) {
      const call = nodeCall[node]!;
      if (problem.mandatory[call]) (problem.step(state, call, isLinearized) === REJECTED ? rejected : exhausted).push(call);
      else if (!alive(call)) lapsed.push(call);
    }
    const ruledOut: { call: number; by: number }[] = [];
    for (const call of lapsed) {
      const between = problem.step(state, call, isLinearized);
      if (between === REJECTED || between === state) continue;
      toggle(call);
      const enables = rejected.some((read) => problem.step(between, read, isLinearized) !== REJECTED);
      toggle(call);
      if (!enables) continue;
      const lapse = lapseOf(call);
      let by = 0;
      while (cutoffOf(stackCall[by]!) <= lapse) by += 1;
      ruledOut.push({ call, by: stackCall[by]! });
    }
    return { state, rejected, exhausted, ruledOut, deadline: node === tail ? -1 : nodeCall[node]! };
  };
  const finish = (verdict: SearchOutcome['verdict'], limit?: 'states' | 'time'): SearchOutcome => {
    const elapsedMs = performance.now() - started;
    const base = { exploredStates: visited.size, elapsedMs, ...(limit === undefined ? {} : { limit }) };
    if (verdict === 'linearizable') return { verdict, ...currentOrder(), ...base };
    if (depth > deepestDepth) deepest = { ...currentOrder() };
    return { verdict, ...deepest, ...base };
  };

  // The walk over the candidate region makes two passes: first each mandatory call on its own, then each rejected one
  // after an optional call that enables it, so that configurations using fewer optional calls are explored first and
  // dominate the others. `entry`: the event the walk is at; `enablersFrom`: in the second pass, the node from which
  // optional calls are still to be tried as enablers of the call at `entry` (0: from the start of the region).
  //
  // Before either pass, a read the model accepts in the current state is linearized at once, without trying
  // anything else here: a read changes nothing, and real time allows it first (it is in the region), so if any
  // linearization continues from this configuration, one continues with that read.
  let entry = next[HEAD]!;
  let secondPass = false;
  let enablersFrom = 0;
  let iterations = 0;
  let fresh = true;
  for (;;) {
    if (mandatoryLeft === 0) return finish('linearizable');
    iterations += 1;
    if ((iterations & 0xfff) === 0 && performance.now() - started > limits.maxMs) return finish('unknown (search limit)', 'time');
    if (fresh) {
      fresh = false;
      const read = acceptedRead();
      if (read >= 0) {
        toggle(read);
        hash ^= zobrist[read]!;
        if (visited.add(bits, hash, state)) {
          push(read, FORCED);
          if (visited.size >= limits.maxStates) return finish('unknown (search limit)', 'states');
          fresh = true;
          entry = next[HEAD]!;
          continue;
        }
        // Its only continuation was explored before: this configuration is a dead end.
        toggle(read);
        hash ^= zobrist[read]!;
        entry = tail;
        secondPass = true;
        continue;
      }
    }
    if (entry !== tail && nodeIsInvoke[entry] === 1) {
      const call = nodeCall[entry]!;
      // Optional calls are lazy: linearized only right before a call they enable.
      if (problem.mandatory[call]) {
        const after = problem.step(state, call, isLinearized);
        if (!secondPass) {
          if (after !== REJECTED) {
            toggle(call);
            hash ^= zobrist[call]!;
            if (visited.add(bits, hash, after)) {
              push(call, CHOSEN);
              state = after;
              if (visited.size >= limits.maxStates) return finish('unknown (search limit)', 'states');
              fresh = true;
              entry = next[HEAD]!;
              continue;
            }
            toggle(call);
            hash ^= zobrist[call]!;
          }
        } else if (after === REJECTED && pushEnabled(call, enablersFrom === 0 ? next[HEAD]! : enablersFrom)) {
          if (visited.size >= limits.maxStates) return finish('unknown (search limit)', 'states');
          fresh = true;
          entry = next[HEAD]!;
          secondPass = false;
          enablersFrom = 0;
          continue;
        }
      }
      entry = next[entry]!;
      enablersFrom = 0;
      continue;
    }
    if (!secondPass) {
      secondPass = true;
      entry = next[HEAD]!;
      continue;
    }
    // The first open call's return (or the end of the list), twice: undo the last choice.
    if (depth > deepestDepth) {
      deepestDepth = depth;
      deepest = { ...currentOrder(), stuck: stuckHere() };
    }
    if (depth === 0) return finish('not linearizable');
    const kind = stackKind[depth - 1]!;
    const call = pop();
    if (kind === FORCED) {
      // The read was this configuration's only continuation: undo further.
      entry = tail;
      secondPass = true;
    } else if (depth > 0 && stackKind[depth - 1] === ENABLER) {
      // A compound step: undo its enabler too, and go on with the next enabler of the same call.
      const enabler = pop();
      entry = invokeNode[call]!;
      secondPass = true;
      enablersFrom = next[invokeNode[enabler]!]!;
    } else {
      entry = next[invokeNode[call]!]!;
      secondPass = false;
      enablersFrom = 0;
    }
  }
}

/** Fixed pseudo-random 32-bit codes, one per call, whose XOR over a set is the set's hash. */
function zobristCodes(n: number): Int32Array {
  const codes = new Int32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i += 1) {
    // xorshift32: deterministic, so a search explores the same way on every run.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    codes[i] = x;
  }
  return codes;
}
