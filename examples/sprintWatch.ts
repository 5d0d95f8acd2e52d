/**
 * A small "application" written against the official JS SDK, as an integrator would: it plans a
 * two-week sprint for a Scrum team and reports sprints that ran past their end. It knows nothing of
 * scrumd; examples/sprintWatch.test.ts runs it against a scrumd sandbox (`scrumd/testing`).
 */
import type { B24Hook } from '@bitrix24/b24jssdk';

interface Sprint {
  id: number;
  name: string;
  status: string;
  dateEnd: string;
}

async function call<T>(b24: B24Hook, method: string, params: Record<string, unknown> = {}): Promise<T> {
  const r = await b24.actions.v2.call.make<T>({ method, params });
  return r.getData()!.result;
}

/** Creates a Scrum team with its backlog; returns the group id. */
export async function createTeam(b24: B24Hook, name: string): Promise<number> {
  const groupId = await call<number>(b24, 'sonet_group.create', { NAME: name, PROJECT: 'Y', SCRUM_MASTER_ID: 1 });
  await call(b24, 'tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } });
  return groupId;
}

/** Starts a sprint of `days` days from the portal's now (read from the portal, not from this machine). */
export async function startSprint(b24: B24Hook, groupId: number, name: string, days = 14): Promise<number> {
  const now = Date.parse(await call<string>(b24, 'server.time')) / 1000;
  const sprint = await call<{ id: number }>(b24, 'tasks.api.scrum.sprint.add', {
    fields: { groupId, name, createdBy: 1, status: 'active', dateStart: now, dateEnd: now + days * 86400 },
  });
  return sprint.id;
}

/** The active sprints of a team whose end has passed, by the portal's clock. */
export async function overdueSprints(b24: B24Hook, groupId: number): Promise<string[]> {
  const now = Date.parse(await call<string>(b24, 'server.time'));
  const sprints = await call<Sprint[]>(b24, 'tasks.api.scrum.sprint.list', { filter: { GROUP_ID: groupId } });
  return sprints.filter((s) => s.status === 'active' && Date.parse(s.dateEnd) < now).map((s) => s.name);
}
