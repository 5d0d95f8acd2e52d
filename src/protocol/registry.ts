/**
 * The method registry: every REST method by its declaration (method.ts), prepared once at
 * registration. Method names are matched case-insensitively (protocol.md §1.4).
 */
import type { App } from '../app.js';
import type { Caller } from '../core/call.js';
import type { PhpMap } from '../core/php.js';
import { compile, type MethodSpec, type RegisteredMethod } from './method.js';

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

/** A registered method (the name the registry resolves, its scopes, its runner). */
export type MethodDef = RegisteredMethod;

export class MethodRegistry {
  private readonly methods = new Map<string, RegisteredMethod>();

  add(specs: readonly MethodSpec[]): this {
    for (const spec of specs) this.register(compile(spec));
    return this;
  }

  /** Registers a method prepared elsewhere (`batch`, which needs the registry itself). */
  register(m: RegisteredMethod): this {
    if (this.methods.has(m.name)) throw new Error(`method registered twice: ${m.name}`);
    this.methods.set(m.name, m);
    return this;
  }

  resolve(name: string): RegisteredMethod | undefined {
    return this.methods.get(name.toLowerCase());
  }

  all(): RegisteredMethod[] {
    return [...this.methods.values()];
  }
}
