import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';

/**
 * The value and `ui:options` of {@link EnvmeshServicesPickerFieldExtension}.
 *
 * @public
 */
export const EnvmeshServicesPickerFieldSchema = makeFieldSchema({
  output: z => z.array(z.string()),
  uiOptions: z =>
    z.object({
      environmentField: z
        .string()
        .optional()
        .describe(
          "Name of the form field that holds an environment (an entity ref such as resource:default/demo-dev, or its name): when it has a value, the picker lists that environment's services instead of the registry's",
        ),
    }),
});

/** @public */
export type EnvmeshServicesPickerUiOptions =
  typeof EnvmeshServicesPickerFieldSchema.uiOptionsType;
