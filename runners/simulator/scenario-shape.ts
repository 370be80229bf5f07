/**
 * A small structural check for scenario files, so that each world can say what its scenarios
 * look like in one literal and `runbook check` reports every mismatch by its path.
 *
 * A shape is: 'string' | 'number' | 'boolean' | 'string|null' (and so on), a list of allowed
 * literals (`['Running', 'Stopped']`), `[shape]` for a list of that shape (a one-element list
 * holding an object or a type name), or an object whose keys may end in `?` (optional).
 */
export type Shape = string | readonly (string | number | boolean)[] | readonly [Shape] | { readonly [key: string]: Shape };

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'null', 'unknown']);

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

export function checkShape(value: unknown, shape: Shape, path = ''): string[] {
  const at = path || '(top)';
  if (typeof shape === 'string') {
    const allowed = shape.split('|');
    return allowed.includes('unknown') || allowed.includes(typeOf(value)) ? [] : [`${at}: expected ${shape}, found ${typeOf(value)}`];
  }
  if (Array.isArray(shape)) {
    const element = shape[0] as Shape | undefined;
    const isListOf = shape.length === 1 && (typeof element === 'object' || (typeof element === 'string' && element.split('|').every((t) => PRIMITIVES.has(t))));
    if (isListOf) {
      if (!Array.isArray(value)) return [`${at}: expected a list, found ${typeOf(value)}`];
      return value.flatMap((item, i) => checkShape(item, element!, `${path}[${i}]`));
    }
    return shape.includes(value as never) ? [] : [`${at}: expected one of ${shape.map((s) => JSON.stringify(s)).join(', ')}, found ${JSON.stringify(value)}`];
  }
  if (typeOf(value) !== 'object') return [`${at}: expected an object, found ${typeOf(value)}`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set<string>();
  for (const [rawKey, inner] of Object.entries(shape as Record<string, Shape>)) {
    const optional = rawKey.endsWith('?');
    const key = optional ? rawKey.slice(0, -1) : rawKey;
    known.add(key);
    const child = path ? `${path}.${key}` : key;
    if (!(key in record)) {
      if (!optional) problems.push(`${child}: missing`);
      continue;
    }
    problems.push(...checkShape(record[key], inner, child));
  }
  for (const key of Object.keys(record)) if (!known.has(key)) problems.push(`${path ? `${path}.` : ''}${key}: not a field of this world's scenarios`);
  return problems;
}

/** The fields every scenario has, whatever its world: merged into each world's shape. */
export const SCENARIO_BASE = {
  name: 'string',
  description: 'string',
  'drill?': { title: 'string', lesson: 'string', ideal: ['string'], 'briefing?': ['string'] },
} as const;
