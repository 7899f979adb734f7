import { PermanentHandlerError } from '@ordermesh/platform';
import { GatewayRequestError } from '../domain/payment-gateway';

/**
 * Runs a gateway call for a saga reaction. A refused request goes straight to the dead-letter topic (retrying the
 * same request cannot succeed); any other failure propagates, so the event processor retries with backoff.
 */
export async function callGateway<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof GatewayRequestError) throw new PermanentHandlerError(err.message, err.code);
    throw err;
  }
}
