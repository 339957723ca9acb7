using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cortex.IntegrationTests.DevTools;

/// <summary>
/// `aws-local` as a developer runs it: a real process with its own moto_server and Cortex.Api as
/// children. Needs moto_server on PATH, like the rest of this project.
/// </summary>
public sealed class AwsLocalCommandTests
{
    public AwsLocalCommandTests(AwsEmulator emulator) => emulator.EnsureAvailable();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KillingAwsLocalWithSigkillEndsMotoAndTheAppWithIt()
    {
        await using var awsLocal = AwsLocalProcess.Start([]);
        var (status, body) = await awsLocal.WaitForReadinessAnswerAsync(Cancellation);
        Assert.True(status == HttpStatusCode.OK, $"{status} {body}\n{awsLocal.Output}");
        var children = awsLocal.ChildProcessIds();
        Assert.Equal(2, children.Count);

        awsLocal.KillToolOnly();

        var gone = await EventuallyAsync(() => children.All(pid => !AwsLocalProcess.IsRunning(pid)) && !AwsLocalProcess.IsListening(awsLocal.MotoPort));
        Assert.True(gone, $"still running after the tool was killed: {string.Join(", ", children.Where(AwsLocalProcess.IsRunning))}; moto port listening: {AwsLocalProcess.IsListening(awsLocal.MotoPort)}");
    }

    [Fact]
    public async Task AwsLocalRefusesAMotoPortThatIsAlreadyTakenAndSaysSo()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var awsLocal = AwsLocalProcess.Start([], motoPort: port);

        var exitCode = await awsLocal.WaitForExitAsync(Cancellation);

        Assert.Equal(3, exitCode);
        Assert.Contains($"127.0.0.1:{port} is already in use", awsLocal.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArgumentsGivenToAwsLocalWinOverTheSettingsItMakes()
    {
        // aws-local points the app at the table it created; the user's argument names another.
        await using var awsLocal = AwsLocalProcess.Start(["--Cortex:Aws:TableName=a-table-aws-local-did-not-create"]);

        var (status, body) = await awsLocal.WaitForReadinessAnswerAsync(Cancellation);

        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{status} {body}\n{awsLocal.Output}");
        Assert.Contains("\"table\":\"unhealthy\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsLocalPrintsTheDeadLetterQueueAndTheSettingsForDlqCommands()
    {
        await using var awsLocal = AwsLocalProcess.Start([]);

        await awsLocal.WaitForReadinessAnswerAsync(Cancellation);

        var dlq = $"http://127.0.0.1:{awsLocal.MotoPort}/123456789012/cortex-events-dlq";
        Assert.Contains($"aws-local: dead-letter queue {dlq}", awsLocal.Output, StringComparison.Ordinal);
        var export = Assert.Single(awsLocal.Output.Split('\n'), line => line.StartsWith("export ", StringComparison.Ordinal));
        Assert.Contains("Cortex__Mode=Aws", export, StringComparison.Ordinal);
        Assert.Contains($"AWS__ServiceURL=http://127.0.0.1:{awsLocal.MotoPort}", export, StringComparison.Ordinal);
        Assert.Contains($"Cortex__Aws__DeadLetterQueueUrl={dlq}", export, StringComparison.Ordinal);
        Assert.Contains("Cortex__Aws__QueueUrl=", export, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID=test", export, StringComparison.Ordinal);
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > AwsLocalProcess.Patience)
            {
                return false;
            }

            await Task.Delay(100, Cancellation);
        }

        return true;
    }
}
