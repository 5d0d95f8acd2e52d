/**
 * The body of a delivery: PHP `http_build_query` semantics (spec events.md §0) — nested keys in
 * brackets (percent-encoded), spaces as `+`, scalars as strings, true/false as 1/0, nulls omitted,
 * list elements keyed 0, 1, …
 */
function urlencode(s: string): string {
  // PHP urlencode: everything but [A-Za-z0-9_.-] is encoded, space as '+'
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function flatten(prefix: string, value: unknown, out: [string, string][]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'boolean') out.push([prefix, value ? '1' : '0']);
  else if (Array.isArray(value)) value.forEach((v, i) => flatten(`${prefix}[${i}]`, v, out));
  else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(prefix === '' ? k : `${prefix}[${k}]`, v, out);
  } else out.push([prefix, String(value)]);
}

/** Encodes an ordered object as PHP's http_build_query would. */
export function httpBuildQuery(fields: Record<string, unknown>): string {
  const out: [string, string][] = [];
  flatten('', fields, out);
  return out.map(([k, v]) => `${urlencode(k)}=${urlencode(v)}`).join('&');
}
