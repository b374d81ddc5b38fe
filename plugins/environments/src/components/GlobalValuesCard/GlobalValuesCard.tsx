import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { dump, load } from 'js-yaml';
import { environmentsApiRef } from '../../api';
import { Operation, ValuesObject } from '../../api/types';
import { usePreviewedSave } from '../../hooks/usePreviewedSave';
import { PreviewedYamlEditor } from '../PreviewedYamlEditor';

/** The YAML text as a values map; an empty text is an empty map. */
function parseValues(text: string): ValuesObject {
  const values = load(text);
  if (values === undefined || values === null) {
    return {};
  }
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new Error('Global values must be a YAML map');
  }
  return values as ValuesObject;
}

/**
 * The environment's global values as YAML: edit, preview what would change by a server-side dry run, save.
 */
export const GlobalValuesCard = (props: {
  name: string;
  globalValues: ValuesObject;
  /** Called with the operation the save started. */
  onSaved?: (operation: Operation) => void;
}) => {
  const { name, globalValues, onSaved } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const editor = usePreviewedSave({
    initialText:
      Object.keys(globalValues).length === 0 ? '' : dump(globalValues),
    toRequest: text => ({ globalValues: parseValues(text) }),
    preview: request => environmentsApi.diffEnvironment(name, request),
    save: request => environmentsApi.updateEnvironment(name, request),
    onSaved,
  });

  return (
    <InfoCard title="Global values">
      <PreviewedYamlEditor
        environment={name}
        editor={editor}
        id={`environment-${name}-global-values`}
        label="Global values (YAML)"
        minRows={6}
        previewLabel="Preview diff"
        saveLabel="Save"
      />
    </InfoCard>
  );
};
