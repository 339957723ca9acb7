using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Serilog.Events;

namespace Cortex.Tests.Hosting;

/// <summary>A client's fault is logged as the client's fault: never "responded 500" at Error, which would page someone.</summary>
public sealed class ClientFaultLoggingTests
{
    [Fact]
    public async Task ABodyThatArrivesTooSlowlyIsLoggedAs408AtWarning()
    {
        // Kestrel's grace period has to exceed its one-second heartbeat.
        using var server = new LoopbackServer(kestrel => kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(1_000_000, TimeSpan.FromSeconds(2)));
        using var client = await server.ConnectAsync();
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(Headers(contentLength: 10_000) + "{\"source\":"), TestContext.Current.CancellationToken);
        var response = await RawResponse.ReadAsync(stream);
        var line = await server.RequestLineAsync("/events");

        Assert.Equal(408, response.Status);
        Assert.Equal(408, Status(line));
        Assert.Equal(LogEventLevel.Warning, line.Level);
        Assert.DoesNotContain(server.Events, e => e.Level >= LogEventLevel.Error);
    }

    [Fact]
    public async Task AClientThatDisconnectsMidBodyIsLoggedAs499AtInformation()
    {
        using var server = new LoopbackServer();
        using (var client = await server.ConnectAsync())
        {
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Headers(contentLength: 10_000) + "{\"source\":\"half"), TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);

            // Let the body read start before the connection goes.
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        var line = await server.RequestLineAsync("/events");

        Assert.Equal(499, Status(line));
        Assert.Equal(LogEventLevel.Information, line.Level);
        Assert.DoesNotContain(server.Events, e => e.Level >= LogEventLevel.Error);
    }

    private static string Headers(int contentLength) =>
        "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + $"Authorization: Bearer {CortexApplication.Token("agent-slow")}\r\n"
        + $"Content-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n";

    private static int? Status(LogEvent line) =>
        line.Properties.TryGetValue("StatusCode", out var value) && value is ScalarValue { Value: int status } ? status : null;
}
