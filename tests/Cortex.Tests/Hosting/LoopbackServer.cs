using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Cortex.Tests.Hosting;

/// <summary>
/// The app on a real Kestrel at 127.0.0.1 on a free port, for what only a real connection shows
/// (slow bodies, dropped connections, errors Kestrel answers itself), with every log line captured.
/// </summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly CortexApplication _app;
    private readonly WebApplicationFactory<Program> _factory;
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public LoopbackServer(Action<KestrelServerOptions>? kestrel = null)
    {
        _app = new CortexApplication(new Dictionary<string, string?>
        {
            ["Cortex:Logging:SuccessfulRequestLevel"] = "Information",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Information",
        });
        _factory = _app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<ILogEventSink>(new Sink(_events));
            if (kestrel is not null)
            {
                services.PostConfigure(kestrel);
            }
        }));
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Port = new Uri(address).Port;
    }

    public int Port { get; }

    public IReadOnlyList<LogEvent> Events => [.. _events];

    /// <summary>Request lines ("HTTP POST /events responded ...") for <paramref name="path"/>.</summary>
    public IEnumerable<LogEvent> RequestLines(string path) => Events.Where(e =>
        e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal)
        && e.Properties.TryGetValue("RequestPath", out var value) && value is ScalarValue { Value: string p } && p == path);

    /// <summary>Waits (bounded) for the first request line for <paramref name="path"/>, written after the response.</summary>
    public async Task<LogEvent> RequestLineAsync(string path)
    {
        for (var i = 0; i < 400; i++)
        {
            if (RequestLines(path).FirstOrDefault() is { } line)
            {
                return line;
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        throw new Xunit.Sdk.XunitException($"No request line for {path}. Lines: {string.Join(" | ", Events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    public async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>Sends <paramref name="request"/> as raw bytes and reads the whole response until the server closes or the response ends.</summary>
    public async Task<RawResponse> SendRawAsync(string request)
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), TestContext.Current.CancellationToken);
        return await RawResponse.ReadAsync(stream);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _app.Dispose();
    }

    private sealed class Sink(ConcurrentQueue<LogEvent> events) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => events.Enqueue(logEvent);
    }
}

/// <summary>An HTTP/1.1 response read off a socket: status, headers and body.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public static async Task<RawResponse> ReadAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(chunk, TestContext.Current.CancellationToken);
            }
            catch (IOException)
            {
                break; // reset after the response: what was read is the answer
            }

            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
            if (Parse(buffer.ToArray()) is { } complete)
            {
                return complete;
            }
        }

        return Parse(buffer.ToArray()) ?? throw new Xunit.Sdk.XunitException($"No complete response: {Encoding.ASCII.GetString(buffer.ToArray())}");
    }

    private static RawResponse? Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return null;
        }

        var lines = text[..end].Split("\r\n");
        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = text[(end + 4)..];
        if (headers.TryGetValue("Content-Length", out var length) && body.Length < int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }

        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            if (!body.EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                return null;
            }

            body = Dechunk(body);
        }

        return new RawResponse(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers, body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
