/**
 * Turning a request body into parameters (protocol.md §2.1): JSON for `application/json` and `+json`
 * media types, PHP form decoding for urlencoded bodies, multipart text fields, and any other body read
 * as a urlencoded string. A body that is not valid JSON (or is a JSON scalar) is ignored, as the
 * reference ignores it: the method then runs with the query parameters only.
 */
import Busboy from 'busboy';
import { Readable } from 'node:stream';
import { assemblePhpFields, parsePhpQuery } from '../protocol/formDecoding.js';
import { isPhpArray, type PhpMap } from '../protocol/php.js';

/** PHP's json_decode depth limit; deeper documents are rejected (and so ignored). */
const MAX_JSON_DEPTH = 512;

function jsonDepthWithin(v: unknown, limit: number): boolean {
  // Iterative, so a hostile document cannot exhaust the stack.
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [cur, depth] = stack.pop()!;
    if (!isPhpArray(cur)) continue;
    if (depth > limit) return false;
    for (const child of Array.isArray(cur) ? cur : Object.values(cur)) {
      if (isPhpArray(child)) stack.push([child, depth + 1]);
    }
  }
  return true;
}

export function decodeJsonBody(text: string): PhpMap | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isPhpArray(v) || !jsonDepthWithin(v, MAX_JSON_DEPTH)) return null;
  if (Array.isArray(v)) {
    // A top-level list gives positional parameters 0, 1, …
    const out: PhpMap = Object.create(null) as PhpMap;
    v.forEach((x, i) => (out[String(i)] = x));
    return out;
  }
  return v as PhpMap;
}

function decodeMultipart(body: Buffer, contentType: string): Promise<PhpMap | null> {
  return new Promise((resolve) => {
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: body.length + 1 } });
    } catch {
      resolve(null);
      return;
    }
    const pairs: [string, string][] = [];
    bb.on('field', (name, value) => pairs.push([name, value]));
    bb.on('file', (_name, stream) => stream.resume()); // file parts are not parameters
    bb.on('close', () => resolve(assemblePhpFields(pairs)));
    bb.on('error', () => resolve(null));
    Readable.from([body]).pipe(bb);
  });
}

/** The media type, lower-cased, without parameters such as `; charset=utf-8`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The body's parameters, or null when the body contributes none. */
export async function decodeBody(body: Buffer | undefined, contentType: string | undefined): Promise<PhpMap | null> {
  if (!body || body.length === 0) return null;
  const type = mediaType(contentType);
  if (type === 'application/json' || type.includes('+json')) return decodeJsonBody(body.toString('utf8'));
  if (type === 'multipart/form-data') return decodeMultipart(body, contentType!);
  const text = body.toString('utf8');
  return parsePhpQuery(type === 'application/x-www-form-urlencoded' ? text : text.trim());
}

/** Body parameters replace query parameters key by key at the top level only. */
export function mergeParams(query: PhpMap, body: PhpMap | null): PhpMap {
  if (!body) return query;
  for (const k of Object.keys(body)) query[k] = body[k];
  return query;
}
