/**
 * The method registry: every REST method, its scope and its handler. Method names are
 * matched case-insensitively (protocol.md §1.4).
 */
import type { App } from '../app.js';
import type { Caller } from '../core/call.js';
import type { PhpMap } from '../core/php.js';

export interface CallContext {
  app: App;
  caller: Caller;
  /** the method's own parameters (reserved ones removed) */
  params: PhpMap;
  /** the reserved `start` parameter converted with intval; 0 when absent */
  start: number;
  /** Unix seconds when the request began */
  now: number;
  /** the registry the method was resolved in (service methods list it) */
  registry: MethodRegistry;
}

export interface MethodDef {
  /** lower-case method name */
  name: string;
  /** the scopes any one of which grants the method; empty for the global scope */
  scopes: readonly string[];
  handler: (ctx: CallContext) => Promise<unknown> | unknown;
}

export class MethodRegistry {
  private readonly methods = new Map<string, MethodDef>();

  add(defs: readonly MethodDef[]): this {
    for (const d of defs) {
      const key = d.name.toLowerCase();
      if (this.methods.has(key)) throw new Error(`method registered twice: ${key}`);
      this.methods.set(key, { ...d, name: key });
    }
    return this;
  }

  resolve(name: string): MethodDef | undefined {
    return this.methods.get(name.toLowerCase());
  }

  all(): MethodDef[] {
    return [...this.methods.values()];
  }
}

/** Shorthand for the definitions of a method family that share one scope. */
export function family(scopes: readonly string[], handlers: Record<string, MethodDef['handler']>): MethodDef[] {
  return Object.entries(handlers).map(([name, handler]) => ({ name, scopes, handler }));
}
