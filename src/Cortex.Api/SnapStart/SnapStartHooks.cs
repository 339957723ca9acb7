using Amazon.Extensions.NETCore.Setup;
using Cortex.Api.Events;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cortex.Api.SnapStart;

/// <summary>
/// What the app does at the snapshot boundary. Before the checkpoint: export the telemetry
/// recorded during initialization, or every restored environment would export the same spans again.
/// After a restore: fresh random bits for ids, fresh AWS credentials. Nothing else the app holds
/// from initialization depends on the environment or the time: rate-limit partitions, caches and
/// connections to DynamoDB, SQS and EventBridge are created by the first request.
/// </summary>
internal sealed class SnapStartHooks(IServiceProvider services, ILogger<SnapStartHooks> logger)
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    public void BeforeCheckpoint()
    {
        logger.LogInformation("SnapStart: flushing telemetry before the snapshot");
        services.GetService<TracerProvider>()?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
        services.GetService<MeterProvider>()?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
    }

    public void AfterRestore()
    {
        Uuid7.DiscardRandomBlocks();
        if (services.GetService<AWSOptions>()?.Credentials is RestorableAwsCredentials credentials)
        {
            credentials.Reset();
        }

        logger.LogInformation("SnapStart: restored; id random blocks discarded, AWS credentials reset");
    }
}
