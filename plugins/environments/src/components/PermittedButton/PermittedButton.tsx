import { LinkButton, LinkButtonProps } from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import Button, { ButtonProps } from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';

/** A basic or a resource permission, as `usePermission` takes it. */
type AnyPermission = Parameters<typeof usePermission>[0]['permission'];

/** Props of {@link PermittedButton}. */
export type PermittedButtonProps = Omit<ButtonProps, 'disabled' | 'action'> & {
  /** The permission the action needs; a resource permission is checked on `resourceRef`. */
  permission: AnyPermission;
  /** The environment's or feature branch's name, for resource permissions. */
  resourceRef?: string;
  /** What the button does, for the tooltip: "You are not allowed to {intent}". */
  intent: string;
  /** Disabled for another reason than the permission. */
  disabled?: boolean;
  /** Disabled for another reason than the permission, which the tooltip says (before any permission's). */
  disabledReason?: string;
  /** Renders a link (core-components LinkButton) to this address instead of a button. */
  to?: string;
};

/**
 * A button that is enabled only when the user has the permission its action needs; otherwise it is disabled
 * and its tooltip says why.
 */
export const PermittedButton = (props: PermittedButtonProps) => {
  const {
    permission,
    resourceRef,
    intent,
    disabled,
    disabledReason,
    to,
    ...buttonProps
  } = props;
  // The hook takes a resource ref only with a resource permission; the union is checked by the props above.
  const { loading, allowed, error } = usePermission({
    permission,
    resourceRef,
  } as Parameters<typeof usePermission>[0]);

  // A reason the button cannot work is said first, whatever the permission.
  let reason: string | undefined;
  if (disabledReason) {
    reason = disabledReason;
  } else if (loading) {
    reason = `Checking whether you may ${intent}`;
  } else if (error) {
    reason = `Could not check whether you may ${intent}: ${error.message}`;
  } else if (!allowed) {
    reason = `You are not allowed to ${intent} (needs ${permission.name})`;
  }

  if (!reason) {
    return to ? (
      <LinkButton
        {...(buttonProps as Omit<LinkButtonProps, 'to'>)}
        to={to}
        disabled={disabled}
      />
    ) : (
      <Button {...buttonProps} disabled={disabled} />
    );
  }
  // A disabled button gets no pointer events, so the tooltip sits on a wrapper.
  return (
    <Tooltip title={reason}>
      <span>
        <Button {...buttonProps} disabled />
      </span>
    </Tooltip>
  );
};
