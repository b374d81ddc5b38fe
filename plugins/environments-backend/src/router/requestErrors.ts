import { InputError } from '@backstage/errors';
import express, { ErrorRequestHandler, RequestHandler } from 'express';
import { spec } from '../schema/openapi/generated';

/** The spec's paths as patterns, with the methods each declares. */
const routes = Object.entries(spec.paths).map(([template, item]) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  methods: Object.keys(item as object).map(m => m.toUpperCase()),
}));

/**
 * A request the spec has no operation for: 405 naming the methods a known path allows, else 404, both with
 * Backstage's JSON error body (the default answer is an empty 404 a client cannot tell from a missing plugin).
 */
export const noOperation: RequestHandler = (req, res, next) => {
  // Backstage's own routes of a plugin (`/.backstage/...`) are mounted beside ours.
  if (req.path.startsWith('/.backstage/')) {
    next();
    return;
  }
  const route = routes.find(r => r.pattern.test(req.path));
  // A declared operation without a handler is a bug: left to the empty 404 the route tests look for.
  if (route?.methods.includes(req.method)) {
    next();
    return;
  }
  const status = route ? 405 : 404;
  const message = route
    ? `${req.method} is not allowed on ${
        route.template
      }; it allows ${route.methods.join(', ')}`
    : `no route ${req.method} ${req.path}`;
  if (route) res.setHeader('Allow', route.methods.join(', '));
  res.status(status).json({
    error: { name: route ? 'MethodNotAllowedError' : 'NotFoundError', message },
    request: { method: req.method, url: req.originalUrl },
    response: { statusCode: status },
  });
};

/** The JSON body parser, its refusals naming the body (a body over the limit stays a 413). */
export function jsonBody(options: { limit: string }): RequestHandler {
  const parse = express.json(options);
  return (req, res, next) =>
    parse(req, res, error => {
      if (!error) {
        next();
        return;
      }
      const status = (error as { status?: number }).status;
      next(
        status === 413
          ? error
          : new InputError(
              `body: not valid JSON (${(error as Error).message})`,
            ),
      );
    });
}

/** The request validator's refusal of a content type, as a 415 that says what to send. */
export const unsupportedMediaType: ErrorRequestHandler = (
  error,
  req,
  res,
  next,
) => {
  const message = String((error as Error)?.message ?? '');
  if (!/^unsupported media type/.test(message)) {
    next(error);
    return;
  }
  res.status(415).json({
    error: {
      name: 'UnsupportedMediaTypeError',
      message: `Content-Type: ${message}; send application/json`,
    },
    request: { method: req.method, url: req.originalUrl },
    response: { statusCode: 415 },
  });
};
