using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cortex.IntegrationTests.Api;

/// <summary>
/// Counts the HTTP requests this process sends to the emulator, by AWS operation (the X-Amz-Target
/// header of the JSON protocols DynamoDB, SQS and EventBridge use, e.g. "DynamoDB_20120810.PutItem").
/// It sees every HttpClient through the "HttpHandlerDiagnosticListener", so SDK retries count too.
/// Process-wide: only meaningful while nothing else talks to the emulator. The bodies of the calls
/// that cost per byte (DynamoDB writes, PutEvents) are kept too, so costs are computed from what
/// was actually sent (<see cref="AwsCostModel"/>).
/// </summary>
internal sealed class AwsCallCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly int _port;
    private static readonly HashSet<string> KeptBodies = new(StringComparer.Ordinal)
    {
        "DynamoDB.PutItem", "DynamoDB.BatchWriteItem", "DynamoDB.TransactWriteItems", "DynamoDB.UpdateItem", "EventBridge.PutEvents",
    };

    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<AwsCall> _bodies = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _all;

    public AwsCallCounter(Uri emulator)
    {
        _port = emulator.Port;
        _all = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>Calls per operation since the last <see cref="Take"/>, which starts a new count.</summary>
    public Dictionary<string, int> Take()
    {
        var bodies = new List<AwsCall>();
        while (_bodies.TryDequeue(out var call))
        {
            bodies.Add(call);
        }

        TakenBodies = bodies;
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in _calls.Keys)
        {
            if (_calls.TryRemove(key, out var count))
            {
                taken[key] = count;
            }
        }

        return taken;
    }

    /// <summary>The kept request bodies of the calls the last <see cref="Take"/> returned.</summary>
    public IReadOnlyList<AwsCall> TakenBodies { get; private set; } = [];

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == "HttpHandlerDiagnosticListener")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != "System.Net.Http.HttpRequestOut.Start"
            || value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is not HttpRequestMessage request
            || request.RequestUri?.Port != _port)
        {
            return;
        }

        var operation = request.Headers.TryGetValues("X-Amz-Target", out var targets)
            ? Operation(targets.First())
            : $"{request.Method} {request.RequestUri.AbsolutePath}";
        _calls.AddOrUpdate(operation, 1, static (_, count) => count + 1);
        if (KeptBodies.Contains(operation) && request.Content is { } content)
        {
            // Still before the send: buffering leaves the content readable for the handler that sends it.
            content.LoadIntoBufferAsync().GetAwaiter().GetResult();
            _bodies.Enqueue(new AwsCall(operation, content.ReadAsStringAsync().GetAwaiter().GetResult()));
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _all.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }

    // "DynamoDB_20120810.PutItem" -> "DynamoDB.PutItem"; "AmazonSQS.ReceiveMessage" -> "SQS.ReceiveMessage".
    private static string Operation(string target)
    {
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        var service = target[..dot] switch
        {
            var s when s.StartsWith("DynamoDB", StringComparison.Ordinal) => "DynamoDB",
            "AmazonSQS" => "SQS",
            "AWSEvents" => "EventBridge",
            var s => s,
        };
        return service + target[dot..];
    }
}

/// <summary>One AWS request: its operation ("DynamoDB.PutItem") and its JSON body.</summary>
internal sealed record AwsCall(string Operation, string Body);
