using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using OsProcess = System.Diagnostics.Process;

namespace Cortex.Tests.Process;

/// <summary>
/// The real Cortex.Api build running as a child process (<c>dotnet Cortex.Api.dll</c>) on a free
/// loopback port, in Production, with <see cref="CortexApplication.SigningKey"/> and a SQLite file
/// the caller chooses, so a second instance can reopen the file the first one left behind.
/// Stopping is always SIGKILL: none of the app's graceful shutdown runs, as in a crash.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    /// <summary>How long a start may take before it is a failure: generous, the machine is shared.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly OsProcess _process;
    private readonly CapturedOutput _output;

    private AppProcess(OsProcess process, CapturedOutput output, Uri baseAddress)
    {
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
    }

    /// <summary>The folder holding Cortex.Api.dll and its appsettings: the copy the test build puts beside the tests, so it is always the same build and configuration.</summary>
    public static string AppDirectory { get; } = FindAppDirectory();

    public Uri BaseAddress { get; }

    /// <summary>From process start to the first 200 of GET /health/ready.</summary>
    public TimeSpan StartupTime { get; private set; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the app wrote to stdout and stderr, for failure messages.</summary>
    public string Output => _output.ToString();

    /// <summary>
    /// Starts the app on <paramref name="databasePath"/> and waits until it is ready.
    /// <paramref name="environment"/> adds or overrides variables (a null value removes one).
    /// </summary>
    public static async Task<AppProcess> StartAsync(
        string databasePath, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Cortex__Mode"] = "Embedded",
            ["Cortex__Auth__SigningKey"] = CortexApplication.SigningKey,
            ["Cortex__Embedded__DatabasePath"] = databasePath,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        var output = new CapturedOutput();
        var process = new OsProcess { StartInfo = CreateStartInfo(["--urls", baseAddress.ToString()], variables) };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data is null ? null : "stderr: " + e.Data);
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var app = new AppProcess(process, output, baseAddress);
        try
        {
            await app.WaitUntilReadyAsync(stopwatch, cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        app.StartupTime = stopwatch.Elapsed;
        return app;
    }

    /// <summary>Runs the app's command line to completion (for commands such as <c>token</c>) and returns what it printed.</summary>
    public static async Task<ProcessRun> RunAsync(
        IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default)
    {
        using var process = new OsProcess { StartInfo = CreateStartInfo(arguments, environment) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`dotnet Cortex.Api.dll {string.Join(' ', arguments)}` did not exit within {ReadyTimeout}.");
        }

        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A client for this instance whose requests carry a token for <paramref name="subject"/> (all scopes when none are given).</summary>
    public HttpClient CreateClient(string subject, params string[] scopes)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CortexApplication.Token(subject, scopes));
        return client;
    }

    /// <summary>
    /// Kills the app with SIGKILL (what Process.Kill sends on Linux and macOS) and waits for it
    /// to be gone. Returns the exit code: 137 (128 + 9) for a process ended by SIGKILL.
    /// </summary>
    public async Task<int> KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task WaitUntilReadyAsync(Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var last = "no answer yet";
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(cancellationToken);
                var code = _process.ExitCode;
                var signal = code > 128 ? $" (ended by signal {code - 128}, sent from outside the app unless it is 6, an abort)" : "";
                throw new InvalidOperationException(
                    $"Cortex.Api exited with code {code}{signal} before it was ready. Output:\n{Output}");
            }

            if (stopwatch.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException(
                    $"Cortex.Api at {BaseAddress} was not ready after {ReadyTimeout} (last: {last}). Output:\n{Output}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "the probe timed out";
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static ProcessStartInfo CreateStartInfo(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var dll = Path.Combine(AppDirectory, "Cortex.Api.dll");
        var info = new ProcessStartInfo(DotnetHost())
        {
            // WebApplication's content root is the working directory, where appsettings*.json are found.
            WorkingDirectory = AppDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Settings inherited from whoever runs the tests must not leak into the app.
        foreach (var name in info.Environment.Keys.ToList())
        {
            if (name.StartsWith("Cortex__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Cortex:", StringComparison.OrdinalIgnoreCase)
                || name is "ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT" or "ASPNETCORE_URLS" or "URLS")
            {
                info.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        return info;
    }

    private static string DotnetHost()
    {
        // The SDK sets DOTNET_HOST_PATH for the processes it starts; the tests themselves may run under an apphost.
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private static string FindAppDirectory()
    {
        var directory = AppContext.BaseDirectory;
        if (File.Exists(Path.Combine(directory, "Cortex.Api.dll")) && File.Exists(Path.Combine(directory, "Cortex.Api.runtimeconfig.json")))
        {
            return directory;
        }

        // Fall back to the app's own output for the test assembly's configuration, found from the repository root.
        var configuration = typeof(AppProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cortex.sln")))
            {
                var output = Path.Combine(dir.FullName, "src", "Cortex.Api", "bin", configuration, "net10.0");
                if (File.Exists(Path.Combine(output, "Cortex.Api.dll")))
                {
                    return output;
                }

                break;
            }
        }

        throw new InvalidOperationException($"Cortex.Api.dll was not found beside the tests ({directory}) nor in src/Cortex.Api/bin/{configuration}/net10.0: build the solution first.");
    }

    private static int FreePort()
    {
        // The port is free when chosen; another process could take it before the app binds, in which case the start fails with the app's output.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The last lines of the app's stdout and stderr; older lines are dropped so a long run cannot grow it without bound.</summary>
    private sealed class CapturedOutput
    {
        private const int MaxLines = 500;
        private readonly Queue<string> _lines = new();
        private readonly Lock _lock = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lock)
            {
                _lines.Enqueue(line);
                if (_lines.Count > MaxLines)
                {
                    _lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return string.Join('\n', _lines);
            }
        }
    }
}

/// <summary>What one run of the app's command line printed, and how it ended.</summary>
public sealed record ProcessRun(int ExitCode, string StandardOutput, string StandardError);
