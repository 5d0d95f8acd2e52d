/** Every method family, registered in one registry. */
import { batchMethod } from '../protocol/batch.js';
import { MethodRegistry } from '../protocol/registry.js';
import { backlogMethods } from './scrum/backlog.js';
import { epicMethods } from './scrum/epic.js';
import { kanbanMethods } from './scrum/kanban.js';
import { sprintMethods } from './scrum/sprint.js';
import { scrumTaskMethods } from './scrum/task.js';
import { serviceMethods } from './service.js';
import { sonetGroupMethods } from './sonetGroup.js';
import { taskMethods } from './tasks.js';
import { userMethods } from './user.js';
import { workgroupMethods } from './workgroup.js';
import { eventMethods } from './events.js';

export function createRegistry(): MethodRegistry {
  return new MethodRegistry()
    .add(serviceMethods)
    .add(sonetGroupMethods)
    .add(backlogMethods)
    .add(sprintMethods)
    .add(kanbanMethods)
    .add(userMethods)
    .add(workgroupMethods)
    .add(taskMethods)
    .add(epicMethods)
    .add(scrumTaskMethods)
    .add(eventMethods)
    .add([batchMethod]);
}
