import { validateDnsLabel } from '@envmesh/plugin-environments-common';
import TextField from '@material-ui/core/TextField';
import { useState } from 'react';

/**
 * The name and namespace of a new environment (a copy, or one created from a file): the two fields, each
 * validated as a DNS label as it is typed.
 */
export function useNewEnvironmentName(options: {
  /** Prefix of the fields' ids. */
  idPrefix: string;
  nameLabel: string;
  /** What an empty namespace means. */
  namespaceHelp: string;
}) {
  const [name, setName] = useState('');
  const [namespace, setNamespace] = useState('');
  const nameError = name ? validateDnsLabel(name, 'Name') : undefined;
  const namespaceError = namespace
    ? validateDnsLabel(namespace, 'Namespace')
    : undefined;
  const fields = (
    <>
      <TextField
        id={`${options.idPrefix}-name`}
        label={options.nameLabel}
        required
        fullWidth
        margin="dense"
        value={name}
        onChange={e => setName(e.target.value)}
        error={Boolean(nameError)}
        helperText={nameError ?? 'Lower-case letters, digits and -'}
      />
      <TextField
        id={`${options.idPrefix}-namespace`}
        label="Namespace"
        fullWidth
        margin="dense"
        value={namespace}
        onChange={e => setNamespace(e.target.value)}
        error={Boolean(namespaceError)}
        helperText={namespaceError ?? options.namespaceHelp}
      />
    </>
  );
  return {
    name,
    namespace,
    valid: Boolean(name) && !nameError && !namespaceError,
    fields,
  };
}
