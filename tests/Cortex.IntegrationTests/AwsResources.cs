using Amazon.DynamoDBv2;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Infrastructure.Aws;
using Cortex.DevTools.AwsLocal;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.IntegrationTests;

/// <summary>
/// The resources of terraform/resources.json, created in the emulator under names with a unique
/// suffix for one test class, and deleted afterwards.
/// </summary>
public sealed class AwsResources(AwsEmulator emulator) : IAsyncLifetime
{
    private ServiceProvider? _services;

    public AwsEmulator Emulator { get; } = emulator;

    internal AwsResourceDefinition Definition { get; private set; } = null!;

    internal ProvisionedResources Provisioned { get; private set; } = null!;

    internal IServiceProvider Services => _services!;

    public IAmazonDynamoDB Dynamo => Services.GetRequiredService<IAmazonDynamoDB>();

    public IAmazonSQS Sqs => Services.GetRequiredService<IAmazonSQS>();

    public string QueueUrl => Provisioned.QueueUrl;

    /// <summary>The app settings that point Cortex at these resources.</summary>
    public IReadOnlyDictionary<string, string?> Settings => Provisioned.Settings();

    internal AwsOptions Options => new()
    {
        EventBusName = Definition.EventBus,
        QueueUrl = Provisioned.QueueUrl,
        DeadLetterQueueUrl = Provisioned.DeadLetterQueueUrl,
        TableName = Definition.TableName,
        WriteShards = Definition.WriteShards,
        SourceShards = Definition.SourceShards,
        EventSourcePrefix = Definition.EventSourcePrefix,

        // moto delivers an event through a rule in about 0.4 s and serialises calls: 10 entries take seconds.
        EventBridgeTimeout = TimeSpan.FromSeconds(60),
        PublishRetryBudget = TimeSpan.FromSeconds(60),
    };

    public async ValueTask InitializeAsync()
    {
        if (Emulator.Endpoint is null)
        {
            return; // the emulator is unavailable; each test reports it through EnsureAvailable
        }

        Definition = AwsResourceDefinition.Load(AwsResourceDefinition.Locate()).WithSuffix("-" + Guid.NewGuid().ToString("N")[..10]);
        _services = AwsLocalServices.Create(Emulator.Endpoint);
        Provisioned = await Services.GetRequiredService<AwsProvisioner>().ProvisionAsync(Definition, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is null)
        {
            return;
        }

        await Services.GetRequiredService<AwsProvisioner>().DeleteAsync(Definition, CancellationToken.None);
        await _services.DisposeAsync();
    }

    /// <summary>Receives until <paramref name="count"/> messages have arrived or the time is up; deletes what it received.</summary>
    public async Task<List<Message>> ReceiveAsync(int count, TimeSpan? within = null)
    {
        var messages = new List<Message>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (messages.Count < count && DateTime.UtcNow < deadline)
        {
            var response = await Sqs.ReceiveMessageAsync(
                new ReceiveMessageRequest { QueueUrl = QueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 },
                TestContext.Current.CancellationToken);
            foreach (var message in response.Messages ?? [])
            {
                messages.Add(message);
                await Sqs.DeleteMessageAsync(QueueUrl, message.ReceiptHandle, TestContext.Current.CancellationToken);
            }
        }

        return messages;
    }
}
