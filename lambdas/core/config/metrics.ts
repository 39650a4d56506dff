/** Where the functions publish their metrics (Powertools, EMF) and the alarms of lib/observability.ts read them. */
export const METRICS_NAMESPACE = 'ASPay';
export const METRICS_SERVICE = 'aspay';

/**
 * The dimensions of every ASPay metric: the service and the stage (ASPAY_STAGE). Alarms select on the whole
 * set, so two stages in one account never read each other's samples.
 */
export const METRIC_STAGE_DIMENSION = 'stage';

export function metricDimensions(stage: string): Record<string, string> {
  return { service: METRICS_SERVICE, [METRIC_STAGE_DIMENSION]: stage };
}
