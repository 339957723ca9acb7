using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Cortex.Api.Ingestion;

/// <summary>
/// Reads a JSON request body into a pooled buffer, enforcing the content type, the optional
/// gzip encoding and a size limit that holds after decompression (so a gzip bomb is a 413).
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>Reads the body, or says why it is refused; dispose the result to give the buffer back.</summary>
    public static async Task<BodyRead> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return new BodyRejection(StatusCodes.Status415UnsupportedMediaType,
                "Unsupported media type", "The request body must be JSON: send Content-Type: application/json.");
        }

        return await ReadCheckedMediaTypeAsync(request, maxBytes, cancellationToken);
    }

    /// <summary>As <see cref="ReadAsync"/>, for a caller that has checked the media type itself (OTLP takes protobuf too).</summary>
    public static async Task<BodyRead> ReadCheckedMediaTypeAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var gzip = false;
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            {
                return new BodyRejection(StatusCodes.Status415UnsupportedMediaType,
                    "Unsupported content encoding", "Content-Encoding must be gzip or absent.");
            }

            gzip = true;
        }

        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }

        // Kestrel's own limit must not stop us first: ours is the documented one.
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = maxBytes + 1L;
        }

        var initial = (int)Math.Min(request.ContentLength ?? 16 * 1024, maxBytes) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 4096));
        var length = 0;
        try
        {
            var compressed = gzip ? new TailCapturingStream(request.Body) : null;
            var source = compressed is null ? request.Body : new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            await using (source.ConfigureAwait(false))
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await source.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxBytes + 1) - length), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                    if (length > maxBytes)
                    {
                        break;
                    }
                }
            }

            if (length > maxBytes)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return TooLarge(maxBytes);
            }

            if (compressed is not null && !GzipTrailer.Matches(compressed.Tail, buffer.AsSpan(0, length)))
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return InvalidGzip();
            }

            return new BodyRead(buffer, length);
        }
        catch (InvalidDataException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return InvalidGzip();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return TooLarge(maxBytes);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }

        var charset = mediaType.Charset;
        if (charset.HasValue && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var subtype = mediaType.SubTypeWithoutSuffix;
        return mediaType.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
               && (subtype.Equals("json", StringComparison.OrdinalIgnoreCase)
                   || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
    }

    private static BodyRejection InvalidGzip() =>
        new(StatusCodes.Status400BadRequest, "Bad request",
            "The gzip-encoded body is not valid gzip data: it must be one complete gzip member, trailer included.");

    private static BodyRejection TooLarge(int maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Content too large",
            $"The request body is larger than {maxBytes} bytes (measured after gzip decompression).");
}

/// <summary>A body in a pooled buffer, or why it was refused. Dispose it to give the buffer back.</summary>
internal readonly struct BodyRead : IDisposable
{
    private readonly byte[]? _buffer;
    private readonly int _length;

    public BodyRead(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    private BodyRead(BodyRejection rejection) => Rejection = rejection;

    /// <summary>Set when the body cannot be accepted as sent; the body is then empty.</summary>
    public BodyRejection? Rejection { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    public static implicit operator BodyRead(BodyRejection rejection) => new(rejection);

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}

/// <summary>Why a body cannot be accepted as sent: the status code and the problem text.</summary>
internal sealed record BodyRejection(int StatusCode, string Title, string Detail)
{
    /// <summary>The metric tag for this rejection.</summary>
    public string Reason => StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => "too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        _ => "malformed",
    };
}
