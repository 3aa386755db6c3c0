import { beforeAll, describe, expect, it } from 'vitest';
import { STORE_METRICS } from '../../lib';
import { ofType, packageStage, type Resource, type Template } from '../support/serverlessPackage';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:qkv-oncall';

interface DashboardWidget {
  readonly type: string;
  readonly properties: { readonly title?: string; readonly region?: string; readonly metrics?: unknown[][]; readonly annotations?: unknown };
}

/** The one resource of `type` in the template (failing the test if there is not exactly one). */
function onlyOf(template: Template, type: string): Resource {
  const found = ofType(template, type);
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0]![1];
}

/** The dashboard's widgets, parsed from its body (a JSON string in the template). */
function dashboardWidgets(template: Template): DashboardWidget[] {
  const body = onlyOf(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody as string;
  return (JSON.parse(body) as { widgets: DashboardWidget[] }).widgets;
}

/** The SEARCH expressions of a widget's metrics. */
function expressionsOf(widget: DashboardWidget): string[] {
  return (widget.properties.metrics ?? []).flatMap((row) =>
    row.flatMap((item) => (typeof item === 'object' && item !== null && 'expression' in item ? [String((item as { expression: string }).expression)] : [])),
  );
}

describe('Deployment: the metrics dashboard and the failed-quorum alarm in the packaged template', () => {
  const templates: Record<string, Template> = {};

  beforeAll(async () => {
    [templates.dev, templates.staging] = await Promise.all([
      packageStage('dev'),
      packageStage('staging', { QKV_ALARM_TOPIC_ARN: TOPIC, QKV_QUORUM_ALARM_THRESHOLD: '7' }),
    ]);
  }, 240_000);

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
    const action = { 'Fn::If': ['HasAlarmTopic', [TOPIC], { Ref: 'AWS::NoValue' }] };
    expect(alarm.Properties).toMatchObject({ AlarmName: 'quorum-kv-staging-failed-quorums', AlarmActions: action, OKActions: action });
    // A number given at deploy time arrives as text, which CloudFormation reads as the number.
    expect(Number(alarm.Properties.Threshold)).toBe(7);
    expect(templates.staging!.Conditions?.HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', TOPIC] }] });
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
});
