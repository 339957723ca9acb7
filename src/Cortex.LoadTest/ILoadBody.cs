namespace Cortex.LoadTest;

/// <summary>A prepared request body the load runner sends: stamped with the send time, gzip-compressed if asked.</summary>
public interface ILoadBody
{
    /// <summary>Events (or log records) the body carries.</summary>
    int Events { get; }

    /// <summary>Size of the body before compression.</summary>
    int UncompressedBytes { get; }

    /// <summary>What a request sends: the body stamped at <paramref name="utcNow"/>, gzip-compressed (fastest level) if asked.</summary>
    byte[] Content(DateTime utcNow, bool gzip);
}
