import type { ExecutionContext } from '@nestjs/common';
import { AdminTokenGuard, digest, tokenMatches } from './admin-token.guard';
import { AdminAuthError } from './chaos-toggles';

const guard = new AdminTokenGuard({
  service: 'order',
  adminToken: 'correct-horse-battery',
  seed: 0,
  maxAttempts: 4,
});

function contextWith(authorization?: string): ExecutionContext {
  const request = { headers: authorization === undefined ? {} : { authorization } };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

function codeOf(authorization?: string): string {
  try {
    guard.canActivate(contextWith(authorization));
    return 'ALLOWED';
  } catch (err) {
    expect(err).toBeInstanceOf(AdminAuthError);
    return (err as AdminAuthError).code;
  }
}

describe('AdminTokenGuard', () => {
  it('lets the right bearer token through', () => {
    expect(codeOf('Bearer correct-horse-battery')).toBe('ALLOWED');
  });

  it.each([undefined, '', 'correct-horse-battery', 'Basic Y29ycmVjdA==', 'Bearer', 'Bearer  x y', 'Bearer '])(
    'answers a missing or malformed header (%p) with ADMIN.UNAUTHENTICATED',
    (header) => {
      expect(codeOf(header)).toBe('ADMIN.UNAUTHENTICATED');
    },
  );

  it.each(['Bearer correct-horse-batter', 'Bearer correct-horse-battery2', 'Bearer CORRECT-HORSE-BATTERY'])(
    'answers another token (%p) with ADMIN.FORBIDDEN',
    (header) => {
      expect(codeOf(header)).toBe('ADMIN.FORBIDDEN');
    },
  );

  it('compares digests of equal length whatever the token length', () => {
    const expected = digest('correct-horse-battery');
    expect(tokenMatches('correct-horse-battery', expected)).toBe(true);
    expect(tokenMatches('x', expected)).toBe(false);
    expect(tokenMatches('x'.repeat(10_000), expected)).toBe(false);
  });
});
