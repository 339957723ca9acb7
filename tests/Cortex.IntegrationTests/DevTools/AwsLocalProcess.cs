using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cortex.DevTools.AwsLocal;

namespace Cortex.IntegrationTests.DevTools;

/// <summary>
/// `dotnet Cortex.DevTools.dll aws-local ...` as a real process, as a developer runs it: its own
/// moto_server on a free port and Cortex.Api on another, both children of the tool.
/// </summary>
internal sealed class AwsLocalProcess : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AwsLocalProcess(Process process, int motoPort, int appPort)
    {
        _process = process;
        MotoPort = motoPort;
        AppBaseAddress = new Uri($"http://127.0.0.1:{appPort}");
    }

    public int MotoPort { get; }

    public Uri AppBaseAddress { get; }

    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts aws-local with moto on <paramref name="motoPort"/> (a free one when null) and the app on a free port.</summary>
    public static AwsLocalProcess Start(IEnumerable<string> extraArguments, int? motoPort = null)
    {
        var moto = motoPort ?? FreePort();
        var app = FreePort();
        var start = new ProcessStartInfo(ApiProcess.DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Cortex.DevTools.dll"), "aws-local", "--port", $"{moto}", "--urls", $"http://127.0.0.1:{app}" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        // Settings of whoever runs the tests must not reach the app.
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("Cortex__", StringComparison.OrdinalIgnoreCase)
            || n is "ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT" or "ASPNETCORE_URLS").ToList())
        {
            start.Environment.Remove(name);
        }

        var process = new Process { StartInfo = start };
        var awsLocal = new AwsLocalProcess(process, moto, app);
        process.OutputDataReceived += (_, e) => awsLocal.Append(e.Data);
        process.ErrorDataReceived += (_, e) => awsLocal.Append(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return awsLocal;
    }

    /// <summary>Waits until GET /health/ready answers at all (any status) and returns the answer.</summary>
    public async Task<(HttpStatusCode Status, string Body)> WaitForReadinessAnswerAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = AppBaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"aws-local exited with {_process.ExitCode} before the app answered:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > Patience)
            {
                throw new TimeoutException($"The app of aws-local did not answer at {AppBaseAddress} within {Patience}:\n{Output}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>The process ids of the tool's children (moto_server and the app), from /proc.</summary>
    public IReadOnlyList<int> ChildProcessIds() =>
    [
        .. Directory.EnumerateDirectories($"/proc/{ProcessId}/task")
            .Select(task => Path.Combine(task, "children"))
            .Where(File.Exists)
            .SelectMany(file => File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse),
    ];

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to the tool alone (not its children), as `kill -9` does.</summary>
    public void KillToolOnly()
    {
        _process.Kill(entireProcessTree: false);

        // Waits for the process only: its output pipes stay open as long as a surviving child holds them.
        _process.WaitForExit(Patience);
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(Patience);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    public static bool IsRunning(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
