/**
 * `GET /`: what a person (or a script) finds at the server's root, until a web board exists there —
 * the URL forms of the REST API (webhook and OAuth), where the documentation is, and a first call
 * to try. HTML for browsers, JSON for clients that ask for `application/json`. It is not a REST path,
 * so it is not in the Bitrix envelope; it names no secret (a webhook's secret is shown as `{secret}`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The documentation a user of scrumd needs: the Bitrix24 REST reference, and scrumd's own README. */
const DOCS = {
  bitrix24: 'https://apidocs.bitrix24.com/',
  scrumd: 'README.md in the scrumd distribution (configuration, command line, clients)',
};

/**
 * The origin the client used, from the request itself; a Host header that is not a plain host[:port]
 * is not echoed (relative paths then).
 */
function originOf(req: FastifyRequest): string {
  const host = req.headers.host ?? '';
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `${req.protocol}://${host}` : '';
}

export function homeDocument(origin: string) {
  return {
    name: 'scrumd',
    description: 'A server implementing the Bitrix24 Scrum REST API (tasks.api.scrum.*) with the workgroups, users and tasks it rests on',
    rest: `${origin}/rest/`,
    webhook: `${origin}/rest/{user_id}/{secret}/{method}`,
    oauth: { rest: `${origin}/rest/{method}?auth={access_token}`, token: `${origin}/oauth/token/` },
    try: `curl ${origin}/rest/1/{secret}/user.current`,
    methods: `${origin}/rest/1/{secret}/methods`,
    docs: DOCS,
  };
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function homeHtml(origin: string): string {
  const d = homeDocument(origin);
  const code = (s: string) => `<code>${escapeHtml(s)}</code>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scrumd</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>scrumd</h1>
<p>${escapeHtml(d.description)}.</p>
<h2>REST API</h2>
<ul>
<li>Incoming webhook: ${code(d.webhook)} — user 1's webhook URL is printed when the server starts
(fix its secret with <code>SCRUMD_WEBHOOK_SECRET</code>); more with <code>scrumd webhook add --user N</code>.</li>
<li>OAuth: ${code(d.oauth.rest)} (or a Bearer header); tokens from ${code(d.oauth.token)}.</li>
<li>Try: ${code(d.try)}; the methods available to a webhook: ${code(d.methods)}.</li>
</ul>
<h2>Documentation</h2>
<ul>
<li>Bitrix24 REST API (the Scrum methods are <code>tasks.api.scrum.*</code>):
<a href="${escapeHtml(d.docs.bitrix24)}">${escapeHtml(d.docs.bitrix24)}</a></li>
<li>scrumd: ${escapeHtml(d.docs.scrumd)}.</li>
</ul>
</body></html>
`;
}

/** JSON when the client asks for it (and not for HTML), HTML otherwise. */
function wantsJson(accept: string | undefined): boolean {
  const a = (accept ?? '').toLowerCase();
  return /application\/json|\+json/.test(a) && !a.includes('text/html');
}

export function homePage(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const origin = originOf(req);
  reply.header('x-content-type-options', 'nosniff').header('vary', 'accept');
  if (wantsJson(req.headers.accept)) return reply.type('application/json; charset=utf-8').send(JSON.stringify(homeDocument(origin)));
  return reply.type('text/html; charset=utf-8').send(homeHtml(origin));
}
