import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';

/**
 * The value of {@link EnvmeshClusterPickerFieldExtension}: the name of a cluster.
 *
 * @public
 */
export const EnvmeshClusterPickerFieldSchema = makeFieldSchema({
  output: z => z.string(),
});
