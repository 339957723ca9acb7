using System.Diagnostics;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// Cortex.Api run as a child process, exactly as it is deployed (<c>dotnet Cortex.Api.dll</c>, the
/// build that sits beside this tool), sharing this terminal. It ends with this process.
/// </summary>
internal static class ApiProcess
{
    /// <summary>The folder of Cortex.Api.dll and its appsettings files: the app's content root.</summary>
    public static string AppDirectory => Path.GetDirectoryName(typeof(Cortex.Api.Hosting.TokenCommand).Assembly.Location)!;

    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppDirectory,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppDirectory, "Cortex.Api.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Runs the app until it exits, or until <paramref name="cancellationToken"/> asks it to stop.</summary>
    public static async Task<int> RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        using var process = ChildProcess.Start(start);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C reaches the app from the terminal as well; SIGTERM reached only this tool.
            await TerminateAsync(process.Id);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        return process.ExitCode;
    }

    /// <summary>The dotnet host running this tool (or the SDK's, or the one on PATH).</summary>
    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    /// <summary>SIGTERM, the signal the app shuts down gracefully on (Process.Kill only sends SIGKILL).</summary>
    private static async Task TerminateAsync(int pid)
    {
        try
        {
            using var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(CancellationToken.None);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No kill command: the grace period ends in Process.Kill below.
        }
    }
}
