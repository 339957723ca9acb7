using Microsoft.Win32.SafeHandles;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>Syncs the WAL file with fsync(2) on a handle held open for the store's whole life.</summary>
internal sealed class FileWalSync : IWalSync, IDisposable
{
    private SafeFileHandle? _wal;
    private string _path = string.Empty;

    public void Open(string walPath)
    {
        _wal = File.OpenHandle(walPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _path = walPath;
    }

    public void Sync() => DurableFile.Sync(_wal ?? throw new InvalidOperationException("The WAL file is not open."), _path);

    public void Dispose() => _wal?.Dispose();
}
