using System.Diagnostics;
using System.Text.Json;
using Cortex.DevTools.AwsLocal;

namespace Cortex.IntegrationTests.Operations;

/// <summary>
/// The runbook's `dlq peek|replay|purge` commands, run as docs/runbook.md says
/// (`dotnet Cortex.Api.dll dlq ...`, configured through Cortex__Aws__* and AWS_* variables)
/// against the emulator's queues.
/// </summary>
public sealed class DeadLetterCommandTests : IClassFixture<AwsResources>
{
    private readonly AwsResources _aws;
    private readonly string _dlqUrl;

    public DeadLetterCommandTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _dlqUrl = aws.Settings["Cortex:Aws:DeadLetterQueueUrl"]!;
    }

    private string QueueName => _dlqUrl.TrimEnd('/').Split('/')[^1];

    [Fact]
    public async Task TheRunbookCommandsPeekReplayAndPurgeTheDeadLetterQueue()
    {
        var bodies = await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 3);

        var peek = await RunAsync("dlq", "peek", "--limit", "20");
        var peekAgain = await RunAsync("dlq", "peek", "--limit", "20");
        var replay = await RunAsync("dlq", "replay", "--max-messages", "500", "--rate", "20");
        var replayed = await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, _aws.QueueUrl);
        await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 2);
        var refused = await RunAsync("dlq", "purge", "--confirm", "not-the-queue");
        var countAfterRefusal = await DeadLetterQueueSeeder.CountAsync(_aws.Sqs, _dlqUrl);
        var purge = await RunAsync("dlq", "purge", "--confirm", QueueName);

        Assert.Equal(0, peek.ExitCode);
        var page = JsonDocument.Parse(peek.Output).RootElement;
        Assert.Equal(QueueName, page.GetProperty("queue").GetString());
        Assert.Equal(bodies.Order(), page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()).Order());
        Assert.Equal(0, peekAgain.ExitCode);
        Assert.Equal(3, JsonDocument.Parse(peekAgain.Output).RootElement.GetProperty("messages").GetArrayLength());

        Assert.Equal(0, replay.ExitCode);
        var result = JsonDocument.Parse(replay.Output).RootElement;
        Assert.Equal(3, result.GetProperty("moved").GetInt32());
        Assert.Equal("receive-send-delete", result.GetProperty("method").GetString());
        Assert.Equal(bodies.Order(), replayed.Select(m => m.Body).Order());

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"--confirm {QueueName}", refused.Error, StringComparison.Ordinal);
        Assert.Equal(2, countAfterRefusal);
        Assert.Equal(0, purge.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(purge.Output).RootElement.GetProperty("purged").GetInt64());
        Assert.Equal(0, await DeadLetterQueueSeeder.CountAsync(_aws.Sqs, _dlqUrl));
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var app = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(app)!,
        };
        start.ArgumentList.Add(app);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in _aws.Settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Cortex__Mode"] = "Aws";
        start.Environment["Cortex__Aws__Poller__Enabled"] = "false";
        start.Environment["AWS__ServiceURL"] = _aws.Emulator.Endpoint.ToString().TrimEnd('/');
        start.Environment["AWS_REGION"] = AwsLocalServices.Region.SystemName;
        start.Environment["AWS_ACCESS_KEY_ID"] = "test";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        start.Environment["DOTNET_ENVIRONMENT"] = "Test";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Test";

        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, JsonPart(await output), await error);
    }

    /// <summary>The command prints its result as indented JSON last; the host's log lines (one JSON object each) come before it.</summary>
    private static string JsonPart(string output)
    {
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        var start = Array.FindLastIndex(lines, line => line == "{");
        return start < 0 ? output : string.Join('\n', lines[start..]);
    }
}
