/** Runs the webhook sink on ASPAY_WEBHOOK_SINK_PORT. */
import { localPorts } from '../settings';
import { serve } from '../support/serve';
import { createWebhookSink } from './webhook-sink';

serve(createWebhookSink(), localPorts().webhookSink, 'webhook sink');
