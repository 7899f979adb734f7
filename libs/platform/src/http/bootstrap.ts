import type { IncomingMessage } from 'node:http';
import {
  Catch,
  DynamicModule,
  INestApplication,
  INestMicroservice,
  RpcExceptionFilter,
  Type,
} from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { CORRELATION_HEADER, correlationIdFrom } from '../logging/logger.module';
import { HttpErrorFilter } from './http-error.filter';
import { KafkaEventTransport } from '../messaging/kafka-event.transport';
import { MessagingRuntime } from '../messaging/messaging.module';
import { MESSAGING_FAULTS, MessagingFaults } from '../messaging/event-processor';
import { SERVICE_REACTIONS, ServiceReactions } from '../unit-of-work/reactions';
import { Metrics } from '../observability/metrics';
import { traceRequests } from './server-spans';
import { createValidationPipe } from './validation';

export interface HttpAppOptions {
  /** The app's root module, already configured (e.g. `OrderAppModule.register(config)`). */
  module: Type<unknown> | DynamicModule;
  title: string;
  description: string;
  bodyLimitBytes?: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds a fully configured (not yet listening) Nest app on Fastify. Tests and main.ts share it. */
export async function createHttpApp(opts: HttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // The request id is the correlation id: the caller's when it sends a sane one, else a new UUID.
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => correlationIdFrom(req.headers[CORRELATION_HEADER]),
  });
  const fastify = adapter.getInstance();
  // JSON only: anything else is 415 rather than a string reaching validation.
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header(CORRELATION_HEADER, req.id);
    done();
  });
  traceRequests(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(opts.module, adapter, {
    bufferLogs: true,
    // Throw instead of exiting: callers (runService, tests) report the reason themselves.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const metrics = find(app, Metrics);
  if (metrics) {
    // Labelled by route pattern (not URL) so ids do not explode the series count.
    fastify.addHook('onResponse', (req, reply, done) => {
      metrics.httpDuration.observe(
        {
          route: req.routeOptions.url ?? 'unmatched',
          method: req.method,
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  setupSwagger(app, opts);
  // Services with messaging consume through the Kafka event transport, with their reaction table.
  const runtime = find(app, MessagingRuntime);
  const reactions = find<ServiceReactions>(app, SERVICE_REACTIONS);
  const consuming = runtime && reactions;
  if (consuming) {
    // Deferred so the filter below is in place before the handlers are wrapped (at startAllMicroservices). The
    // app's own init runs the lifecycle hooks; the microservice must not run them a second time.
    const events = app.connectMicroservice(
      { strategy: new KafkaEventTransport(runtime, reactions, find<MessagingFaults>(app, MESSAGING_FAULTS)) },
      { inheritAppConfig: false, deferInitialization: true },
    ) as INestMicroservice & { setIsInitHookCalled(called: boolean): void };
    events.setIsInitHookCalled(true);
    // Handler errors must reach the event processor unchanged: it decides between retry and dead-letter.
    events.useGlobalFilters(new RethrowRpcErrors());
  }
  await app.init();
  if (consuming) await app.startAllMicroservices();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

@Catch()
class RethrowRpcErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/** A provider the app may or may not have (an app without messaging, or without metrics). */
function find<T>(app: INestApplication, token: Type<T> | symbol): T | null {
  try {
    return app.get(token, { strict: false });
  } catch {
    return null;
  }
}

function setupSwagger(app: INestApplication, opts: HttpAppOptions): void {
  const config = new DocumentBuilder()
    .setTitle(opts.title)
    .setDescription(opts.description)
    .setVersion('1.0')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}

/** Starts listening and logs where; resolves with the bound port. */
export async function listen(app: NestFastifyApplication, port: number, host = '0.0.0.0'): Promise<number> {
  await app.listen(port, host);
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : port;
}

export interface ServiceDefinition<C extends { http: { port: number; host: string } }> {
  name: string;
  description: string;
  loadConfig: () => C;
  module: (config: C) => DynamicModule;
}

/** A service's main(): validate config (fail fast), build the app, listen. Boot failures exit 1 with the reason. */
export function runService<C extends { http: { port: number; host: string } }>(
  def: ServiceDefinition<C>,
): void {
  const boot = async () => {
    const config = def.loadConfig();
    const app = await createHttpApp({
      module: def.module(config),
      title: `ordermesh ${def.name} service`,
      description: def.description,
    });
    const port = await listen(app, config.http.port, config.http.host);
    app.get(Logger).log({ port, host: config.http.host }, `${def.name} service listening`);
  };
  boot().catch((err: unknown) => {
    process.stderr.write(
      `${def.name} service failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
