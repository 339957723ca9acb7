using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// Starts child processes that end with this process, however it ends (kill -9 included), so
/// no emulator or app is left behind holding its port and its data. On Linux each child runs
/// under util-linux's <c>setpriv --pdeathsig KILL</c>, which asks the kernel to SIGKILL the
/// child when its parent goes.
/// </summary>
internal static class ChildProcess
{
    /// <summary>Where setpriv is looked for; null where it is missing (then children can outlive a kill -9).</summary>
    public static readonly string? Setpriv = OperatingSystem.IsLinux()
        ? new[] { "/usr/bin/setpriv", "/bin/setpriv" }.FirstOrDefault(File.Exists)
        : null;

    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Started)> Requests = [];

    static ChildProcess()
    {
        // The kernel sends the parent-death signal when the *thread* that forked the child exits,
        // not the process. Thread-pool threads retire when idle, so every child is forked from
        // this one thread, which lives as long as the process.
        var spawner = new Thread(SpawnLoop) { IsBackground = true, Name = "child-process-spawner" };
        spawner.Start();
    }

    /// <summary>Whether children started here end when this process is killed.</summary>
    public static bool DiesWithParent => Setpriv is not null;

    /// <summary>Starts <paramref name="start"/> so that it is killed when this process ends.</summary>
    public static Process Start(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((WithParentDeathSignal(start), started));
        return started.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Fails with a message saying what to do when something already listens on
    /// 127.0.0.1:<paramref name="port"/>: typically a moto_server left behind by a killed run,
    /// which must not be reused silently with its old data.
    /// </summary>
    public static void EnsurePortIsFree(int port, string what)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new PortInUseException(port, what, ex);
        }
    }

    internal static ProcessStartInfo WithParentDeathSignal(ProcessStartInfo start)
    {
        if (Setpriv is null)
        {
            return start;
        }

        var wrapped = new ProcessStartInfo(Setpriv)
        {
            UseShellExecute = false,
            WorkingDirectory = start.WorkingDirectory,
            RedirectStandardInput = start.RedirectStandardInput,
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
        };
        foreach (var arg in new[] { "--pdeathsig", "KILL", "--", start.FileName }.Concat(start.ArgumentList))
        {
            wrapped.ArgumentList.Add(arg);
        }

        wrapped.Environment.Clear();
        foreach (var (name, value) in start.Environment)
        {
            wrapped.Environment[name] = value;
        }

        return wrapped;
    }

    private static void SpawnLoop()
    {
        foreach (var (start, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start."));
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}

/// <summary>A port that aws-local needs is taken.</summary>
internal sealed class PortInUseException(int port, string what, Exception inner) : Exception(
    $"127.0.0.1:{port} is already in use, so {what} cannot listen there. A moto_server or app left by an earlier run "
    + $"may still hold it: find it with `ss -ltnp 'sport = :{port}'` and stop it, or choose another port.",
    inner)
{
    public int Port { get; } = port;
}
