/**
 * The processing of an epic description on add and update (scrum-api.md C4): the input is sanitized
 * as HTML, then a small set of BB-codes is converted to HTML and line breaks become `<br />`.
 *
 * The reference's exact output of both steps is `unverified:` in the spec. Here the HTML step keeps
 * sanitize-html's default set of formatting tags (plus `img` and `del`), drops dangerous elements with
 * their content (`script`, `style`, `iframe`, …) and every attribute that is not allowed (event
 * handlers, `style`), and keeps URLs only with the schemes http, https, ftp, mailto, tel. BB-codes
 * `[b] [i] [u] [s] [url] [url=…] [quote] [code]` are converted (tag names case-insensitive); other
 * BB-codes (e.g. Drive-file codes) stay as text. The converted HTML is sanitized once more, so the
 * conversion can never introduce anything the first step would have removed.
 */
import { createRequire } from 'node:module';
import type sanitizeHtml from 'sanitize-html';

/**
 * sanitize-html, loaded on its first use (an epic's description): loaded at start it costs every
 * server about 2 MB of heap and over 10 MB of resident memory (htmlparser2 and its dependencies).
 */
let sanitizer: typeof sanitizeHtml | undefined;
const sanitizerLib = (): typeof sanitizeHtml => (sanitizer ??= createRequire(import.meta.url)('sanitize-html') as typeof sanitizeHtml);

let options: sanitizeHtml.IOptions | undefined;
const sanitizeOptions = (): sanitizeHtml.IOptions => (options ??= {
  allowedTags: [...sanitizerLib().defaults.allowedTags, 'img', 'del'],
  allowedAttributes: {
    a: ['href', 'name', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
  },
  allowedSchemes: ['http', 'https', 'ftp', 'mailto', 'tel'],
  allowProtocolRelative: false,
  // removed together with their content
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'frame', 'frameset', 'template'],
});

function sanitize(html: string): string {
  return sanitizerLib()(html, sanitizeOptions());
}

/** Attribute-value escaping for a URL taken from (already sanitized) text. */
function attr(s: string): string {
  return s.replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link target of [url]: absolute http(s)/ftp, mailto:, or `www.` (read as http). Anything else is not a link. */
function linkTarget(raw: string): string | null {
  const url = raw.trim();
  if (/^(https?|ftp):\/\/\S+$/i.test(url) || /^mailto:\S+$/i.test(url)) return url;
  if (/^www\.\S+$/i.test(url)) return `http://${url}`;
  return null;
}

const SIMPLE: readonly [string, string][] = [
  ['b', 'b'],
  ['i', 'i'],
  ['u', 'u'],
  ['s', 's'],
  ['quote', 'blockquote'],
];

/** Replaces a pattern until nothing changes, so nested pairs are converted from the outside in. */
function replaceAll(s: string, re: RegExp, fn: (...m: string[]) => string): string {
  let prev: string;
  let out = s;
  let guard = 0;
  do {
    prev = out;
    out = out.replace(re, fn as (substring: string, ...args: unknown[]) => string);
  } while (out !== prev && ++guard < 100);
  return out;
}

/** Converts the supported BB-codes of a sanitized text to HTML; `[code]` content is not converted further. */
export function bbToHtml(text: string): string {
  // [code] first: its content is kept verbatim (its BB-codes are shielded from the other rules)
  const codes: string[] = [];
  let s = text.replace(/\[code\]([\s\S]*?)\[\/code\]/gi, (_m, body: string) => {
    codes.push(body.replace(/\[/g, '&#91;').replace(/\]/g, '&#93;'));
    return `\u0000${codes.length - 1}\u0000`;
  });
  for (const [bb, tag] of SIMPLE) {
    s = replaceAll(s, new RegExp(`\\[${bb}\\]([\\s\\S]*?)\\[\\/${bb}\\]`, 'i'), (_m, body) => `<${tag}>${body}</${tag}>`);
  }
  s = replaceAll(s, /\[url=([^\]]*)\]([\s\S]*?)\[\/url\]/i, (m, target, body) => {
    const href = linkTarget(target!);
    return href === null ? body! : `<a href="${attr(href)}">${body}</a>`;
  });
  s = replaceAll(s, /\[url\]([\s\S]*?)\[\/url\]/i, (_m, body) => {
    const href = linkTarget(body!);
    return href === null ? body! : `<a href="${attr(href)}">${body}</a>`;
  });
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => `<code>${codes[Number(i)]}</code>`);
}

/** Sanitize, convert BB-code, turn line breaks into `<br />`, sanitize the result. */
export function processDescription(input: string): string {
  const clean = sanitize(input.replace(/\u0000/g, ''));
  const html = bbToHtml(clean).replace(/\r\n|\r|\n/g, '<br />');
  return sanitize(html);
}
