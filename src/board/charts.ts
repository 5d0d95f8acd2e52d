/**
 * The board's chart data (README: "The web board"), computed from the sprint history
 * (src/domain/scrum/historyCharts.ts), with the access rule of the REST reads of the group
 * (canReadGroup, as tasks.api.scrum.sprint.get):
 *
 *   GET /_scrumd/board/api/sprints/{id}/burndown   a started sprint's burndown
 *   GET /_scrumd/board/api/groups/{id}/velocity    a group's completed story points per completed sprint
 *
 * A sprint or group the user cannot see (or that does not exist) answers 403 ACCESS_DENIED like the
 * REST methods. Times are Unix seconds of the portal's clock and ISO strings in its time zone.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import type { Caller } from '../core/call.js';
import { Errors } from '../core/errors.js';
import { canReadGroup } from '../domain/groups.js';
import { burndown, groupOfSprint, velocity } from '../domain/scrum/historyCharts.js';
import type { BurndownAnswer } from '../domain/scrum/historyTypes.js';
import type { SessionUser } from './auth.js';

export interface ChartRouteDeps {
  session: (req: FastifyRequest) => Promise<SessionUser>;
  guarded: (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  callerOf: (s: SessionUser) => Caller;
  prefix: string;
}

function idParam(req: FastifyRequest): number {
  const id = (req.params as { id?: unknown }).id;
  if (typeof id !== 'string' || !/^\d{1,15}$/.test(id) || Number(id) === 0) throw Errors.scrum.accessDenied();
  return Number(id);
}

function send(reply: FastifyReply, result: unknown): FastifyReply {
  return reply.code(200).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify({ result }));
}

export function registerChartRoutes(app: App, fastify: FastifyInstance, deps: ChartRouteDeps): void {
  const { session, guarded, callerOf, prefix } = deps;

  fastify.get(
    `${prefix}/api/sprints/:id/burndown`,
    guarded(async (req, reply) => {
      const caller = callerOf(await session(req));
      const id = idParam(req);
      const db = app.store.db;
      const groupId = await groupOfSprint(db, id);
      if (groupId === undefined || !(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
      const b = await burndown(db, app.time.zone, id, app.clock.nowSeconds());
      if (!b) throw Errors.scrum.accessDenied();
      const answer: BurndownAnswer = {
        ...b,
        groupId,
        startedAtIso: b.startedAt === undefined ? undefined : app.time.iso(b.startedAt),
        endsAtIso: b.endsAt === undefined ? undefined : app.time.iso(b.endsAt),
      };
      return send(reply, answer);
    }),
  );

  fastify.get(
    `${prefix}/api/groups/:id/velocity`,
    guarded(async (req, reply) => {
      const caller = callerOf(await session(req));
      const id = idParam(req);
      const db = app.store.db;
      const group = await db.selectFrom('sonet_groups').select('id').where('id', '=', id).executeTakeFirst();
      if (!group || !(await canReadGroup(db, caller, id))) throw Errors.scrum.accessDenied();
      return send(reply, await velocity(db, id));
    }),
  );
}
