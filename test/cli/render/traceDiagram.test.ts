import { describe, expect, it } from 'vitest';
import type { StoreAnswer } from '../../../cli/client/storeClient';
import type { TraceEntry } from '../../../functions/contract/trace';
import { niceCeiling, renderTraceDiagram } from '../../../cli/render/traceDiagram';

const V1 = '1795808440933.00000.6441806726';
const V0 = '1795808440000.00000.6441806726';
const WIDTH = 41;

/** Where the time axis starts in a picture's lines: under the axis rule's first tick. */
function axisStart(picture: string): number {
  const rule = picture.split('\n').find((text) => /^ +┬─/.test(text));
  if (rule === undefined) throw new Error(`no axis rule in:\n${picture}`);
  return rule.indexOf('┬');
}

/** The lane of `node` in a picture: the characters of its time axis. */
function laneOf(picture: string, node: string): string {
  const line = picture.split('\n').find((text) => text.startsWith(`${node} `));
  if (line === undefined) throw new Error(`no lane for ${node} in:\n${picture}`);
  return [...line].slice(axisStart(picture), axisStart(picture) + WIDTH).join('');
}

/** The column a time falls in on an axis ending at `end`, as the renderer places it. */
const columnOf = (ms: number, end: number): number => Math.round((ms / end) * (WIDTH - 1));

function answer(body: StoreAnswer['body'], status = 200): StoreAnswer {
  return { status, body, roundTripMs: 3.2 };
}

describe('Module: traceDiagram', () => {
  describe('Function: renderTraceDiagram', () => {
    it('shows a hedged read: the replica asked late starts where it was hedged and says when, the others not sent', () => {
      // Prepare
      const nodes: TraceEntry[] = [
        { node: 'a:1', outcome: 'pending', ms: 0, version: null, sent_ms: 0 },
        { node: 'b:2', outcome: 'found', ms: 0.4, version: V1, sent_ms: 2.1, hedged_at_ms: 2.1, first: true },
        { node: 'c:3', outcome: 'not-sent', ms: 0, version: null, sent_ms: null },
      ];

      // Act
      const picture = renderTraceDiagram(
        { op: 'get', key: 'city' },
        answer({ status: 'OK', value: 'Seoul', version: V1, consistency: 'one', repair: 'none', elapsed_ms: 2.6, nodes }),
        { axisWidth: WIDTH },
      );

      // Assess
      const end = niceCeiling(2.6);
      expect(laneOf(picture, 'b:2')[columnOf(2.1, end)]).toBe('├');
      expect(picture.split('\n').find((line) => line.startsWith('b:2'))).toContain('hedged at 2.10 ms');
      expect(laneOf(picture, 'c:3')).toMatch(/^not sent/);
      expect(picture.split('\n').find((line) => line.startsWith('c:3'))).toContain('(answered without it)');
    });

    it('draws one lane per replica from its send time to its answer, with the outcome mark where it answered', () => {
      // Prepare: a first-response read with the contract's timing fields.
      const nodes: TraceEntry[] = [
        { node: 'a:1', outcome: 'found', ms: 0.9, version: V1, sent_ms: 0.1, first: true },
        { node: 'b:2', outcome: 'stale', ms: 1.7, version: V0, sent_ms: 0.2 },
        { node: 'c:3', outcome: 'missing', ms: 0.5, version: null, sent_ms: 0.3 },
      ];

      // Act
      const picture = renderTraceDiagram(
        { op: 'get', key: 'city' },
        answer({ status: 'OK', value: 'Seoul', version: V1, consistency: 'one', repair: 'scheduled', elapsed_ms: 1.0, nodes }),
        { axisWidth: WIDTH },
      );

      // Assess: the axis ends at the nice number above the latest event (b answers at 1.9 ms).
      const end = niceCeiling(1.9);
      for (const node of nodes) {
        const lane = laneOf(picture, node.node);
        const mark = { found: '●', stale: '◐', missing: '○' }[node.outcome as 'found' | 'stale' | 'missing'];
        expect(lane[columnOf(node.sent_ms!, end)]).toBe('├');
        expect(lane[columnOf(node.sent_ms! + node.ms, end)]).toBe(mark);
        expect(lane.slice(columnOf(node.sent_ms!, end) + 1, columnOf(node.sent_ms! + node.ms, end))).toMatch(/^━*$/);
      }
      expect(picture.split('\n').find((line) => line.startsWith('a:1'))).toContain('← first');
      expect(picture).toMatch(/^get "city" → 200 OK · value "Seoul" · consistency one · version /);
      expect(picture).toContain('read repair: scheduled');
    });

    it('marks where the quorum was reached and when the coordinator answered, across the lanes and below them', () => {
      // Prepare: a quorum write whose third acknowledgement came after the answer.
      const nodes: TraceEntry[] = [
        { node: 'a:1', outcome: 'applied', ms: 0.4, version: null, sent_ms: 0 },
        { node: 'b:2', outcome: 'applied', ms: 0.8, version: null, sent_ms: 0 },
        { node: 'c:3', outcome: 'pending', ms: 0, version: null, sent_ms: 0 },
      ];

      // Act
      const picture = renderTraceDiagram(
        { op: 'set', key: 'k' },
        answer({ status: 'OK', success_nodes: 2, version: V1, quorum_ms: 0.8, elapsed_ms: 1.3, attempts: 1, nodes }),
        { axisWidth: WIDTH },
      );

      // Assess
      const end = niceCeiling(1.3);
      const answered = columnOf(1.3, end);
      expect(laneOf(picture, 'a:1')[answered]).toBe('│');
      // b's answer is the quorum point itself: its mark wins over the quorum line.
      expect(laneOf(picture, 'b:2')[columnOf(0.8, end)]).toBe('●');
      expect(laneOf(picture, 'a:1')[columnOf(0.8, end)]).toBe('┆');
      // The pending lane waited until the answer, then is unknown, and runs off the axis.
      const pending = laneOf(picture, 'c:3');
      expect(pending.slice(1, answered + 1)).toMatch(/^━+$/);
      expect(pending.slice(answered + 1, WIDTH - 1)).toMatch(/^╌+$/);
      expect(pending.at(-1)).toBe('▷');
      const lines = picture.split('\n');
      expect(lines.find((line) => line.includes('┆ quorum 0.80 ms'))!.indexOf('┆')).toBe(axisStart(picture) + columnOf(0.8, end));
      expect(picture).toContain('answered at 1.30 ms · quorum at 0.80 ms · 1 attempt · round trip seen by qkv 3.20 ms');
      expect(picture).toMatch(/legend: .*┆ quorum reached · │ coordinator answered$/);
    });

    it("draws today's trace too: lanes start at 0, no quorum or answer marks, and says what the trace lacks", () => {
      // Prepare: the trace as servers without the timing fields send it.
      const nodes: TraceEntry[] = [
        { node: 'a:1', outcome: 'applied', ms: 0.5, version: null },
        { node: 'b:2', outcome: 'applied', ms: 1.0, version: null },
        { node: 'c:3', outcome: 'pending', ms: 0, version: null },
      ];

      // Act
      const picture = renderTraceDiagram({ op: 'set', key: 'k' }, answer({ status: 'OK', success_nodes: 2, version: V1, nodes }), { axisWidth: WIDTH });

      // Assess
      for (const node of nodes) expect(laneOf(picture, node.node)[0]).toBe('├');
      expect(laneOf(picture, 'b:2')[WIDTH - 1]).toBe('●');
      expect(picture).not.toMatch(/[┆│]/);
      expect(picture).toContain("this server's trace lacks send times (lanes start at 0), the answer time, the quorum time");
    });

    it("shows a failed write's replicas, errors and fate, and a skipped replica as not sent", () => {
      // Prepare: two replicas paused, so the write missed its quorum; a third skipped by its breaker.
      const nodes: TraceEntry[] = [
        { node: 'a:1', outcome: 'applied', ms: 0.6, version: null, sent_ms: 0 },
        { node: 'b:2', outcome: 'timeout', ms: 200.5, version: null, sent_ms: 0, error: 'timed out' },
        { node: 'c:3', outcome: 'error', ms: 0.2, version: null, sent_ms: 0, error: 'connection down' },
        { node: 'd:4', outcome: 'skipped', ms: 0, version: null, sent_ms: null },
      ];

      // Act
      const picture = renderTraceDiagram(
        { op: 'set', key: 'k' },
        answer({ status: 'FAIL', success_nodes: 1, rolled_back: false, error: 'write quorum not reached', elapsed_ms: 201, nodes }, 503),
        { axisWidth: WIDTH },
      );

      // Assess
      expect(picture).toMatch(/^set "k" → 503 FAIL · 1 acknowledged · write quorum not reached/);
      expect(laneOf(picture, 'b:2')[columnOf(200.5, niceCeiling(201))]).toBe('⊗');
      expect(picture.split('\n').find((line) => line.startsWith('b:2'))).toMatch(/timeout +201 ms +timed out$/);
      expect(picture.split('\n').find((line) => line.startsWith('c:3'))).toMatch(/✗ *│? *error .*connection down$/);
      expect(laneOf(picture, 'd:4').startsWith('not sent')).toBe(true);
      expect(picture).toContain('not rolled back: it may still take effect (retrying is safe)');
      expect(picture).toMatch(/legend: .*✗ error · ⊗ timeout/);
      expect(picture).not.toMatch(/legend: .*[◐○▲]/);
    });

    it('prints what the service sent without letting it drive the terminal', () => {
      // Prepare: control characters in the key, the value and a replica name.
      const nodes: TraceEntry[] = [{ node: 'evil\u001b[2J', outcome: 'found', ms: 1, version: V1, sent_ms: 0 }];

      // Act
      const picture = renderTraceDiagram({ op: 'get', key: 'k\n1' }, answer({ status: 'OK', value: 'v\u001b]0;x\u0007', nodes }), { axisWidth: WIDTH });

      // Assess
      expect(picture).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(picture).toContain('get "k\\n1"');
      expect(picture).toContain('value "v\\u001b]0;x\\u0007"');
      expect(picture).toContain('evil\\u001b[2J');
    });

    it('says so when an answer has no trace at all', () => {
      // Act & Assess
      expect(renderTraceDiagram({ op: 'get', key: 'k' }, answer({ status: 'ERROR', error: 'internal error' }, 500))).toContain(
        '(the answer carries no per-replica trace)',
      );
    });
  });

  describe('Function: niceCeiling', () => {
    it('rounds up to a number whose quarters are round, at any scale', () => {
      // Act & Assess
      for (const ms of [0.003, 0.07, 0.42, 1, 1.9, 7.79, 13, 202, 4_999]) {
        const end = niceCeiling(ms);
        expect(end).toBeGreaterThanOrEqual(ms);
        expect(end).toBeLessThan(ms * 2.01);
        const quarter = end / 4 / 10 ** Math.floor(Math.log10(end / 4));
        expect([1, 1.2, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10].some((nice) => Math.abs(nice - quarter) < 1e-9)).toBe(true);
      }
      expect(niceCeiling(0)).toBe(1);
    });
  });
});
