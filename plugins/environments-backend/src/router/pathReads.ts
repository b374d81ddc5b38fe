import type { Request } from 'express';
import type { Caller, GuardedQueries } from '../access';

/** The caller of a REST request, as the guarded commands take it. */
export type CallerOf = (req: Request<any, any, any, any>) => Promise<Caller>;

/**
 * Reads of what a path parameter names (an environment, a feature branch), each authorized and audited as
 * `queryType` by `guard` (GuardedQueries' environment or feature) before `run` reads it.
 */
export function pathReads<P extends string>(
  callerOf: CallerOf,
  param: P,
  guard: GuardedQueries['environment'],
) {
  return async <T>(
    req: Request<Record<P, string>, any, any, any>,
    queryType: string,
    run: (name: string, caller: Caller) => Promise<T>,
  ) => {
    const name = req.params[param];
    const caller = await callerOf(req);
    return guard(caller, name, queryType, () => run(name, caller));
  };
}
