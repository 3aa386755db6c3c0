import { layoutTimeline, type Marker } from './timeline';
import type { Trace } from './trace';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Draws a trace as an SVG timeline (see `layoutTimeline` for what goes where). Built with DOM calls and
 * `textContent` only, so node names, versions and errors from the answer can never become markup.
 *
 * Every lane is a `g.lane` carrying `data-node`, `data-outcome` and `data-first`, and the markers are
 * `line.quorum-marker` / `line.answered-marker` with `data-ms`: what people see is also what tests read.
 */
export function drawTimeline(trace: Trace): SVGSVGElement {
  const layout = layoutTimeline(trace);
  const svg = element('svg', { viewBox: `0 0 ${layout.width} ${layout.height}`, class: 'timeline', role: 'img' });
  svg.setAttribute('aria-label', `fan-out to ${layout.lanes.length} replicas`);
  const top = 22;
  const bottom = layout.height - 6;

  layout.lanes.forEach((lane, index) => {
    svg.append(element('rect', { x: 0, y: lane.y + 2, width: layout.width, height: 32, class: index % 2 === 0 ? 'band' : 'band odd' }));
  });
  for (const tick of layout.ticks) {
    svg.append(element('line', { x1: tick.x, x2: tick.x, y1: top, y2: bottom, class: 'grid' }));
    svg.append(text(tick.label, { x: tick.x, y: 12, class: 'tick' }));
  }
  if (layout.earlier !== undefined) {
    const { x0, x1, label } = layout.earlier;
    svg.append(element('rect', { x: x0, y: top, width: Math.max(x1 - x0, 1), height: bottom - top, class: 'earlier' }));
    svg.append(text(label, { x: x0 + 4, y: bottom - 4, class: 'earlier-label' }));
  }

  for (const lane of layout.lanes) {
    const group = element('g', { class: `lane outcome-${lane.outcome}` });
    group.dataset.node = lane.node;
    group.dataset.outcome = lane.outcome;
    group.dataset.first = String(lane.first);
    const middle = lane.y + 18;
    group.append(title(lane.detail));
    group.append(text(lane.node, { x: 8, y: middle + 4, class: 'node-name' }));
    if (lane.sentX === null) {
      group.append(text('not sent', { x: layout.plotLeft + 4, y: middle + 4, class: 'not-sent' }));
    } else {
      const endX = lane.endX ?? lane.sentX;
      if (lane.answerX === null) {
        group.append(element('line', { x1: lane.sentX, x2: endX, y1: middle, y2: middle, class: 'bar waiting' }));
      } else {
        group.append(element('rect', { x: lane.sentX, y: middle - 6, width: Math.max(endX - lane.sentX, 2), height: 12, rx: 3, class: 'bar' }));
      }
      group.append(element('circle', { cx: lane.sentX, cy: middle, r: 3.5, class: 'sent' }));
      if (lane.answerX !== null) group.append(element('circle', { cx: lane.answerX, cy: middle, r: 4.5, class: 'answer' }));
      if (lane.first) group.append(text('★ first', { x: endX + 8, y: middle - 6, class: 'first' }));
    }
    group.append(text(lane.note, { x: layout.plotRight + 10, y: middle + 4, class: 'note' }));
    svg.append(group);
  }

  // The quorum's label to the left of its line, the answer's to the right: they are often a few pixels apart.
  if (layout.quorum !== undefined) svg.append(...marker(layout.quorum, 'quorum-marker', top, bottom, 'end'));
  if (layout.answered !== undefined) svg.append(...marker(layout.answered, 'answered-marker', top, bottom, 'start'));
  return svg;
}

function marker(at: Marker, className: string, top: number, bottom: number, anchor: 'start' | 'end'): SVGElement[] {
  const line = element('line', { x1: at.x, x2: at.x, y1: top - 4, y2: bottom, class: className });
  line.dataset.ms = String(at.ms);
  line.append(title(`${at.label} at ${at.ms} ms`));
  const x = anchor === 'end' ? at.x - 3 : at.x + 3;
  const label = text(at.label, { x, y: top + 4, 'text-anchor': anchor, class: `${className}-label` });
  return [line, label];
}

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [attribute, value] of Object.entries(attributes)) node.setAttribute(attribute, String(value));
  return node;
}

function text(content: string, attributes: Record<string, string | number>): SVGTextElement {
  const node = element('text', attributes);
  node.textContent = content;
  return node;
}

function title(content: string): SVGTitleElement {
  const node = element('title', {});
  node.textContent = content;
  return node;
}
