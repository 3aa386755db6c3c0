import { describe, expect, it } from 'vitest';
import { describeAnswer, describeCommon, httpCallFor } from '../../console/requests';
import { layoutTimeline, shortVersion } from '../../console/timeline';
import { traceOf } from '../../console/trace';

const VERSION = '1796163099525.00003.7717299719';

describe('Console: traceOf', () => {
  it('reads the trace contract: send times, first, elapsed, quorum and attempts', () => {
    // Act
    const trace = traceOf({
      status: 'OK',
      success_nodes: 2,
      elapsed_ms: 1.5,
      quorum_ms: 1.2,
      attempts: 1,
      nodes: [
        { node: 'a', outcome: 'applied', ms: 1, version: VERSION, sent_ms: 0.01, first: true },
        { node: 'b', outcome: 'pending', ms: 0, version: null, sent_ms: 0.01 },
        { node: 'c', outcome: 'skipped', ms: 0, version: null, sent_ms: null, error: 'breaker open' },
      ],
    });

    // Assess
    expect(trace).toEqual({
      elapsedMs: 1.5,
      quorumMs: 1.2,
      attempts: 1,
      successNodes: 2,
      nodes: [
        { node: 'a', outcome: 'applied', ms: 1, sentMs: 0.01, version: VERSION, deleted: false, first: true },
        { node: 'b', outcome: 'pending', ms: 0, sentMs: 0.01, version: null, deleted: false, first: false },
        { node: 'c', outcome: 'skipped', ms: 0, sentMs: null, version: null, deleted: false, first: false, error: 'breaker open' },
      ],
    });
  });

  it('falls back as the contract says against a server without trace timing: sent at 0, no first, no quorum', () => {
    // Act
    const trace = traceOf({ status: 'OK', value: 'v', nodes: [{ node: 'a', outcome: 'found', ms: 2, version: VERSION }] })!;

    // Assess
    expect(trace.nodes[0]).toMatchObject({ sentMs: 0, first: false });
    expect(trace.quorumMs).toBeUndefined();
    expect(trace.elapsedMs).toBeUndefined();
  });

  it('finds no trace in a body without nodes', () => {
    // Act and assess
    expect(traceOf({ status: 'OK', value: 'v' })).toBeUndefined();
    expect(traceOf({ message: 'Forbidden' })).toBeUndefined();
    expect(traceOf(null)).toBeUndefined();
  });
});

describe('Console: layoutTimeline', () => {
  it('draws a bar from send to answer, a pending bar to the answer, no bar for a skipped replica, quorum before answer', () => {
    // Prepare
    const trace = traceOf({
      elapsed_ms: 4,
      quorum_ms: 3,
      nodes: [
        { node: 'a', outcome: 'applied', ms: 2, version: VERSION, sent_ms: 0 },
        { node: 'b', outcome: 'applied', ms: 3, version: VERSION, sent_ms: 0 },
        { node: 'c', outcome: 'pending', ms: 0, version: null, sent_ms: 0 },
        { node: 'd', outcome: 'skipped', ms: 0, version: null, sent_ms: null },
      ],
    })!;

    // Act
    const layout = layoutTimeline(trace);

    // Assess
    const [a, b, c, d] = layout.lanes;
    expect(layout.lanes).toHaveLength(4);
    expect(a!.sentX).toBe(layout.plotLeft);
    expect(a!.answerX!).toBeLessThan(b!.answerX!);
    expect(b!.answerX).toBe(layout.quorum!.x);
    expect(c!.answerX).toBeNull();
    expect(c!.endX).toBe(layout.answered!.x);
    expect(d!.sentX).toBeNull();
    expect(d!.note).toBe('skipped: breaker open, not sent');
    expect(layout.quorum!.x).toBeLessThan(layout.answered!.x);
    expect(layout.answered!.x).toBeLessThanOrEqual(layout.plotRight);
    expect(layout.ticks.map((tick) => tick.ms)).toEqual([0, 1.5, 3, 4.5, 6]);
  });

  it('shows a hedged read: the replicas it never asked as not sent, and the one asked late as hedged at its time', () => {
    // Prepare
    const trace = traceOf({
      elapsed_ms: 2.5,
      consistency: 'one',
      nodes: [
        { node: 'a', outcome: 'pending', ms: 0, version: null, sent_ms: 0 },
        { node: 'b', outcome: 'found', ms: 0.4, version: VERSION, sent_ms: 2.1, hedged_at_ms: 2.1, first: true },
        { node: 'c', outcome: 'not-sent', ms: 0, version: null, sent_ms: null },
      ],
    })!;

    // Act
    const layout = layoutTimeline(trace);

    // Assess
    const [a, b, c] = layout.lanes;
    expect(trace.nodes.map((node) => node.outcome)).toEqual(['pending', 'found', 'not-sent']);
    expect(a!.detail).toContain('sent at 0');
    expect(b!.note).toContain('hedged at 2.10 ms');
    expect(b!.detail).toContain('hedged at 2.10 ms');
    expect(b!.sentX!).toBeGreaterThan(a!.sentX!);
    expect(c!.sentX).toBeNull();
    expect(c!.note).toBe('not sent: the read was answered first');
    expect(c!.detail).toContain('never sent');
  });

  it('shades the time before the last attempt of a re-issued write', () => {
    // Act
    const layout = layoutTimeline(
      traceOf({ elapsed_ms: 2, quorum_ms: 1.9, attempts: 2, nodes: [{ node: 'a', outcome: 'applied', ms: 0.9, version: VERSION, sent_ms: 1 }] })!,
    );

    // Assess
    expect(layout.earlier).toMatchObject({ x0: layout.plotLeft, x1: layout.lanes[0]!.sentX, label: '1 earlier attempt refused' });
  });

  it('shows a version as its time of day and counter', () => {
    // Act and assess
    expect(shortVersion(VERSION)).toBe(`v${new Date(1796163099525).toISOString().slice(11, 23)}#3`);
    expect(shortVersion('not-a-version')).toBe('not-a-version');
  });
});

describe('Console: httpCallFor', () => {
  it('uses the REST routes with trace=1 and the chosen level, the TTL as a number', () => {
    // Act and assess
    expect(httpCallFor({ kind: 'set', key: 'a b', value: 'v', ttl: '60', consistency: 'all' })).toEqual({
      method: 'PUT',
      path: 'kv/a%20b?trace=1&consistency=all',
      body: '{"value":"v","ttl":60}',
    });
    expect(httpCallFor({ kind: 'get', key: 'k', consistency: '' })).toEqual({ method: 'GET', path: 'kv/k?trace=1' });
    expect(httpCallFor({ kind: 'delete', key: 'k' })).toEqual({ method: 'DELETE', path: 'kv/k?trace=1' });
  });

  it('sends a key containing / through the seed routes, and a TTL that is no number as typed, for the API to judge', () => {
    // Act and assess
    expect(httpCallFor({ kind: 'set', key: 'a/b', value: 'v', ttl: 'soon' })).toEqual({
      method: 'POST',
      path: 'set?trace=1',
      body: '{"key":"a/b","value":"v","ttl":"soon"}',
    });
    expect(httpCallFor({ kind: 'get', key: 'a/b' })).toEqual({ method: 'GET', path: 'get?trace=1&key=a%2Fb' });
  });
});

describe('Console: describeAnswer', () => {
  it('says what a failed write did per replica and whether it may still take effect', () => {
    // Act
    const described = describeAnswer(
      { kind: 'set', key: 'k', value: 'v' },
      {
        status: 503,
        body: {
          status: 'FAIL',
          success_nodes: 1,
          error: 'write quorum not reached: 1 of 2 required replicas acknowledged; the write may still take effect',
          rolled_back: false,
          nodes: [
            { node: 'a', outcome: 'applied', ms: 1, version: VERSION },
            { node: 'b', outcome: 'timeout', ms: 200, version: null, error: 'timed out' },
          ],
        },
      },
      true,
    );

    // Assess
    expect(described.level).toBe('error');
    expect(described.words).toBe(
      'Write failed (503): write quorum not reached: 1 of 2 required replicas acknowledged; the write may still take effect. ' +
        'It may still take effect: a later read or repair can complete it, it is never undone. Replicas: a applied, b timeout (timed out).',
    );
    expect(described.trace?.rolledBack).toBe(false);
  });

  it.each([
    [{ status: 403, body: { message: 'Forbidden' } }, false, /^Forbidden \(403\): no API key given/],
    [{ status: 403, body: { status: 'ERROR', error: 'Forbidden', requestId: 'r' } }, true, /^Forbidden \(403\): the API key was refused/],
    [{ status: 400, body: { status: 'ERROR', error: '"key" is required', requestId: 'r1' } }, true, /^Refused \(400\): "key" is required \(request id r1\)\.$/],
    [{ status: 500, body: { status: 'ERROR', error: 'internal error', requestId: 'r2' } }, true, /^Internal error \(500\): a bug in the service; quote request id r2 when reporting it\.$/],
    [{ status: null, problem: 'could not reach http://127.0.0.1:1/health (Failed to fetch)' }, true, /^Network error: could not reach .* Is the service running\?$/],
    [{ status: 502, problem: 'not JSON (text/html)' }, true, /^Unexpected answer \(502\): not JSON \(text\/html\)\.$/],
  ] as const)('puts a common answer into words (%j)', (answer, hadKey, words) => {
    // Act
    const described = describeCommon(answer, hadKey);

    // Assess
    expect(described?.level).toBe('error');
    expect(described?.words).toMatch(words);
  });
});
