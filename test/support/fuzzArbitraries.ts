import fc from 'fast-check';

/**
 * fast-check generators for adversarial requests, shared by the in-process and the HTTP fuzz suites.
 *
 * They aim at the contract's edges rather than uniform noise: sizes around the limits, multi-byte and invalid
 * Unicode, keys in and around the internal namespace, unknown fields, wrong types, broken JSON and encodings.
 */

/** Any UTF-16 code unit, lone surrogates included (what a JS string, and so a JSON body, can carry). */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** Strings of every flavour: ASCII, full Unicode, graphemes, raw UTF-16 with lone surrogates. */
export const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: anyCodeUnit }),
);

/** Generators sized for the configured limits (in bytes). */
export function requestArbitraries(limits: { maxKeyBytes: number; maxValueBytes: number }) {
  const nearLimit = (limit: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc.integer({ min: limit - 2, max: limit + 2 }).map((n) => 'k'.repeat(Math.max(0, n))),
      fc.integer({ min: Math.floor(limit / 3) - 1, max: Math.floor(limit / 3) + 1 }).map((n) => '€'.repeat(Math.max(0, n))),
      fc.integer({ min: Math.floor(limit / 4) - 1, max: Math.floor(limit / 4) + 1 }).map((n) => '😀'.repeat(Math.max(0, n))),
    );
  const key = fc.oneof(
    { weight: 4, arbitrary: anyText },
    { weight: 2, arbitrary: fc.constantFrom('', 'city', '!', '!!', '!qkv:', '!qkv:undo:x', '!qkv:rolledback:k', '!!qkv:undo:x', 'a/b', '\ud800', '%2F', '..') },
    { weight: 2, arbitrary: anyText.map((suffix) => `!qkv:${suffix}`) },
    { weight: 1, arbitrary: nearLimit(limits.maxKeyBytes) },
  );
  const value = fc.oneof(
    { weight: 4, arbitrary: anyText },
    { weight: 1, arbitrary: nearLimit(limits.maxValueBytes) },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
  // Valid TTLs are long, so that no key expires while a suite compares snapshots of the store.
  const ttl = fc.oneof(
    fc.integer({ min: 3_600, max: 315_360_000 }),
    fc.constantFrom(0, -1, 315_360_001, 1.5, 1e300, -0, Number.MAX_SAFE_INTEGER),
    fc.constantFrom(null, true, '60', [], {}),
  );
  const unknownFields = fc.dictionary(anyText, fc.jsonValue(), { maxKeys: 3 });
  const writeBody = fc
    .tuple(fc.record({ key, value, ttl }, { requiredKeys: [] }), fc.option(unknownFields, { nil: undefined }))
    .map(([fields, extra]) => ({ ...(extra ?? {}), ...fields }));
  const bodyText = fc.oneof(
    { weight: 5, arbitrary: writeBody.map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: anyText },
    { weight: 1, arbitrary: writeBody.map((body) => JSON.stringify(body)).chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut))) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"text"', '{}', '{"key":"k","value":"v"', '\ufeff{"key":"k","value":"v"}') },
  );
  /** A body as API Gateway delivers it: text, base64 of that text, base64 of raw (often invalid UTF-8) bytes, or garbage. */
  const body = fc.oneof(
    { weight: 6, arbitrary: bodyText.map((text) => ({ body: text, isBase64Encoded: false })) },
    { weight: 2, arbitrary: bodyText.map((text) => ({ body: Buffer.from(text, 'utf8').toString('base64'), isBase64Encoded: true })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })) },
    { weight: 1, arbitrary: anyText.map((text) => ({ body: text, isBase64Encoded: true })) },
    { weight: 1, arbitrary: fc.constant({ body: null as string | null, isBase64Encoded: false }) },
  );
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json') },
    { weight: 2, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', '') },
    { weight: 1, arbitrary: anyText },
  );
  const headers = fc
    .tuple(contentType, fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE'), fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), { maxKeys: 3 }))
    .map(([type, name, extra]) => ({ ...extra, ...(type === undefined ? {} : { [name]: type }) }));
  const queryValue = fc.oneof(fc.constantFrom('one', 'quorum', 'all', '1', '0', 'true', 'false', 'yes', '', 'ONE'), anyText);
  const query = fc.option(
    fc.dictionary(fc.oneof(fc.constantFrom('key', 'consistency', 'trace'), fc.string({ maxLength: 10 })), fc.oneof(queryValue, key), { maxKeys: 4 }),
    { nil: undefined },
  );
  return { key, value, ttl, writeBody, body, headers, query };
}
