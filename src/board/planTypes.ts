/**
 * The shapes of the board's plan and sprint-board answers (src/board/plan.ts, src/board/kanban.ts).
 * One definition for the server and the web board: web/src/api.ts imports these types (type-only,
 * through the `@scrumd/*` path of web/tsconfig.json), so this file imports nothing.
 */

export interface PlanEpic {
  id: number;
  name: string;
  color: string;
}

export interface PlanItem {
  taskId: number;
  title: string;
  status: number;
  storyPoints: string;
  sort: number;
  epic: PlanEpic | null;
  responsible: { id: number; name: string };
}

export interface PlanEntity {
  id: number;
  type: 'backlog' | 'sprint';
  name: string;
  status: string | null;
  goal: string;
  dateStart: number | null;
  dateEnd: number | null;
  storyPoints: number;
  items: PlanItem[];
}

export interface Plan {
  group: { id: number; name: string; scrumMasterId: number | null };
  backlog: PlanEntity | null;
  sprints: PlanEntity[];
  epics: PlanEpic[];
}

/** The active sprint's board (GET /_scrumd/board/api/groups/{id}/sprint-board, src/board/kanban.ts). */
export interface SprintBoard {
  sprint: { id: number; name: string; goal: string; dateStart: number | null; dateEnd: number | null } | null;
  /** in column order */
  stages: BoardStage[];
  tasks: BoardTask[];
}

export interface BoardStage {
  id: number;
  name: string;
  sort: number;
  type: string;
  color: string;
}

export interface BoardTask {
  taskId: number;
  title: string;
  status: number;
  storyPoints: string;
  responsible: { id: number; name: string };
  /** a task may sit in two columns: kanban.addTask allows it */
  stageIds: number[];
}
