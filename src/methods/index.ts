/** Every method family, registered in one registry. */
import { createBatchMethod } from '../protocol/batch.js';
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

export function createRegistry(): MethodRegistry {
  const registry = new MethodRegistry().add(serviceMethods).add(sonetGroupMethods).add(backlogMethods).add(sprintMethods);
  registry.add(kanbanMethods);
  registry.add(userMethods).add(workgroupMethods);
  registry.add(taskMethods);
  registry.add(epicMethods).add(scrumTaskMethods);
  return registry.add([createBatchMethod(registry)]);
}
