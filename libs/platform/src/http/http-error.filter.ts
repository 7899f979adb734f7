import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppError, RequestError } from '../errors/app-error';
import { bodyFor, codeForStatus, statusForKind } from './error-body';

/**
 * The one place where errors become HTTP responses: `{"error":{"code","message","details"}}`.
 * Typed errors keep their code; framework errors get a code by status; anything else is a 500 that is logged
 * with its stack and answered without internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toAppError(exception);
    const status = statusForKind(error.kind);
    if (status >= 500) {
      this.logger.error({ err: exception, code: error.code }, 'request failed');
    }
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(bodyFor(error));
  }
}

export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest re-throws Fastify's body-parser errors as HttpException(message, status), dropping the FST_ code.
    if (status === 400 && /JSON/.test(exception.message))
      return fromFrameworkError(status, '', exception.message);
    return new RequestError(
      codeForStatus(status),
      kindForStatus(status),
      messageOf(exception),
      extraDetails(exception),
    );
  }
  const fastifyLike = exception as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof fastifyLike?.statusCode === 'number' && fastifyLike.statusCode < 500) {
    return fromFrameworkError(
      fastifyLike.statusCode,
      String(fastifyLike.code ?? ''),
      String(fastifyLike.message ?? ''),
    );
  }
  return new RequestError('INTERNAL.ERROR', 'internal', 'Internal server error');
}

/** Fastify's own errors (body parsing, size limits, media types), identified by status and FST_ code or message. */
export function fromFrameworkError(status: number, fstCode: string, message: string): AppError {
  if (
    fstCode === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    fstCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    /JSON/.test(message)
  ) {
    return new RequestError('REQUEST.MALFORMED_JSON', 'validation', 'Request body is not valid JSON');
  }
  if (status === 413)
    return new RequestError('REQUEST.TOO_LARGE', 'payload_too_large', 'Request body is too large');
  if (status === 415) {
    return new RequestError(
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      'unsupported_media_type',
      'Unsupported content type',
    );
  }
  return new RequestError(codeForStatus(status), kindForStatus(status), message || 'Bad request');
}

function kindForStatus(status: number): AppError['kind'] {
  switch (status) {
    case 400:
      return 'validation';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 422:
      return 'unprocessable';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : 'validation';
  }
}

/** Keeps structured bodies such as the health report's; drops Nest's default {statusCode, message, error}. */
function extraDetails(exception: HttpException): unknown {
  const response = exception.getResponse();
  if (typeof response !== 'object' || response === null) return undefined;
  const { statusCode: _s, message: _m, error: _e, ...rest } = response as Record<string, unknown>;
  return Object.keys(rest).length ? rest : undefined;
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
}
