/*
 * One backend replica as its own process, for replicas.test.ts: Backstage's production backend (createBackend,
 * the real database, scheduler and auth services) with only the environments plugin, configured by the files
 * given as `--config` arguments. Run with `node --require @backstage/cli/config/nodeTransform.cjs`.
 */
import { createBackend } from '@backstage/backend-defaults';
import { environmentsPlugin } from '../plugin';

const backend = createBackend();
backend.add(environmentsPlugin);
backend.start().catch(error => {
  process.stderr.write(`replica failed to start: ${error}\n`);
  process.exit(1);
});
