using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// fsync(2) on a file and on a directory entry. .NET's <c>Flush(flushToDisk: true)</c> swallows
/// some fsync errors and cannot open a directory at all; this reports every error the operating
/// system returns, so a sync that did not happen is never taken for one that did.
/// </summary>
internal static partial class DurableFile
{
    /// <summary>Makes everything written to <paramref name="file"/> so far durable.</summary>
    public static void Sync(SafeFileHandle file, string path)
    {
        if (fsync(file) != 0)
        {
            throw Error("fsync", path);
        }
    }

    /// <summary>Makes the entries of <paramref name="directory"/> (a file created or renamed in it) durable.</summary>
    public static void SyncDirectory(string directory)
    {
        var descriptor = open(directory, 0); // O_RDONLY, the same value on every Unix
        if (descriptor < 0)
        {
            throw Error("open", directory);
        }

        try
        {
            if (fsync(descriptor) != 0)
            {
                throw Error("fsync", directory);
            }
        }
        finally
        {
            _ = close(descriptor);
        }
    }

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }

#pragma warning disable SA1300, IDE1006 // the C names
    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(SafeFileHandle fd);

    [DllImport("libc", SetLastError = true, EntryPoint = "fsync")]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
#pragma warning restore SA1300, IDE1006
}
