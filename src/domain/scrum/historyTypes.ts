/**
 * The shapes of the sprint history's burndown and velocity (historyCharts.ts computes them; the board
 * serves them at /_scrumd/board/api/sprints/{id}/burndown and /groups/{id}/velocity). One definition
 * for the server and the web board (web/src/charts.tsx imports these types through the `@scrumd/*`
 * path), so this file imports nothing.
 */

export interface BurndownDay {
  /** the day, YYYY-MM-DD in the portal's time zone */
  date: string;
  /** remaining story points at the end of the day (null: a day still to come) */
  remaining: number | null;
  ideal: number;
  added: number;
  removed: number;
  completed: number;
}

export interface Burndown {
  sprintId: number;
  name: string;
  status: string;
  /** false: the sprint was started before the history was kept (or not started): no numbers */
  history: boolean;
  reason?: string;
  startedAt?: number;
  endsAt?: number;
  /** story points in the sprint at its start, and of those not completed */
  startScope?: number;
  startRemaining?: number;
  scopeAdded?: number;
  scopeRemoved?: number;
  completed?: number;
  remaining?: number;
  days: BurndownDay[];
}

export interface VelocitySprint {
  sprintId: number;
  name: string;
  history: boolean;
  /** story points at the start (null: no history) */
  committed: number | null;
  /** story points completed in the sprint when it was completed (null: no history) */
  completed: number | null;
}

export interface Velocity {
  groupId: number;
  sprints: VelocitySprint[];
  /** the mean completed story points of the sprints with history (null: none) */
  average: number | null;
}

/** The board's burndown answer: with the sprint's group, and the start and planned end also as ISO dates in the portal's zone. */
export type BurndownAnswer = Burndown & { groupId: number; startedAtIso?: string; endsAtIso?: string };
