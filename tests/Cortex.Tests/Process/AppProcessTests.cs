using System.Net;

namespace Cortex.Tests.Process;

public sealed class AppProcessTests
{
    [Fact]
    public async Task KillingTheAppEndsItWithSigkill()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using var app = await AppProcess.StartAsync(Path.Combine(directory, "cortex.db"), cancellationToken: TestContext.Current.CancellationToken);
            using var client = app.CreateClient("process-probe");
            var live = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);

            var exitCode = await app.KillAsync();

            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.True(app.HasExited);

            // .NET reports a process ended by a signal as 128 + the signal number: SIGKILL is 9.
            // A SIGTERM (143) would have let the app drain its write queue, hiding lost acknowledgements.
            Assert.Equal(128 + 9, exitCode);
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    internal static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was created.
        }
        catch (IOException)
        {
            // Left to the OS temp cleaner.
        }
    }
}
