/** The board's calls: REST methods with the session as credential, and the board's own read-only API. */
const BASE = '/_scrumd/board/api';
let csrf = '';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Me {
  userId: number;
  name: string;
  isAdmin: boolean;
  csrf: string;
  /** an administrator on a server whose control API is on: the sandbox panel (sandbox.tsx) is there */
  sandbox?: boolean;
  /** the portal's time zone (IANA name): days are shown as the portal counts them (dates.ts) */
  timeZone?: string;
}

async function answer<T>(res: Response): Promise<{ result: T; next?: number; total?: number }> {
  let body: any;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, 'BAD_ANSWER', `The server answered ${res.status}`);
  }
  if (!res.ok || body?.error !== undefined) {
    const code = String(body?.error ?? res.status);
    const text = String(body?.error_description || body?.error || `HTTP ${res.status}`);
    throw new ApiError(res.status, code, text);
  }
  return body;
}

export async function currentSession(): Promise<Me | null> {
  const res = await fetch(`${BASE}/session`, { credentials: 'same-origin' });
  if (res.status === 401) return null;
  const me = (await answer<Me>(res)).result;
  csrf = me.csrf;
  return me;
}

export async function login(loginName: string, password: string): Promise<void> {
  const res = await fetch(`${BASE}/login`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-scrumd-csrf': 'login' },
    body: JSON.stringify({ login: loginName, password }),
  });
  csrf = (await answer<{ csrf: string }>(res)).result.csrf;
}

export async function logout(): Promise<void> {
  await fetch(`${BASE}/logout`, { method: 'POST', credentials: 'same-origin', headers: { 'x-scrumd-csrf': csrf } });
}

/** A REST method as the signed-in user: answers `{result, next, total}` or throws the method's error. */
export async function callPage<T = any>(method: string, params: Record<string, unknown> = {}) {
  const res = await fetch(`${BASE}/call/${encodeURIComponent(method)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-scrumd-csrf': csrf },
    body: JSON.stringify(params),
  });
  return answer<T>(res);
}

export async function call<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  return (await callPage<T>(method, params)).result;
}

/** Every page of a list method (at most 40 pages of 50). */
export async function callAll<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const out: T[] = [];
  let start: number | undefined = 0;
  for (let i = 0; i < 40 && start !== undefined; i++) {
    const page: { result: T[]; next?: number } = await callPage<T[]>(method, { ...params, start });
    out.push(...page.result);
    start = page.next;
  }
  return out;
}

// One definition with the server's (src/board/planTypes.ts): a type-only import, nothing of the server is bundled.
export type { Plan, PlanEntity, PlanEpic, PlanItem } from '@scrumd/board/planTypes';
import type { Plan, SprintBoard } from '@scrumd/board/planTypes';

export async function groupPlan(groupId: number): Promise<Plan> {
  const res = await fetch(`${BASE}/groups/${groupId}/plan`, { credentials: 'same-origin' });
  return (await answer<Plan>(res)).result;
}

export async function setUserPassword(userId: number, password: string): Promise<void> {
  const res = await fetch(`${BASE}/users/${userId}/password`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-scrumd-csrf': csrf },
    body: JSON.stringify({ password }),
  });
  await answer<boolean>(res);
}

/** The active sprint's board (stages in column order, tasks with their stages): src/board/kanban.ts. */
export type { SprintBoard } from '@scrumd/board/planTypes';

export async function sprintBoard(groupId: number): Promise<SprintBoard> {
  const res = await fetch(`${BASE}/groups/${groupId}/sprint-board`, { credentials: 'same-origin' });
  return (await answer<SprintBoard>(res)).result;
}

/** Sets a sprint's goal (REST cannot; the board's own write, same access as sprint.update): src/board/sprintGoal.ts. */
export async function setSprintGoal(sprintId: number, goal: string): Promise<void> {
  const res = await fetch(`${BASE}/sprints/${sprintId}/goal`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-scrumd-csrf': csrf },
    body: JSON.stringify({ goal }),
  });
  await answer<boolean>(res);
}

/** GET a path of the board's JSON API (e.g. '/sandbox/journal?limit=50'): its `result`, or throws its error. */
export async function boardGet<T = any>(path: string): Promise<T> {
  const res = await fetch(`${BASE}${path}`, { credentials: 'same-origin' });
  return (await answer<T>(res)).result;
}

/** POST or DELETE a path of the board's JSON API with the CSRF header: its `result`, or throws its error. */
export async function boardSend<T = any>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-scrumd-csrf': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await answer<T>(res)).result;
}
