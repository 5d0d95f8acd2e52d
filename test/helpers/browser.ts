/**
 * Browser helpers for the board's tests: the board's assets built when stale, Debian's Chromium
 * (/usr/bin/chromium, never a downloaded browser) launched by playwright-core, pages of a given
 * viewport, signing a user in through a one-time link, an HTTP session (cookie + CSRF token) for the
 * board's JSON API, and the screenshot folder ($SCRUMD_BOARD_SCREENSHOTS).
 *
 *   const b = await launchBoardBrowser();           // in before()
 *   const page = await b.signedInPage(t, userId);  // a page on the board's groups screen
 *   await b.close();                               // in after(): every context and the browser
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createSession, createSignInLink, signInUrl } from '../../src/board/auth.js';
import { nowSeconds } from '../../src/core/portalTime.js';
import type { TestServer } from './harness.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the tests save screenshots (created on first use). */
export const SHOTS = process.env.SCRUMD_BOARD_SCREENSHOTS ?? join(tmpdir(), 'scrumd-board-screenshots');

/** Builds the board's assets when web/ is newer than dist/web (as `npm start` does). */
export function buildBoard(): void {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs', '--web'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(build.status, 0, build.stderr);
}

/** The path of a screenshot named `name` (e.g. 'board-charts-1280.png') in SHOTS. */
export function shot(name: string): string {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
}

/** A board session over plain HTTP: the cookie header and the CSRF token, for the JSON API. */
export interface BoardHttpSession {
  cookie: string;
  csrf: string;
  /** GET a board path (e.g. '/_scrumd/board/api/session') with the session's cookie. */
  get(path: string): Promise<Response>;
  /** POST JSON to a board path with the cookie, the CSRF header and the server's own Origin. */
  post(path: string, body?: unknown): Promise<Response>;
}

/** Opens a board session for a user directly in the server's database (no browser needed). */
export async function boardSession(t: TestServer, userId: number): Promise<BoardHttpSession> {
  const s = await createSession(t.server.app.store.db, userId, nowSeconds());
  const cookie = `${await sessionCookieName(t)}=${s.token}`;
  return {
    cookie,
    csrf: s.csrf,
    get: (path) => fetch(`${t.origin}${path}`, { headers: { cookie } }),
    post: (path, body = {}) =>
      fetch(`${t.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-scrumd-csrf': s.csrf, origin: t.origin },
        body: JSON.stringify(body),
      }),
  };
}

let cookieName: string | undefined;
/** The session cookie's name, as the server sets it (learned once from a sign-in link's answer). */
async function sessionCookieName(t: TestServer): Promise<string> {
  if (cookieName) return cookieName;
  const token = await createSignInLink(t.server.app.store.db, 1, nowSeconds());
  const r = await fetch(signInUrl(t.origin, token), { redirect: 'manual' });
  const set = r.headers.get('set-cookie') ?? '';
  const name = set.split('=')[0]?.trim();
  assert.ok(name, `no session cookie in ${r.status} ${set}`);
  cookieName = name;
  return name;
}

export interface BoardBrowser {
  browser: Browser;
  /** A page in a fresh context (own cookies) of the given viewport. */
  newPage(width?: number, height?: number): Promise<Page>;
  /** A fresh page signed in as `userId` through a one-time link; waits for the groups screen. */
  signedInPage(t: TestServer, userId: number, width?: number, height?: number): Promise<Page>;
  /** Closes every context and the browser. */
  close(): Promise<void>;
}

/** Launches Chromium (playwright gives every launch a fresh temporary profile). */
export async function launchBoardBrowser(): Promise<BoardBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  const newPage = async (width = 1280, height = 860): Promise<Page> => {
    const ctx = await browser.newContext({ viewport: { width, height } });
    contexts.push(ctx);
    return ctx.newPage();
  };
  return {
    browser,
    newPage,
    async signedInPage(t, userId, width, height) {
      const page = await newPage(width, height);
      const token = await createSignInLink(t.server.app.store.db, userId, nowSeconds());
      await page.goto(signInUrl(t.origin, token));
      await page.getByRole('heading', { name: 'Scrum groups' }).waitFor();
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}
