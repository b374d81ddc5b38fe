export type { Caller } from './audited';
export { AccessResources, Authorizer } from './authorization';
export { GuardedCommands } from './GuardedCommands';
export { GuardedQueries } from './GuardedQueries';
export { registerPermissions } from './registerPermissions';
