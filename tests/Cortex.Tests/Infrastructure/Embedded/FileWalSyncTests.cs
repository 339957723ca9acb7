using Cortex.Api.Infrastructure.Embedded;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>
/// The WAL sync is an fsync(2) on the WAL's descriptor whose every error is reported. A sync that
/// silently did nothing would let the writer answer for events a power cut can still take.
/// </summary>
public sealed class FileWalSyncTests
{
    [Fact]
    public void ASyncReachesTheOperatingSystemAndItsRefusalIsAnError()
    {
        // fsync on a character device fails with EINVAL: only a real fsync call can see that.
        using var sync = new FileWalSync();
        sync.Open("/dev/null");

        var error = Assert.Throws<IOException>(sync.Sync);

        Assert.Contains("fsync /dev/null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASyncOfAWalFileSucceeds()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var sync = new FileWalSync())
            {
                sync.Open(path);
                File.AppendAllText(path, "frame");

                sync.Sync();
            }

            Assert.Equal("frame", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
