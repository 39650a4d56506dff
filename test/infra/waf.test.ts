import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../lambdas/core/config/routes';
import { stageConfig } from '../../lib/stage-config';
import {
  MANAGED_RULE_GROUPS,
  OVERSIZE_BODY_RULE_WCU,
  PROCESSOR_EVENTS_PATH_PREFIX,
  RATE_BASED_RULE_WCU,
  RATE_WINDOW_SECONDS,
  WEB_ACL_INCLUDED_WCU,
} from '../../lib/waf';
import { appFor, templateFor } from './synth';

let dev: Template;
let prod: Template;

beforeAll(() => {
  dev = templateFor('dev');
  prod = templateFor('prod');
}, 300_000);

type Rule = {
  Name: string;
  Priority: number;
  Statement: {
    ManagedRuleGroupStatement?: { VendorName: string; Name: string };
    RateBasedStatement?: { AggregateKeyType: string; Limit: number; EvaluationWindowSec: number };
  };
  Action?: { Block?: { CustomResponse?: { ResponseCode: number; ResponseHeaders?: { Name: string }[] } } };
};

function webAcls(template: Template) {
  return Object.values(template.findResources('AWS::WAFv2::WebACL')) as {
    Properties: { Scope: string; DefaultAction: unknown; Rules: Rule[] };
  }[];
}

describe('the web application firewall stage option', () => {
  it('puts a regional web ACL with the AWS managed rule groups and a per-IP rate rule on the prod stage', () => {
    const [acl, ...others] = webAcls(prod);
    expect(others).toHaveLength(0);
    expect(acl?.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const rules = acl?.Properties.Rules ?? [];
    expect(
      rules.flatMap((rule) => rule.Statement.ManagedRuleGroupStatement ?? []).map((group) => group.Name),
    ).toEqual(
      expect.arrayContaining([
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
        'AWSManagedRulesAmazonIpReputationList',
      ]),
    );
    const rate = rules.find((rule) => rule.Statement.RateBasedStatement);
    expect(rate?.Statement.RateBasedStatement).toEqual({
      AggregateKeyType: 'IP',
      EvaluationWindowSec: RATE_WINDOW_SECONDS,
      Limit: stageConfig(appFor('prod')).wafRequestsPerIpPerWindow,
    });
    expect(rate?.Action?.Block?.CustomResponse?.ResponseCode).toBe(429);
    expect(rate?.Action?.Block?.CustomResponse?.ResponseHeaders?.map((header) => header.Name)).toEqual([
      'Retry-After',
    ]);
    // Unique priorities: WAF evaluates rules in priority order and refuses duplicates.
    expect(new Set(rules.map((rule) => rule.Priority)).size).toBe(rules.length);
  });

  it('associates the web ACL with the API stage', () => {
    const associations = Object.values(prod.findResources('AWS::WAFv2::WebACLAssociation')) as {
      Properties: { ResourceArn: unknown; WebACLArn: unknown };
    }[];
    expect(associations).toHaveLength(1);
    const [stageId] = Object.keys(prod.findResources('AWS::ApiGateway::Stage'));
    expect(JSON.stringify(associations[0]?.Properties.ResourceArn)).toContain(stageId);
    const [aclId] = Object.keys(prod.findResources('AWS::WAFv2::WebACL'));
    expect(associations[0]?.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    // The stage ARN is a plain string, not a reference: without this dependency CloudFormation could associate
    // the web ACL before the stage exists, and the association fails.
    const [association] = Object.values(prod.findResources('AWS::WAFv2::WebACLAssociation')) as {
      DependsOn?: string[];
    }[];
    expect(association?.DependsOn).toContain(stageId);
  });

  it('fits the rules within the capacity a web ACL includes', () => {
    const rules = webAcls(prod)[0]?.Properties.Rules ?? [];
    const managed = rules.flatMap((rule) => rule.Statement.ManagedRuleGroupStatement ?? []);
    expect(managed).toHaveLength(MANAGED_RULE_GROUPS.length);
    const wcu =
      managed.reduce((sum, group) => {
        const documented = MANAGED_RULE_GROUPS.find((known) => known.name === group.Name);
        if (!documented) throw new Error(`no documented WCU for ${group.Name}`);
        return sum + documented.wcu;
      }, 0) +
      rules.filter((rule) => rule.Statement.RateBasedStatement).length * RATE_BASED_RULE_WCU +
      OVERSIZE_BODY_RULE_WCU;
    expect(rules).toHaveLength(MANAGED_RULE_GROUPS.length + 2);
    expect(wcu).toBeLessThanOrEqual(WEB_ACL_INCLUDED_WCU);
  });

  it("lets a processor's event over 8 KB through, and blocks every other body over 8 KB", () => {
    const rules = webAcls(prod)[0]?.Properties.Rules ?? [];
    const core = rules.find(
      (rule) => rule.Statement.ManagedRuleGroupStatement?.Name === 'AWSManagedRulesCommonRuleSet',
    );
    expect(core?.Statement.ManagedRuleGroupStatement).toMatchObject({
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
    });
    const oversize = rules.find((rule) => rule.Name === 'OversizeBodyOutsideProcessorEvents') as unknown as {
      Priority: number;
      Action: unknown;
      Statement: unknown;
    };
    // After the core rule set, which labels the request, and blocking.
    expect(oversize.Priority).toBeGreaterThan(core?.Priority ?? Number.POSITIVE_INFINITY);
    expect(oversize.Action).toEqual({ Block: {} });
    expect(oversize.Statement).toEqual({
      AndStatement: {
        Statements: [
          {
            LabelMatchStatement: {
              Scope: 'LABEL',
              Key: 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body',
            },
          },
          {
            NotStatement: {
              Statement: {
                ByteMatchStatement: {
                  FieldToMatch: { UriPath: {} },
                  PositionalConstraint: 'CONTAINS',
                  SearchString: PROCESSOR_EVENTS_PATH_PREFIX,
                  TextTransformations: [{ Priority: 0, Type: 'NONE' }],
                },
              },
            },
          },
        ],
      },
    });
    // Only the processor events route is under the exempt path.
    const exempt = API_ROUTES.filter((route) => route.path.includes(PROCESSOR_EVENTS_PATH_PREFIX));
    expect(exempt.map((route) => route.handler)).toEqual(['processor-events']);
  });

  it('answers a request WAF blocks with problem+json through the WAF_FILTERED gateway response', () => {
    const responses = Object.values(prod.findResources('AWS::ApiGateway::GatewayResponse')) as {
      Properties: { ResponseType: string; StatusCode: string; ResponseTemplates: Record<string, string> };
    }[];
    const filtered = responses.find((response) => response.Properties.ResponseType === 'WAF_FILTERED');
    expect(filtered?.Properties.StatusCode).toBe('403');
    expect(JSON.parse(filtered?.Properties.ResponseTemplates['application/json'] ?? '{}').code).toBe(
      'request_blocked',
    );
  });

  it('has no web ACL on the dev stage', () => {
    expect(webAcls(dev)).toHaveLength(0);
    expect(dev.findResources('AWS::WAFv2::WebACLAssociation')).toEqual({});
  });
});
