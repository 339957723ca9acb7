using System.Net.Sockets;
using Cortex.DevTools.AwsLocal;
using Testcontainers.LocalStack;

[assembly: AssemblyFixture(typeof(Cortex.IntegrationTests.AwsEmulator))]

namespace Cortex.IntegrationTests;

/// <summary>
/// One AWS emulator for the whole test run: LocalStack (the docker-compose image) through
/// Testcontainers when a Docker engine answers, otherwise moto_server started here on a free
/// loopback port. AWS_ENDPOINT_URL points the tests at an emulator already running instead.
/// Under CI=true an emulator that cannot start fails every test; elsewhere the tests are skipped.
/// </summary>
public sealed class AwsEmulator : IAsyncLifetime
{
    public const string LocalStackImage = "localstack/localstack:3.8.1";
    private const string DockerSocket = "/var/run/docker.sock";

    private LocalStackContainer? _localStack;
    private MotoServer? _moto;
    private string? _unavailable;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>"moto", "localstack" or "external".</summary>
    public string Kind { get; private set; } = string.Empty;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public async ValueTask InitializeAsync()
    {
        try
        {
            var external = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
            if (!string.IsNullOrEmpty(external))
            {
                (Endpoint, Kind) = (new Uri(external), "external");
            }
            else if (await DockerAnswersAsync())
            {
                _localStack = new LocalStackBuilder(LocalStackImage).Build();
                await _localStack.StartAsync(TestContext.Current.CancellationToken);
                (Endpoint, Kind) = (new Uri(_localStack.GetConnectionString()), "localstack");
            }
            else
            {
                _moto = await MotoServer.StartAsync(port: 0, TimeSpan.FromSeconds(60), cancellationToken: TestContext.Current.CancellationToken);
                (Endpoint, Kind) = (_moto.Endpoint, "moto");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _unavailable = $"No AWS emulator could start (no Docker engine for LocalStack, and moto_server failed): {ex.Message}";
            if (IsCi)
            {
                throw new InvalidOperationException(_unavailable, ex);
            }
        }
    }

    /// <summary>Skips the calling test when no emulator runs, except under CI=true where that is a failure.</summary>
    public void EnsureAvailable()
    {
        if (_unavailable is null)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail(_unavailable);
        }

        Assert.Skip(_unavailable);
    }

    public async ValueTask DisposeAsync()
    {
        if (_moto is not null)
        {
            await _moto.DisposeAsync();
        }

        if (_localStack is not null)
        {
            await _localStack.DisposeAsync();
        }
    }

    /// <summary>A cheap probe: DOCKER_HOST or the default socket answering /_ping within a second.</summary>
    private static async Task<bool> DockerAnswersAsync()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")))
        {
            return true;
        }

        if (!File.Exists(DockerSocket))
        {
            return false;
        }

        try
        {
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(DockerSocket), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(1) };
            using var response = await http.GetAsync(new Uri("http://docker/_ping"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException)
        {
            return false;
        }
    }
}
