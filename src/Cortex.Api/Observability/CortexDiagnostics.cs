using System.Diagnostics;

namespace Cortex.Api.Observability;

/// <summary>The names under which Cortex emits spans and metrics.</summary>
public static class CortexDiagnostics
{
    public const string Name = "Cortex";

    /// <summary>Spans Cortex creates itself: store calls, bus calls, the consumer.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>Starts a client span for a call to a dependency (SQLite, DynamoDB, EventBridge, SQS).</summary>
    public static Activity? StartClientSpan(string name, string system, string operation)
    {
        var activity = ActivitySource.StartActivity(name, ActivityKind.Client);
        activity?.SetTag("db.system", system);
        activity?.SetTag("db.operation", operation);
        return activity;
    }

    /// <summary>
    /// Starts a client span for one AWS API call, named "{service} {method}" (for example
    /// "DynamoDB PutItem") with the OpenTelemetry AWS SDK conventions: rpc.system=aws-api,
    /// rpc.service, rpc.method, and db.system for DynamoDB.
    /// </summary>
    public static Activity? StartAwsClientSpan(string service, string method)
    {
        var activity = ActivitySource.StartActivity($"{service} {method}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "aws-api");
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
            if (service == "DynamoDB")
            {
                activity.SetTag("db.system", "dynamodb");
                activity.SetTag("db.operation", method);
            }
        }

        return activity;
    }

    public static void RecordFailure(this Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        activity?.AddException(exception);
    }
}
