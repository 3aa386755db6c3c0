import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

/** The README and every page of `docs/`, as paths from the repository's root. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The lines of a Markdown text that are not inside a fenced code block. */
function proseLines(markdown: string): string[] {
  let inFence = false;
  return markdown.split('\n').filter((line) => {
    if (line.startsWith('```')) {
      inFence = !inFence;
      return false;
    }
    return !inFence;
  });
}

/**
 * The anchor GitHub gives a heading: lower case, every character but letters, marks, digits, `_`, `-` and spaces
 * dropped, spaces turned into `-` (github-slugger's rule). Links in the heading count by their text.
 */
function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text's headings make; a repeated heading gets `-1`, `-2`, … as on GitHub. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6} (.+?)\s*#*$/.exec(line);
    if (!heading) continue;
    const slug = slugOf(heading[1]!);
    let anchor = slug;
    for (let repeat = 1; anchors.has(anchor); repeat += 1) anchor = `${slug}-${repeat}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** The targets of a Markdown text's inline links and images and of its reference definitions, code left out. */
function linkTargetsOf(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const link of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(link[1]!);
    const definition = /^\s{0,3}\[[^\]]+\]:\s+(\S+)/.exec(prose);
    if (definition) targets.push(definition[1]!);
  }
  return targets;
}

/**
 * The links of one document that lead nowhere: a relative path that does not exist, or an anchor that no heading of
 * the linked Markdown file makes. Links to other sites are not followed.
 */
function brokenLinks(documentPath: string, markdown: string, readFile: (path: string) => string): string[] {
  const broken: string[] = [];
  for (const target of linkTargetsOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path = '', anchor] = target.split('#');
    const resolved = path === '' ? documentPath : relative(ROOT, join(ROOT, dirname(documentPath), path));
    if (!existsSync(join(ROOT, resolved))) {
      broken.push(`${target} (no file ${resolved})`);
      continue;
    }
    if (anchor === undefined) continue;
    const isMarkdown = resolved.endsWith('.md') && statSync(join(ROOT, resolved)).isFile();
    if (!isMarkdown || !anchorsOf(path === '' ? markdown : readFile(resolved)).has(anchor)) {
      broken.push(`${target} (no heading #${anchor} in ${resolved})`);
    }
  }
  return broken;
}

const readDocument = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

describe('Documentation: the README and docs/', () => {
  describe('Function: slugOf', () => {
    it.each([
      ['Read repair (`READ_REPAIR`)', 'read-repair-read_repair'],
      ['Storage layout (what `redis-cli` shows)', 'storage-layout-what-redis-cli-shows'],
      ['Where the code reads a clock, and why each is safe', 'where-the-code-reads-a-clock-and-why-each-is-safe'],
      ['Failed writes: never undone, and honest about it', 'failed-writes-never-undone-and-honest-about-it'],
      ['Command line: `qkv`', 'command-line-qkv'],
    ])('gives "%s" the anchor GitHub gives it, #%s', (heading, anchor) => {
      // Act
      const slug = slugOf(heading);

      // Assess
      expect(slug).toBe(anchor);
    });
  });

  describe('Function: brokenLinks', () => {
    it('reports a missing file, a missing heading and a missing reference target, and passes the rest', () => {
      // Prepare
      const markdown = [
        '# Title',
        '## Part one',
        '[ok](#part-one) [ok](README.md#quorum-kv) ![ok](docs/console.png) [ok](https://example.com/x)',
        '[gone](docs/nothing.md) [gone](#part-two) [gone](README.md#no-such-heading)',
        '`[not a link](nowhere.md)`',
        '```',
        '[not a link either](nowhere.md)',
        '```',
        '[ref]: lib/nothing.ts',
      ].join('\n');

      // Act
      const broken = brokenLinks('README.md', markdown, readDocument);

      // Assess
      expect(broken).toEqual([
        'docs/nothing.md (no file docs/nothing.md)',
        '#part-two (no heading #part-two in README.md)',
        'README.md#no-such-heading (no heading #no-such-heading in README.md)',
        'lib/nothing.ts (no file lib/nothing.ts)',
      ]);
    });
  });

  it.each(DOCUMENTS)('links from %s only to files and headings that exist', (document) => {
    // Act
    const broken = brokenLinks(document, readDocument(document), readDocument);

    // Assess
    expect(broken).toEqual([]);
  });

  it('keeps the README a front door: at most 300 lines, none wider than 120 characters', () => {
    // Prepare
    const lines = readDocument('README.md').trimEnd().split('\n');

    // Act
    const wide = lines.flatMap((line, index) => ([...line].length > 120 ? [`line ${index + 1}`] : []));

    // Assess
    expect(lines.length).toBeLessThanOrEqual(300);
    expect(wide).toEqual([]);
  });

  it('links the README to every page of docs/', () => {
    // Prepare
    const linked = new Set(linkTargetsOf(readDocument('README.md')).map((target) => target.split('#')[0]));
    // The README's former "Tests" section, waiting to be folded into docs/tests.md, is no page of its own.
    const notPages = new Set(['README.md']);

    // Act
    const unlinked = DOCUMENTS.filter((document) => !notPages.has(document) && !linked.has(document));

    // Assess
    expect(unlinked).toEqual([]);
  });
});
