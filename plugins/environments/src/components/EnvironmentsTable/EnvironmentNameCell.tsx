import { Link, SubvalueCell } from '@backstage/core-components';

/** An environment's name linking to `to` (its page), with its description under it when it has one. */
export const EnvironmentNameCell = (props: {
  environment: { name: string; description?: string };
  to: string;
}) => {
  const { environment, to } = props;
  const link = <Link to={to}>{environment.name}</Link>;
  return environment.description ? (
    <SubvalueCell value={link} subvalue={environment.description} />
  ) : (
    link
  );
};
