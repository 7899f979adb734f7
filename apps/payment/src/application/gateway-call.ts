import { PermanentHandlerError, RetryLaterError } from '@ordermesh/platform';
import { GatewayRequestError, GatewayUnavailableError } from '../domain/payment-gateway';

/**
 * Runs a gateway call for a saga reaction. A refused request goes straight to the dead-letter topic (retrying the
 * same request cannot succeed). An unavailable gateway (outage, timeout, open circuit) decided nothing: the event
 * waits and is retried for as long as it takes (RetryLaterError), so an outage delays an authorization, capture, void
 * or refund but never declines the order nor loses the compensation. Anything else propagates, so the event processor
 * retries it with backoff.
 */
export async function callGateway<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof GatewayRequestError) throw new PermanentHandlerError(err.message, err.code);
    if (err instanceof GatewayUnavailableError) throw new RetryLaterError(err.message, err.reason);
    throw err;
  }
}
