import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminAuthError } from './chaos-toggles';
import { CHAOS_OPTIONS, ChaosOptions } from './chaos.service';

const BEARER = /^Bearer ([\x21-\x7e]+)$/;

/** `Authorization: Bearer <ADMIN_TOKEN>`: none or malformed → 401, another token → 403. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(CHAOS_OPTIONS) options: ChaosOptions) {
    this.expected = digest(options.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) {
      throw new AdminAuthError(
        'ADMIN.UNAUTHENTICATED',
        'unauthorized',
        'Admin endpoints need an Authorization: Bearer <token> header',
      );
    }
    if (!tokenMatches(match[1]!, this.expected)) {
      throw new AdminAuthError('ADMIN.FORBIDDEN', 'forbidden', 'The admin token is not valid');
    }
    return true;
  }
}

/** Constant-time comparison: both sides are hashed first, so neither content nor length leaks through timing. */
export function tokenMatches(given: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(given), expectedDigest);
}

export function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
