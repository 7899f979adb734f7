import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthorizationRequest,
  AuthorizationResult,
  GatewayRequestError,
  GatewayUnavailableError,
  PaymentGateway,
} from '../../domain/payment-gateway';
import { BreakerEvent, CircuitBreakerPaymentGateway, CircuitState } from './circuit-breaker-payment-gateway';

type Behaviour = 'approve' | 'decline' | 'refuse' | 'fail' | 'hang';

/** A gateway whose next answers the test chooses. */
class ScriptedGateway implements PaymentGateway {
  behaviour: Behaviour = 'approve';
  calls = 0;

  async authorize(_r: AuthorizationRequest): Promise<AuthorizationResult> {
    this.calls++;
    switch (this.behaviour) {
      case 'approve':
        return { approved: true, ref: 'ref-1' };
      case 'decline':
        return { approved: false, reason: 'CARD_BLOCKED' };
      case 'refuse':
        throw new GatewayRequestError('unknown authorization');
      case 'fail':
        throw new Error('connect ECONNREFUSED');
      case 'hang':
        await sleep(200);
        return { approved: true, ref: 'late' };
    }
  }
  async void(): Promise<void> {
    await this.authorize({} as AuthorizationRequest);
  }
  async capture(): Promise<void> {
    await this.authorize({} as AuthorizationRequest);
  }
  async refund(): Promise<void> {
    await this.authorize({} as AuthorizationRequest);
  }
}

const request: AuthorizationRequest = {
  idempotencyKey: 'o-1',
  customerId: 'c-1',
  amount: 100,
  currency: 'EUR',
};
const settings = { timeoutMs: 50, errorThresholdPercent: 50, resetTimeoutMs: 100, volumeThreshold: 4 };

function setup() {
  const inner = new ScriptedGateway();
  const states: CircuitState[] = [];
  const events: BreakerEvent[] = [];
  const gateway = new CircuitBreakerPaymentGateway(inner, settings, {
    state: (s) => states.push(s),
    event: (e) => events.push(e),
  });
  return { inner, gateway, states, events };
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('CircuitBreakerPaymentGateway', () => {
  let current: ReturnType<typeof setup>;
  afterEach(() => current?.gateway.shutdown());

  it('declines are answers: many of them never open the circuit', async () => {
    current = setup();
    const { inner, gateway, states } = current;
    inner.behaviour = 'decline';
    for (let i = 0; i < 20; i++)
      expect(await gateway.authorize(request)).toEqual({ approved: false, reason: 'CARD_BLOCKED' });
    expect(gateway.state).toBe('closed');
    expect(states).toEqual(['closed']);
  });

  it('refused requests pass through unchanged and do not count against the circuit', async () => {
    current = setup();
    const { inner, gateway, events } = current;
    inner.behaviour = 'refuse';
    for (let i = 0; i < 10; i++)
      expect(await errorOf(gateway.void('bad'))).toBeInstanceOf(GatewayRequestError);
    expect(gateway.state).toBe('closed');
    expect(events).not.toContain('failure');
  });

  it('technical failures surface as GatewayUnavailableError and open the circuit past the threshold', async () => {
    current = setup();
    const { inner, gateway, states, events } = current;
    inner.behaviour = 'fail';
    for (let i = 0; i < settings.volumeThreshold; i++) {
      const err = await errorOf(gateway.authorize(request));
      expect(err).toBeInstanceOf(GatewayUnavailableError);
      expect((err as GatewayUnavailableError).reason).toBe('PAYMENT.GATEWAY_UNAVAILABLE');
    }
    expect(gateway.state).toBe('open');
    expect(states).toEqual(['closed', 'open']);

    // Open: the gateway is not called at all.
    const callsBefore = inner.calls;
    const rejected = await errorOf(gateway.capture('ref-1', 100));
    expect(rejected).toBeInstanceOf(GatewayUnavailableError);
    expect((rejected as GatewayUnavailableError).reason).toBe('PAYMENT.GATEWAY_CIRCUIT_OPEN');
    expect(inner.calls).toBe(callsBefore);
    expect(events.filter((e) => e === 'failure')).toHaveLength(settings.volumeThreshold);
    expect(events).toContain('reject');
  });

  it('half-opens after the reset timeout and closes again on a successful trial call', async () => {
    current = setup();
    const { inner, gateway, states } = current;
    inner.behaviour = 'fail';
    for (let i = 0; i < settings.volumeThreshold; i++) await errorOf(gateway.authorize(request));
    expect(gateway.state).toBe('open');
    await sleep(settings.resetTimeoutMs + 30);
    expect(gateway.state).toBe('half-open');
    inner.behaviour = 'approve';
    expect(await gateway.authorize(request)).toEqual({ approved: true, ref: 'ref-1' });
    expect(gateway.state).toBe('closed');
    expect(states).toEqual(['closed', 'open', 'half-open', 'closed']);
  });

  it('a call slower than the timeout is a failure (GatewayUnavailableError), not a decline', async () => {
    current = setup();
    const { inner, gateway, events } = current;
    inner.behaviour = 'hang';
    const err = await errorOf(gateway.authorize(request));
    expect(err).toBeInstanceOf(GatewayUnavailableError);
    expect((err as Error).message).toMatch(/Timed out/);
    expect(events).toContain('timeout');
  });
});
