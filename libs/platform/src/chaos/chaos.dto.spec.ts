import 'reflect-metadata';
import { createValidationPipe } from '../http/validation';
import { ValidationFailedError } from '../errors/app-error';
import { ChaosTogglesPatch } from './chaos.dto';

const pipe = createValidationPipe();
const validate = (body: unknown) => pipe.transform(body, { type: 'body', metatype: ChaosTogglesPatch });

async function violationsOf(body: unknown): Promise<string[]> {
  try {
    await validate(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailedError);
    return (err as ValidationFailedError).violations.map((v) => v.field);
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}

describe('ChaosTogglesPatch validation', () => {
  it('accepts any subset of valid toggles, including the bounds', async () => {
    const body = {
      seed: 0,
      handlerFailureRate: 1,
      crashAfterCommitRate: 0,
      duplicateDeliveryRate: 0.5,
      relayPaused: true,
      paymentDeclineRate: 0.1,
      gatewayLatencyMs: 60_000,
      gatewayJitterMs: 0,
      gatewayFailureRate: 1,
    };
    expect(await validate(body)).toMatchObject(body);
    expect(await validate({})).toBeInstanceOf(ChaosTogglesPatch);
    expect(await validate({ seed: 0xffff_ffff })).toMatchObject({ seed: 0xffff_ffff });
  });

  it.each([
    [{ handlerFailureRate: 1.01 }, 'handlerFailureRate'],
    [{ crashAfterCommitRate: -0.1 }, 'crashAfterCommitRate'],
    [{ duplicateDeliveryRate: '0.5' }, 'duplicateDeliveryRate'],
    [{ gatewayFailureRate: null }, 'gatewayFailureRate'],
    [{ paymentDeclineRate: 2 }, 'paymentDeclineRate'],
    [{ gatewayLatencyMs: -1 }, 'gatewayLatencyMs'],
    [{ gatewayLatencyMs: 12.5 }, 'gatewayLatencyMs'],
    [{ gatewayJitterMs: 60_001 }, 'gatewayJitterMs'],
    [{ seed: -1 }, 'seed'],
    [{ seed: 2 ** 32 }, 'seed'],
    [{ seed: 1.5 }, 'seed'],
    [{ relayPaused: 'true' }, 'relayPaused'],
    [{ relayPaused: 1 }, 'relayPaused'],
    [{ chaosMonkey: true }, 'chaosMonkey'],
  ])('refuses %j naming %s', async (body, field) => {
    expect(await violationsOf(body)).toEqual([field]);
  });

  it('names every bad field at once', async () => {
    expect((await violationsOf({ handlerFailureRate: 3, relayPaused: 'no', extra: 1 })).sort()).toEqual([
      'extra',
      'handlerFailureRate',
      'relayPaused',
    ]);
  });
});
