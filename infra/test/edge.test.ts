// The internet-facing edge of each stage: HTTPS-only prod, operational paths kept inside the VPC,
// alarms that reach someone.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../bin/app.js';
import { DIGEST, PROD_INPUTS, synthApp } from './app-fixture.js';

const prodWithout = (extra: { certificateArn?: string; alarmEmail?: string }) => () =>
  buildApp(new App({ context: { stage: 'prod' } }), { stage: 'prod', env: { account: '111111111111', region: 'us-east-1' }, imageDigest: DIGEST, repositoryName: 'r', gatewayPrefixLists: { s3: 'pl-1', dynamodb: 'pl-2' }, ...extra });

describe('the edge', () => {
  it('prod refuses to synthesise without a certificate or an alarm destination, naming the flag', () => {
    expect(prodWithout({ alarmEmail: PROD_INPUTS.alarmEmail })).toThrow(/stage prod serves HTTPS only: give its ACM certificate, -c certificateArn=arn:aws:acm:/);
    expect(prodWithout({ certificateArn: PROD_INPUTS.certificateArn })).toThrow(/stage prod alarms must reach someone: give the on-call address, -c alarmEmail=<address>/);
  });

  it('prod: HTTPS on 443 with the recommended TLS policy, port 80 only redirects, alarms mailed to on-call', () => {
    const { stacks } = synthApp('prod');
    const svc = Template.fromStack(stacks.service);
    svc.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', SslPolicy: Match.stringLikeRegexp('TLS') });
    svc.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [{ Type: 'redirect', RedirectConfig: Match.objectLike({ Port: '443', Protocol: 'HTTPS' }) }] });
    const listeners = Object.values(svc.findResources('AWS::ElasticLoadBalancingV2::Listener')) as { Properties: { Port: number; DefaultActions: { Type: string }[] } }[];
    expect(listeners.filter((l) => l.Properties.DefaultActions.some((a) => a.Type === 'forward')).map((l) => l.Properties.Port)).toEqual([443]);
    Template.fromStack(stacks.observability).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('/metrics and /ready are answered 404 by the WAF; the serving listener has forward actions only (ECS blue/green needs that)', () => {
    for (const stage of ['dev', 'prod'] as const) {
      const svc = Template.fromStack(synthApp(stage).stacks.service);
      svc.hasResourceProperties('AWS::WAFv2::WebACL', { Rules: Match.arrayWith([Match.objectLike({
        Name: 'InternalPaths', Priority: 0, Action: { Block: { CustomResponse: { ResponseCode: 404 } } },
        Statement: { OrStatement: { Statements: ['/metrics', '/ready'].map((p) => ({ ByteMatchStatement: Match.objectLike({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'STARTS_WITH', SearchString: p }) })) } },
      })]) });
      const rules = Object.values(svc.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')) as { Properties: { Actions: { Type: string }[] } }[];
      expect(rules.flatMap((r) => r.Properties.Actions.map((a) => a.Type))).toEqual(['forward']);
    }
  });

  it('dev may run plain HTTP without a certificate (and says nothing is redirected)', () => {
    const svc = Template.fromStack(synthApp('dev').stacks.service);
    svc.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP', DefaultActions: [Match.objectLike({ Type: 'forward' })] });
  });
});
