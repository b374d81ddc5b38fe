import { useState } from 'react';
import { errorMessage } from '../lib/errorMessage';

/**
 * Runs what a button starts: `busy` while it runs, and the message of why it failed (cleared when it runs
 * again).
 */
export function useBusyAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e as Error));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
