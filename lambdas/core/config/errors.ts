import { AspayError } from '../domain/errors';

/** The function's environment or settings are missing or contradictory: an operator fixes the deployment. */
export class ConfigurationError extends AspayError {
  override readonly name = 'ConfigurationError';
  readonly type = 'configuration_invalid';
}
