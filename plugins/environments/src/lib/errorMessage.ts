import { ResponseError } from '@backstage/errors';

/**
 * The reason of an error for the user: for an API error the backend's own message (its `error.message`,
 * such as `globalValues: expected an object`), with the status it came with.
 */
export function errorMessage(error: Error): string {
  if (error instanceof ResponseError || error.name === 'ResponseError') {
    const { body, statusCode } = error as ResponseError;
    const reason = body?.error?.message;
    if (reason) {
      return `${reason} (${statusCode})`;
    }
  }
  return error.message;
}
