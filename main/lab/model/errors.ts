/** An appliance refusing a request: one of the appliance API's error codes and a sentence. */
import type { ApplianceErrorBody, ApplianceErrorCode } from '../../appliance/contract';

export class ApplianceError extends Error {
  constructor(
    readonly code: ApplianceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApplianceError';
  }
  toBody(): ApplianceErrorBody {
    return { code: this.code, message: this.message };
  }
}
