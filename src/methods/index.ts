/** Every method family, registered in one registry. */
import { MethodRegistry } from '../protocol/registry.js';
import { backlogMethods } from './scrum/backlog.js';
import { serviceMethods } from './service.js';
import { sonetGroupMethods } from './sonetGroup.js';

export function createRegistry(): MethodRegistry {
  return new MethodRegistry().add(serviceMethods).add(sonetGroupMethods).add(backlogMethods);
}
