using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// A moto_server child process on a loopback port: DynamoDB, SQS, EventBridge and more on one
/// endpoint. Disposing kills the process tree (the pyenv shim and the Python server); a kill -9
/// of this process ends it too.
/// </summary>
internal sealed class MotoServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private MotoServer(Process process, int port)
    {
        _process = process;
        Port = port;
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri Endpoint { get; }

    /// <summary>The last lines the server wrote, for error messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.Length > 4000 ? _output.ToString(_output.Length - 4000, 4000) : _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts moto_server on <paramref name="port"/> (0: a free port) and waits until it answers. The
    /// server ends with this process (see <see cref="ChildProcess"/>); a port that is already taken
    /// is an error, never an emulator to reuse.
    /// </summary>
    public static async Task<MotoServer> StartAsync(int port, TimeSpan timeout, string executable = "moto_server", CancellationToken cancellationToken = default)
    {
        if (port == 0)
        {
            port = FreePort();
        }
        else
        {
            ChildProcess.EnsurePortIsFree(port, "moto_server");
        }

        var path = FindOnPath(executable) ?? throw new InvalidOperationException(
            $"Could not find {executable}: is moto installed (pip install 'moto[server]') and on PATH?");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        var process = ChildProcess.Start(start);
        var server = new MotoServer(process, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(timeout, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or it would not die in time: nothing more a dispose can do.
        }

        _process.Dispose();
    }

    private static string? FindOnPath(string executable)
    {
        if (executable.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(executable) ? Path.GetFullPath(executable) : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with code {_process.ExitCode} before answering on port {Port}: {Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "moto-api/"), cancellationToken);
                return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"moto_server did not answer on {Endpoint} within {timeout}: {Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
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
            if (_output.Length > 64_000)
            {
                _output.Remove(0, 32_000);
            }
        }
    }
}
