import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface TestResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
}

/** In-process HTTP through Fastify's inject: the full Nest pipeline without opening a port. */
export async function request<T = unknown>(
  app: NestFastifyApplication,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<TestResponse<T>> {
  const raw = typeof payload === 'string' || Buffer.isBuffer(payload);
  const res = await app.inject({
    method,
    url,
    headers: payload !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
    ...(payload !== undefined ? { payload: raw ? (payload as string) : JSON.stringify(payload) } : {}),
  });
  let body: unknown = res.body;
  if (String(res.headers['content-type'] ?? '').includes('json') && res.body) body = JSON.parse(res.body);
  return { status: res.statusCode, headers: res.headers, body: body as T };
}
