import { PermanentHandlerError, RetryLaterError } from '@ordermesh/platform';
import { GatewayRequestError, GatewayUnavailableError } from '../domain/payment-gateway';
import { callGateway } from './gateway-call';

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('callGateway', () => {
  it('returns the answer', async () => {
    expect(await callGateway(async () => 'ok')).toBe('ok');
  });

  it('an unavailable gateway (outage or open circuit) makes the event wait: RetryLaterError with the reason', async () => {
    const err = await errorOf(
      callGateway(async () => {
        throw new GatewayUnavailableError('circuit open', 'PAYMENT.GATEWAY_CIRCUIT_OPEN');
      }),
    );
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as RetryLaterError).reason).toBe('PAYMENT.GATEWAY_CIRCUIT_OPEN');
  });

  it('a refused request is permanent', async () => {
    const err = await errorOf(
      callGateway(async () => {
        throw new GatewayRequestError('unknown authorization');
      }),
    );
    expect(err).toBeInstanceOf(PermanentHandlerError);
    expect((err as PermanentHandlerError).reason).toBe('PAYMENT.GATEWAY_REQUEST_REFUSED');
  });

  it('anything else propagates unchanged (ordinary retry with backoff)', async () => {
    const boom = new Error('boom');
    expect(
      await errorOf(
        callGateway(async () => {
          throw boom;
        }),
      ),
    ).toBe(boom);
  });
});
