import type { Viz } from '@viz-js/viz';

/**
 * DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz): in-process, no network, no
 * browser. The module is loaded on first use only, so commands that draw nothing never pay for it.
 */

let viz: Promise<Viz> | undefined;

async function renderer(): Promise<Viz> {
  viz ??= import('@viz-js/viz').then((module) => module.instance());
  return viz;
}

/**
 * A standalone SVG document (`inline: false`), or an `<svg>` element to put inside HTML
 * (`inline: true`: no XML declaration, no DOCTYPE).
 */
export async function renderSvg(dot: string, options: { inline?: boolean } = {}): Promise<string> {
  const result = (await renderer()).render(dot, { format: options.inline ? 'svg_inline' : 'svg', engine: 'dot' });
  if (result.status !== 'success') {
    throw new Error(`Graphviz could not render the diagram: ${result.errors.map((e) => e.message.trim()).join('; ')}`);
  }
  const errors = result.errors.filter((e) => e.level === 'error');
  if (errors.length) throw new Error(`Graphviz reported: ${errors.map((e) => e.message.trim()).join('; ')}`);
  return result.output;
}
