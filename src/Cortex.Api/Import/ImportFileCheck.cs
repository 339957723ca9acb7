using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Unicode;
using Cortex.Api.Ingestion;

namespace Cortex.Api.Import;

/// <summary>
/// The first of an import's two reads: the whole file is read, nothing is stored, and a file
/// that cannot be imported whole is refused here, so none of it is stored half: an empty file,
/// a binary one, one named .gz (or sent gzip-encoded) that is not gzip, broken or truncated gzip,
/// a file over the size limit after decompression, a JSON array whose structure breaks. The same
/// read finds the format and the content hash, which only the whole file gives.
/// </summary>
internal static class ImportFileCheck
{
    private const int SniffBytes = 8 * 1024;
    private static readonly byte[] GzipMagic = [0x1f, 0x8b];

    /// <summary>Fills in the identity's size, compression, format and hash; returns why the file is refused, or null.</summary>
    public static async Task<string?> CheckAsync(ImportSource source, long maxBytes, int maxItemBytes, CancellationToken cancellationToken)
    {
        var identity = source.Identity;
        var head = new byte[2];
        int headLength;
        await using (var probe = await source.OpenAsync(cancellationToken))
        {
            headLength = await probe.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }

        if (headLength == 0)
        {
            return "The file is empty.";
        }

        var isGzip = head.AsSpan(0, headLength).SequenceEqual(GzipMagic);
        if (source.Compression == ImportCompression.Gzip && !isGzip)
        {
            return "The file is declared gzip (a .gz name or Content-Encoding: gzip) but is not gzip data.";
        }

        var gzip = isGzip && source.Compression != ImportCompression.None;
        identity.Compression = gzip ? "gzip" : "none";

        var refusal = await ReadWholeAsync(source, gzip, maxBytes, cancellationToken);
        if (refusal is not null || identity.Format != ImportFormats.JsonArray)
        {
            return refusal;
        }

        // A JSON array is only importable if its structure holds to the end: check it before storing any of it.
        await using var content = await ImportStreams.OpenAsync(source, cancellationToken);
        var items = EventItemReader.Create(ImportFormats.JsonArray, content.Decompressed, maxItemBytes);
        while (await items.ReadAsync(cancellationToken))
        {
        }

        return items.FileProblem;
    }

    private static async Task<string?> ReadWholeAsync(ImportSource source, bool gzip, long maxBytes, CancellationToken cancellationToken)
    {
        var identity = source.Identity;
        using var hash = source.HashContent ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            await using var opened = await source.OpenAsync(cancellationToken);
            var raw = new TailCapturingStream(opened);
            await using var content = gzip ? new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true) : (Stream)raw;
            long total = 0;
            var crc = GzipTrailer.InitialCrc32;
            var sniffed = false;
            while (true)
            {
                var read = await content.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                var chunk = buffer.AsSpan(0, read);
                if (!sniffed)
                {
                    if (Sniff(chunk, identity) is { } notText)
                    {
                        return notText;
                    }

                    sniffed = identity.Format is not null;
                }

                total += read;
                if (total > maxBytes)
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"The file is larger than {maxBytes} bytes after decompression, the import limit (Cortex:Import:MaxFileBytes).");
                }

                hash?.AppendData(chunk);
                if (gzip)
                {
                    crc = GzipTrailer.UpdateCrc32(crc, chunk);
                }
            }

            if (gzip && !GzipTrailer.Matches(raw.Tail, ~crc, total))
            {
                return "The gzip data is truncated or is not one complete gzip member (its trailer does not match the content).";
            }

            if (identity.Format is null)
            {
                return "The file is empty: it holds no events.";
            }

            identity.Bytes = raw.BytesRead;
            identity.UncompressedBytes = total;
            identity.Sha256 = hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset());
            return null;
        }
        catch (InvalidDataException)
        {
            return "The file is not valid gzip data.";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Looks at the start of the content: text (valid UTF-8, no NUL bytes) that opens with an
    /// object (NDJSON) or an array. Sets the format once the first non-blank byte is seen.
    /// </summary>
    private static string? Sniff(ReadOnlySpan<byte> start, ImportFileIdentity identity)
    {
        var sample = start[..Math.Min(start.Length, SniffBytes)];
        if (sample.Contains((byte)0) || !IsUtf8Prefix(sample))
        {
            return "The file is binary: it is not UTF-8 text. Import NDJSON (one event per line) or a JSON array of events.";
        }

        var text = sample.TrimStart(" \t\r\n"u8);
        if (text.IsEmpty)
        {
            return null;
        }

        switch (text[0])
        {
            case (byte)'{':
                identity.Format = ImportFormats.Ndjson;
                return null;
            case (byte)'[':
                identity.Format = ImportFormats.JsonArray;
                return null;
            default:
                return "The file is neither NDJSON nor a JSON array: it must start with { (one event per line) or [ (an array of events).";
        }
    }

    /// <summary>Valid UTF-8, allowing a character cut off at the end of the sample (a cut at the file's end is the last line's problem).</summary>
    private static bool IsUtf8Prefix(ReadOnlySpan<byte> sample)
    {
        if (Utf8.IsValid(sample))
        {
            return true;
        }

        for (var cut = 1; cut <= 3 && cut < sample.Length; cut++)
        {
            if (Utf8.IsValid(sample[..^cut]))
            {
                return true;
            }
        }

        return false;
    }
}
