import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, unauthenticated } from './errors.ts';
import type { Actor } from './actor.ts';
import { findBadText, isValidDate, isValidDateTime } from './validation.ts';

function makeAjv(coerce: boolean) {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: !coerce,
    strict: false,
  });
  (((addFormats as unknown as { default?: typeof addFormats }).default ?? addFormats) as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('date', isValidDate);
  ajv.addFormat('date-time', isValidDateTime);
  return ajv;
}

/**
 * JSON bodies are validated strictly (a string where a number belongs is an error, not coerced);
 * query strings and path parameters are strings on the wire and are coerced to the schema's types.
 */
export function installValidators(app: FastifyInstance) {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}

/**
 * Refuses text no database can store in the body, query or path parameters of any request (400 `validation`, the
 * field named). Install after the route-access check (401, then 403, then 400).
 */
export function installTextChecks(app: FastifyInstance) {
  app.addHook('preValidation', async (req) => {
    for (const [part, value] of [['params', req.params], ['querystring', req.query], ['body', req.body]] as const) {
      const bad = findBadText(value, part);
      if (bad) throw new AppError('validation', 400, `${bad.field} ${bad.message}`, [bad]);
    }
  });
}

function fieldOf(instancePath: string, params: Record<string, unknown>): string {
  const base = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = (params?.missingProperty ?? params?.additionalProperty) as string | undefined;
  return [base, extra].filter(Boolean).join('.') || '(root)';
}

/** One error handler: stable `{ error: { code, message, details } }` bodies; 4xx never logged as errors, 5xx logged with the request id. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) {
      if (err.status === 429 && (err.details as { retryAfterSeconds?: number })?.retryAfterSeconds) {
        reply.header('retry-after', String((err.details as { retryAfterSeconds: number }).retryAfterSeconds));
      }
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const part = fe.validationContext ?? 'body';
      const details = fe.validation.map((v) => {
        const field = fieldOf(v.instancePath, v.params as Record<string, unknown>);
        let message = v.message ?? 'is invalid';
        if (v.keyword === 'additionalProperties') message = 'is not a known field';
        if (v.keyword === 'required') message = 'is required';
        if (v.keyword === 'format') message = `must be a valid ${String((v.params as { format?: string }).format)}`;
        if (v.keyword === 'enum' || v.keyword === 'anyOf' || v.keyword === 'const') message = 'has a value that is not allowed';
        return { field: `${part}.${field}`, message };
      });
      return reply.status(400).send({
        error: { code: 'validation', message: details.map((d) => `${d.field} ${d.message}`).join('; '), details },
      });
    }
    const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    if (status < 500) {
      const code = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large'
        : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
        : fe.code?.startsWith('FST_ERR_CTP') ? 'bad_body' : 'bad_request';
      return reply.status(status).send({ error: { code, message: fe.message } });
    }
    req.log.error({ err, reqId: req.id }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: `Internal error (request ${req.id})` } });
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    /** The API token of this call (set as soon as it is known, also when refused), for the token's call log. */
    tokenCall: { tokenId: string; orgId: string } | null;
  }
}

/** The authenticated actor of a request; 401 when there is none (every non-public route calls it). */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw unauthenticated();
  return req.actor;
}

export type Reply = FastifyReply;
