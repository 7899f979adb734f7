import { DECLINE_REASONS } from '../../domain/payment';
import { AuthorizationRequest } from '../../domain/payment-gateway';
import { ChaosPaymentGateway, GatewayFaults, SimulatedGatewayOutage } from './chaos-payment-gateway';
import { MockPaymentGateway, mockAuthorizationRef } from './mock-payment-gateway';

const request: AuthorizationRequest = {
  idempotencyKey: '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e001',
  customerId: '9b2d7c10-1e4f-4a6b-8c2d-3e4f5a6b7c01',
  amount: 100,
  currency: 'EUR',
};

function faults(overrides: Partial<{ delay: number; fail: boolean; decline: number | null }> = {}) {
  const drawn: string[] = [];
  const f: GatewayFaults = {
    gatewayDelayMs: () => overrides.delay ?? 0,
    gatewayFails: () => overrides.fail ?? false,
    gatewayDecline: <T>(reasons: readonly T[]) => {
      drawn.push(...reasons.map(String));
      return overrides.decline == null ? null : reasons[overrides.decline]!;
    },
  };
  return { f, drawn };
}

const mock = () => new MockPaymentGateway({ authorizationLimit: 10_000, latencyMs: 0 });

describe('ChaosPaymentGateway', () => {
  it('passes through when no fault fires', async () => {
    const gateway = new ChaosPaymentGateway(mock(), faults().f);
    expect(await gateway.authorize(request)).toEqual({
      approved: true,
      ref: mockAuthorizationRef(request.idempotencyKey),
    });
  });

  it('declines with a real decline reason of the payment domain', async () => {
    const { f, drawn } = faults({ decline: 1 });
    const gateway = new ChaosPaymentGateway(mock(), f);
    expect(await gateway.authorize(request)).toEqual({ approved: false, reason: DECLINE_REASONS[1] });
    expect(drawn).toEqual([...DECLINE_REASONS]);
  });

  it('fails any call technically when the failure fault fires', async () => {
    const gateway = new ChaosPaymentGateway(mock(), faults({ fail: true }).f);
    await expect(gateway.authorize(request)).rejects.toBeInstanceOf(SimulatedGatewayOutage);
    await expect(gateway.capture(mockAuthorizationRef('x'), 1)).rejects.toBeInstanceOf(
      SimulatedGatewayOutage,
    );
    await expect(gateway.void(mockAuthorizationRef('x'))).rejects.toBeInstanceOf(SimulatedGatewayOutage);
    await expect(gateway.refund(mockAuthorizationRef('x'), 1)).rejects.toBeInstanceOf(SimulatedGatewayOutage);
  });

  it('waits the drawn delay before answering', async () => {
    const gateway = new ChaosPaymentGateway(mock(), faults({ delay: 40 }).f);
    const started = Date.now();
    await gateway.capture(mockAuthorizationRef('x'), 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });
});
