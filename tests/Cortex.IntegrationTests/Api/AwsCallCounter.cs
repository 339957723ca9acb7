using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cortex.IntegrationTests.Api;

/// <summary>
/// Counts the HTTP requests this process sends to the emulator, by AWS operation (the X-Amz-Target
/// header of the JSON protocols DynamoDB, SQS and EventBridge use, e.g. "DynamoDB_20120810.PutItem").
/// It sees every HttpClient through the "HttpHandlerDiagnosticListener", so SDK retries count too.
/// Process-wide: only meaningful while nothing else talks to the emulator.
/// </summary>
internal sealed class AwsCallCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly int _port;
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
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
