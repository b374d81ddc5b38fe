import { useRef, useState } from 'react';
import { DiffResult, Operation } from '../api/types';

/** What {@link usePreviewedSave} needs: how the text becomes a request, and the API calls to make with it. */
export type PreviewedSaveOptions<T> = {
  initialText: string;
  /** The request for a text; throws (with a message for the user) when the text is not valid. */
  toRequest: (text: string) => T;
  preview: (request: T) => Promise<DiffResult>;
  save: (request: T) => Promise<Operation>;
  /** Called with the operation a save started. */
  onSaved?: (operation: Operation) => void;
};

/**
 * An editor's text with "preview, then save": Save is possible only once the API has previewed the current
 * text, and editing the text drops the preview, so what is saved is always what the user last saw diffed.
 */
export function usePreviewedSave<T>(options: PreviewedSaveOptions<T>) {
  const { toRequest, preview, save, onSaved } = options;
  const [text, setCurrentText] = useState(options.initialText);
  const [previewed, setPreviewed] = useState<{
    text: string;
    diff: DiffResult;
  }>();
  const [busy, setBusy] = useState<'preview' | 'save'>();
  const [error, setError] = useState<Error>();
  const [started, setStarted] = useState<Operation>();
  // Each preview, save and edit takes a number; an answer for an older one (the text changed since) is dropped.
  const latest = useRef(0);

  const setText = (next: string) => {
    latest.current += 1;
    setCurrentText(next);
    setPreviewed(undefined);
    setError(undefined);
    setStarted(undefined);
    setBusy(undefined);
  };

  const run = async (kind: 'preview' | 'save', action: () => Promise<void>) => {
    latest.current += 1;
    const call = latest.current;
    setBusy(kind);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      if (call === latest.current) setError(e as Error);
    } finally {
      if (call === latest.current) setBusy(undefined);
    }
  };

  const runPreview = () => {
    const call = latest.current + 1;
    setStarted(undefined);
    return run('preview', async () => {
      const diff = await preview(toRequest(text));
      if (call === latest.current) setPreviewed({ text, diff });
    });
  };

  const current = previewed?.text === text ? previewed : undefined;
  const canSave = Boolean(current) && !busy && !started;

  const runSave = () => {
    if (!current) return Promise.resolve();
    const call = latest.current + 1;
    return run('save', async () => {
      const operation = await save(toRequest(current.text));
      if (call === latest.current) setStarted(operation);
      onSaved?.(operation);
    });
  };

  return {
    text,
    setText,
    preview: runPreview,
    save: runSave,
    /** The preview of the current text, if there is one. */
    diff: current?.diff,
    canSave,
    busy: Boolean(busy),
    /** Saving: the text is not editable meanwhile. */
    saving: busy === 'save',
    error,
    /** The operation the last save started. */
    started,
  };
}
