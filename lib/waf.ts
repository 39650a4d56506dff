import { type aws_apigateway as apigateway, aws_wafv2 as wafv2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GATEWAY_PROBLEMS } from '../lambdas/core/config/problems';
import type { StageConfig } from './stage-config';

/**
 * The AWS managed rule groups in front of the API, with the web ACL capacity units (WCU) AWS documents for each
 * (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html,
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html). None of them has a
 * subscription fee; they are billed as rules.
 */
export const MANAGED_RULE_GROUPS = [
  { name: 'AWSManagedRulesAmazonIpReputationList', wcu: 25 },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', wcu: 200 },
  { name: 'AWSManagedRulesCommonRuleSet', wcu: 700 },
] as const;

/**
 * The core rule set blocks every body over 8 KB (its SizeRestrictions_BODY rule,
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html), and a Stripe
 * event (a PaymentIntent with its charge) can be larger: that rule only counts, and its label blocks every
 * request but one to the inbound processor events route, which the Stripe-Signature authenticates before
 * anything is read. The route's path is matched anywhere in the URI (WAF sees API Gateway's stage prefix).
 */
export const PROCESSOR_EVENTS_PATH_PREFIX = '/v1/webhooks/stripe/';
const OVERSIZE_BODY_LABEL = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';
/** A label match costs 1 WCU, a "contains string" byte match 10
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-string-match.html). */
export const OVERSIZE_BODY_RULE_WCU = 11;

/** A rate-based rule costs 2 WCU without custom aggregation keys or scope-down statement
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html). */
export const RATE_BASED_RULE_WCU = 2;

/**
 * A web ACL's basic price covers 1,500 WCU; more is billed extra
 * (https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html).
 */
export const WEB_ACL_INCLUDED_WCU = 1_500;

/** The per-IP rate rule's evaluation window: AWS WAF's default (60, 120, 300 or 600 s are allowed). */
export const RATE_WINDOW_SECONDS = 300;

/** How long a client blocked by the per-IP rule is told to wait: its rate is re-measured over the window. */
const RATE_BLOCK_RETRY_AFTER_SECONDS = 60;
const RATE_LIMITED_BODY = 'RateLimited';

/**
 * A regional AWS WAF web ACL on the API stage (`waf` in cdk.json): the IP reputation list, known bad inputs and
 * the core rule set, then a per-IP rate limit that answers 429 problem+json with Retry-After, like the API's
 * own throttling. A request a managed group blocks is answered by API Gateway's WAF_FILTERED gateway response
 * (403 problem+json `request_blocked`): WAF leaves a block without custom response to the protected resource's
 * own response settings.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: { stage: StageConfig; restApi: apigateway.RestApi }) {
    super(scope, id);
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `aspay-${props.stage.name}-api`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`aspay-${props.stage.name}-api`),
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            ...GATEWAY_PROBLEMS.THROTTLED,
            detail: 'Too many requests from this address. Slow down.',
          }),
        },
      },
      rules: [
        ...MANAGED_RULE_GROUPS.map((group, priority) => ({
          name: group.name,
          priority,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ...(group.name === 'AWSManagedRulesCommonRuleSet'
                ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] }
                : {}),
            },
          },
          visibilityConfig: visibility(group.name),
        })),
        {
          name: 'OversizeBodyOutsideProcessorEvents',
          priority: MANAGED_RULE_GROUPS.length,
          action: { block: {} },
          statement: {
            andStatement: {
              statements: [
                { labelMatchStatement: { scope: 'LABEL', key: OVERSIZE_BODY_LABEL } },
                {
                  notStatement: {
                    statement: {
                      byteMatchStatement: {
                        fieldToMatch: { uriPath: {} },
                        positionalConstraint: 'CONTAINS',
                        searchString: PROCESSOR_EVENTS_PATH_PREFIX,
                        textTransformations: [{ priority: 0, type: 'NONE' }],
                      },
                    },
                  },
                },
              ],
            },
          },
          visibilityConfig: visibility('OversizeBodyOutsideProcessorEvents'),
        },
        {
          name: 'RequestsPerIp',
          priority: MANAGED_RULE_GROUPS.length + 1,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: RATE_LIMITED_BODY,
                // Any header but Content-Type, which WAF takes from the body's type: application/json, as
                // WAF offers no problem+json
                // (https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html).
                responseHeaders: [{ name: 'Retry-After', value: String(RATE_BLOCK_RETRY_AFTER_SECONDS) }],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: RATE_WINDOW_SECONDS,
              limit: props.stage.wafRequestsPerIpPerWindow,
            },
          },
          visibilityConfig: visibility('RequestsPerIp'),
        },
      ],
    });
    const association = new wafv2.CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.restApi.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    association.node.addDependency(props.restApi.deploymentStage);
  }
}
