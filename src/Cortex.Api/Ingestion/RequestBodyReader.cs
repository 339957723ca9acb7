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
    public static async Task<RequestBody> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            throw new BodyRejectedException(StatusCodes.Status415UnsupportedMediaType,
                "Unsupported media type", "The request body must be JSON: send Content-Type: application/json.");
        }

        var gzip = false;
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            {
                throw new BodyRejectedException(StatusCodes.Status415UnsupportedMediaType,
                    "Unsupported content encoding", "Content-Encoding must be gzip or absent.");
            }

            gzip = true;
        }

        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
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
                        throw TooLarge(maxBytes);
                    }
                }
            }

            if (compressed is not null && !GzipTrailer.Matches(compressed.Tail, buffer.AsSpan(0, length)))
            {
                throw InvalidGzip();
            }

            return new RequestBody(buffer, length);
        }
        catch (InvalidDataException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw InvalidGzip();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw TooLarge(maxBytes);
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

    private static BodyRejectedException InvalidGzip() =>
        new(StatusCodes.Status400BadRequest, "Bad request",
            "The gzip-encoded body is not valid gzip data: it must be one complete gzip member, trailer included.");

    private static BodyRejectedException TooLarge(int maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Content too large",
            $"The request body is larger than {maxBytes} bytes (measured after gzip decompression).");
}

/// <summary>A body in a pooled buffer; dispose it to give the buffer back.</summary>
internal readonly struct RequestBody(byte[] buffer, int length) : IDisposable
{
    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public int Length => length;

    public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
}

/// <summary>The body cannot be accepted as sent; carries the status code and the problem text.</summary>
internal sealed class BodyRejectedException(int statusCode, string title, string detail) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>The metric tag for this rejection.</summary>
    public string Reason => StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => "too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        _ => "malformed",
    };

    public string Title { get; } = title;
}
