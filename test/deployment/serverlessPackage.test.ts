import { beforeAll, describe, expect, it } from 'vitest';
import { STORE_METRICS } from '../../lib';
import { dashboardWidgets, expressionsOf, ofType, onlyOf, packageStage, type Resource, type Template } from '../support/serverlessPackage';

/** An SNS topic given at deploy time for the failed-quorum alarm (stage staging). */
const ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:qkv-oncall';

/** The API's methods but the console page's (GET /console, public on every stage: see test/deployment/consolePackage.test.ts). */
const apiMethods = (template: Template): [string, Resource][] =>
  ofType(template, 'AWS::ApiGateway::Method').filter(([name]) => name !== 'ApiGatewayMethodConsoleGet');

describe('Deployment: serverless.yml per stage', () => {
  const templates: Record<string, Template> = {};

  beforeAll(async () => {
    templates.dev = await packageStage('dev', { QKV_API_KEY: 'a-deploy-time-key-of-24ch' });
    templates.prod = await packageStage('prod', { REDIS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:qkv-redis-AbC' });
    templates.staging = await packageStage('staging', {
      ANTI_ENTROPY_SCHEDULE_ENABLED: 'false',
      QKV_ALARM_TOPIC_ARN: ALARM_TOPIC,
      QKV_QUORUM_ALARM_THRESHOLD: '7',
    });
  }, 180_000);

  it.each(['dev', 'staging'])('requires an API key on every method of stage %s (any stage not listed), in a usage plan with throttling and quota', (stage) => {
    // Act
    const methods = apiMethods(templates[stage]!);
    const plans = ofType(templates[stage]!, 'AWS::ApiGateway::UsagePlan');
    const keys = ofType(templates[stage]!, 'AWS::ApiGateway::ApiKey');

    // Assess
    expect(methods.length).toBe(12);
    for (const [, method] of methods) expect(method.Properties).toMatchObject({ ApiKeyRequired: true, AuthorizationType: 'NONE' });
    expect(keys).toHaveLength(1);
    expect(plans).toHaveLength(1);
    expect(plans[0]![1].Properties).toMatchObject({ Throttle: { RateLimit: 100, BurstLimit: 200 }, Quota: { Limit: 1_000_000, Period: 'DAY' } });
    expect(ofType(templates[stage]!, 'AWS::ApiGateway::UsagePlanKey')).toHaveLength(1);
  });

  it('takes the API key value from QKV_API_KEY at deploy time, else lets AWS generate it', () => {
    // Act
    const [[, devKey]] = ofType(templates.dev!, 'AWS::ApiGateway::ApiKey') as [[string, Resource]];
    const [[, stagingKey]] = ofType(templates.staging!, 'AWS::ApiGateway::ApiKey') as [[string, Resource]];

    // Assess
    expect(devKey.Properties.Value).toBe('a-deploy-time-key-of-24ch');
    expect(stagingKey.Properties.Value).toBeUndefined();
  });

  it('requires IAM (SigV4) on every method of stage prod, with no API key', () => {
    // Act
    const methods = apiMethods(templates.prod!);

    // Assess
    expect(methods.length).toBe(12);
    for (const [, method] of methods) expect(method.Properties).toMatchObject({ AuthorizationType: 'AWS_IAM', ApiKeyRequired: false });
    expect(ofType(templates.prod!, 'AWS::ApiGateway::ApiKey')).toHaveLength(0);
  });

  it.each(['dev', 'staging', 'prod'])('serves the console page on stage %s publicly: no API key, no IAM', (stage) => {
    // Act
    const consoleGet = templates[stage]!.Resources.ApiGatewayMethodConsoleGet!;

    // Assess
    expect(consoleGet.Properties).toMatchObject({ HttpMethod: 'GET', ApiKeyRequired: false, AuthorizationType: 'NONE' });
    expect(JSON.stringify(consoleGet.Properties.Integration)).toMatch(/ConsoleLambdaFunction/);
  });

  it.each(['dev', 'staging', 'prod'])(
    'hands the functions every request body of stage %s as base64 of its bytes (binary media types */*), through Lambda proxy integrations',
    (stage) => {
      // Act
      const restApi = onlyOf(templates[stage]!, 'AWS::ApiGateway::RestApi');
      const integrations = ofType(templates[stage]!, 'AWS::ApiGateway::Method').map(([, method]) => method.Properties.Integration as Record<string, unknown>);

      // Assess: */* matches any Content-Type and none; a proxy integration returns a body as binary only when the
      // function sets isBase64Encoded, so JSON and the console page stay text; no ContentHandling converts the body.
      expect(restApi.Properties.BinaryMediaTypes).toEqual(['*/*']);
      expect(integrations.length).toBeGreaterThan(0);
      for (const integration of integrations) {
        expect(integration.Type).toBe('AWS_PROXY');
        expect(integration.ContentHandling).toBeUndefined();
      }
    },
  );

  it('routes every other method of each path to the 405 function, and every other path to the 404 function', () => {
    // Act
    const anyMethods = ofType(templates.dev!, 'AWS::ApiGateway::Method').filter(([, method]) => method.Properties.HttpMethod === 'ANY');
    const target = (name: string): string => {
      const integration = JSON.stringify(anyMethods.find(([candidate]) => candidate === name)![1].Properties.Integration);
      return /MethodNotAllowedLambdaFunction/.test(integration) ? '405' : /NotFoundLambdaFunction/.test(integration) ? '404' : integration;
    };

    // Assess
    expect(anyMethods.map(([name]) => name).sort()).toEqual([
      'ApiGatewayMethodAny',
      'ApiGatewayMethodGetAny',
      'ApiGatewayMethodHealthAny',
      'ApiGatewayMethodKvKeyVarAny',
      'ApiGatewayMethodProxyVarAny',
      'ApiGatewayMethodSetAny',
    ]);
    for (const name of ['ApiGatewayMethodGetAny', 'ApiGatewayMethodHealthAny', 'ApiGatewayMethodKvKeyVarAny', 'ApiGatewayMethodSetAny']) {
      expect(target(name)).toBe('405');
    }
    for (const name of ['ApiGatewayMethodAny', 'ApiGatewayMethodProxyVarAny']) expect(target(name)).toBe('404');
  });

  it('schedules anti-entropy, unless ANTI_ENTROPY_SCHEDULE_ENABLED=false turns the schedule off', () => {
    // Act
    const state = (stage: string): unknown =>
      ofType(templates[stage]!, 'AWS::Events::Rule').map(([, rule]) => [rule.Properties.ScheduleExpression, rule.Properties.State]);

    // Assess
    expect(state('dev')).toEqual([['rate(5 minutes)', 'ENABLED']]);
    expect(state('staging')).toEqual([['rate(5 minutes)', 'DISABLED']]);
  });

  it('answers API Gateway errors (4XX and 5XX) with the JSON error shape', () => {
    // Act
    const responses = ofType(templates.prod!, 'AWS::ApiGateway::GatewayResponse').map(([, resource]) => resource.Properties);

    // Assess
    expect(responses.map((response) => response.ResponseType).sort()).toEqual(['DEFAULT_4XX', 'DEFAULT_5XX']);
    for (const response of responses) {
      expect((response.ResponseTemplates as Record<string, string>)['application/json']).toBe(
        '{"status":"ERROR","error":$context.error.messageString,"requestId":"$context.requestId"}',
      );
    }
  });

  it('grants the functions only lambda:InvokeFunction on the repair function, besides logs and the repair failure queue', () => {
    // Act
    const role = templates.dev!.Resources.IamRoleLambdaExecution!;
    const statements = (role.Properties.Policies as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }[])
      .flatMap((policy) => policy.PolicyDocument.Statement)
      .map((statement) => ({ ...statement, Action: [statement.Action].flat() }));
    const actions = statements.flatMap((statement) => statement.Action);
    const sendMessage = statements.find((statement) => statement.Action.includes('sqs:SendMessage'));

    // Assess
    expect(actions.every((action) => action.startsWith('logs:') || ['lambda:InvokeFunction', 'sqs:SendMessage'].includes(action))).toBe(true);
    expect(sendMessage?.Resource).toEqual({ 'Fn::GetAtt': ['RepairFailuresQueue', 'Arn'] });
    const invoke = statements.find((statement) => statement.Action.includes('lambda:InvokeFunction'))!;
    expect(JSON.stringify(invoke.Resource)).toMatch(/:function:quorum-kv-dev-repair"/);
    expect(JSON.stringify(statements)).not.toMatch(/"\*"/);
  });

  it('grants read of the one Redis secret only when REDIS_SECRET_ARN is set', () => {
    // Act
    const prodPolicy = templates.prod!.Resources.RedisCredentialsReadPolicy!;
    const prodConditions = JSON.stringify(templates.prod!.Conditions);
    const devConditions = JSON.stringify(templates.dev!.Conditions);

    // Assess
    expect(prodPolicy.Condition).toBe('HasRedisCredentials');
    expect(JSON.stringify(prodPolicy.Properties.PolicyDocument)).toMatch(/secretsmanager:GetSecretValue/);
    expect(prodConditions).toContain('arn:aws:secretsmanager:us-east-1:123456789012:secret:qkv-redis-AbC');
    expect(devConditions).toContain('{"Fn::Equals":["",""]}');
  });

  it('runs the functions in the ElastiCache VPC on prod and outside any VPC on dev', () => {
    // Act
    const prodSet = templates.prod!.Resources.SetLambdaFunction!.Properties;
    const devSet = templates.dev!.Resources.SetLambdaFunction!.Properties;

    // Assess
    expect(prodSet.VpcConfig).toMatchObject({ SecurityGroupIds: [expect.any(String)], SubnetIds: [expect.any(String), expect.any(String)] });
    expect(devSet.VpcConfig).toBeUndefined();
  });

  it('graphs every per-replica metric by replica: a SEARCH over the namespace with dimensions replica and service', () => {
    // Act
    const widgets = dashboardWidgets(templates.dev!);
    const expressions = widgets.flatMap(expressionsOf);

    // Assess
    for (const metric of Object.values(STORE_METRICS).filter((candidate) => candidate.perReplica)) {
      expect(expressions).toContain(`SEARCH('{"quorum-kv/dev",replica,service} MetricName="${metric.name}" service="quorum-kv"', 'Sum', 60)`);
    }
    for (const widget of widgets.filter((candidate) => candidate.type === 'metric')) expect(widget.properties.region).toBe('us-east-1');
  });

  it('graphs the failed quorums (writes and reads) with the service dimension, and cold starts by function', () => {
    // Act
    const widgets = dashboardWidgets(templates.dev!);
    const rows = widgets.flatMap((widget) => widget.properties.metrics ?? []);

    // Assess
    for (const metric of Object.values(STORE_METRICS).filter((candidate) => !candidate.perReplica)) {
      expect(rows).toContainEqual(['quorum-kv/dev', metric.name, 'service', 'quorum-kv', expect.any(Object)]);
    }
    expect(widgets.flatMap(expressionsOf)).toContain(`SEARCH('{"quorum-kv/dev",function_name,service} MetricName="ColdStart" service="quorum-kv"', 'Sum', 300)`);
  });

  it('alarms on writes + reads that fail their quorum, 5 a minute in 2 of 3 minutes by default, without an action', () => {
    // Act
    const alarm = onlyOf(templates.dev!, 'AWS::CloudWatch::Alarm');

    // Assess
    const metric = (id: string, name: string) => ({
      Id: id,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'quorum-kv/dev', MetricName: name, Dimensions: [{ Name: 'service', Value: 'quorum-kv' }] }, Period: 60, Stat: 'Sum' },
    });
    expect(alarm.Properties).toMatchObject({
      AlarmName: 'quorum-kv-dev-failed-quorums',
      Metrics: [
        { Id: 'failed', Expression: 'FILL(writes, 0) + FILL(reads, 0)', ReturnData: true },
        metric('writes', STORE_METRICS['write-quorum-failed'].name),
        metric('reads', STORE_METRICS['read-quorum-failed'].name),
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      AlarmActions: { 'Fn::If': ['HasAlarmTopic', [''], { Ref: 'AWS::NoValue' }] },
    });
    expect(templates.dev!.Conditions?.HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });

  it('notifies QKV_ALARM_TOPIC_ARN when it fires and clears, with the threshold from QKV_QUORUM_ALARM_THRESHOLD', () => {
    // Act
    const alarm = onlyOf(templates.staging!, 'AWS::CloudWatch::Alarm');

    // Assess
    const action = { 'Fn::If': ['HasAlarmTopic', [ALARM_TOPIC], { Ref: 'AWS::NoValue' }] };
    expect(alarm.Properties).toMatchObject({ AlarmName: 'quorum-kv-staging-failed-quorums', AlarmActions: action, OKActions: action });
    // A number given at deploy time arrives as text, which CloudFormation reads as the number.
    expect(Number(alarm.Properties.Threshold)).toBe(7);
    expect(templates.staging!.Conditions?.HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ALARM_TOPIC] }] });
    const quorums = dashboardWidgets(templates.staging!).find((widget) => widget.properties.title === 'Failed quorums (503)');
    expect(quorums?.properties).toMatchObject({ annotations: { horizontal: [{ value: 7 }] } });
  });

  it('gives every function the namespace the dashboard reads, and leaves EMF on in Lambda (POWERTOOLS_METRICS_DISABLED unset)', () => {
    // Act
    const functions = ofType(templates.dev!, 'AWS::Lambda::Function');
    const variables = functions.map(([, fn]) => (fn.Properties.Environment as { Variables: Record<string, string> }).Variables);

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const env of variables) {
      expect(env).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'quorum-kv/dev', POWERTOOLS_SERVICE_NAME: 'quorum-kv', POWERTOOLS_METRICS_DISABLED: '' });
    }
  });

  it('runs the request functions without auto-pipelining and repair and anti-entropy with it, unless set at deploy time', async () => {
    // Prepare
    const overridden = await packageStage('dev', { REDIS_AUTO_PIPELINING: 'true', REDIS_AUTO_PIPELINING_BURSTS: 'false' });
    const settingOf = (template: Template, fn: string): string | undefined =>
      (template.Resources[`${fn}LambdaFunction`]!.Properties.Environment as { Variables: Record<string, string> }).Variables.REDIS_AUTO_PIPELINING;
    const requests = ['Set', 'Get', 'PutKey', 'GetKey', 'DeleteKey', 'Health'];
    const bursts = ['Repair', 'AntiEntropy'];

    // Assess
    for (const fn of requests) expect([fn, settingOf(templates.dev!, fn)]).toEqual([fn, 'false']);
    for (const fn of bursts) expect([fn, settingOf(templates.dev!, fn)]).toEqual([fn, 'true']);
    for (const fn of requests) expect([fn, settingOf(overridden, fn)]).toEqual([fn, 'true']);
    for (const fn of bursts) expect([fn, settingOf(overridden, fn)]).toEqual([fn, 'false']);
  }, 180_000);
});
