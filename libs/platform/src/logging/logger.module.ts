import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { LogLevel } from '../config/env-decorators';
import { activeSpanIds, currentLogFields } from '../observability/propagation';

export const CORRELATION_HEADER = 'x-correlation-id';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's correlation id is kept when it is a sane token; otherwise a new one is minted. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && SAFE_ID.test(value) ? value : randomUUID();
}

export interface LoggingOptions {
  service: string;
  level: LogLevel;
}

/**
 * JSON logs via pino. Every line carries the service, the active trace and span ids, and the unit of work's fields
 * (correlationId for a request; orderId, eventId, eventType, correlationId for a consumed event). Secrets are redacted;
 * request and response bodies are never logged (card data never reaches a log line).
 */
export function loggingModule(opts: LoggingOptions): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: opts.level,
      base: { service: opts.service },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label: string) => ({ level: label }) },
      mixin: () => {
        const ids = activeSpanIds();
        const fields = currentLogFields();
        return ids ? { ...fields, traceId: ids.traceId, spanId: ids.spanId } : { ...fields };
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.cardNumber',
          '*.cvc',
          '*.password',
          '*.token',
        ],
        censor: '[redacted]',
      },
      customProps: (req: IncomingMessage) => ({
        correlationId: (req as IncomingMessage & { id?: string }).id,
      }),
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // Probes hit /health every few seconds; their successes are noise, their failures are not.
      customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error) =>
        err || res.statusCode >= 500
          ? 'error'
          : res.statusCode >= 400
            ? 'warn'
            : ((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '').startsWith(
                  '/health',
                )
              ? 'silent'
              : 'info',
    },
  });
}
