using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Query;

/// <summary>
/// Opaque, tamper-evident page cursors, the same in both modes: the position of the last item
/// and a hash of the filters, signed with HMAC-SHA256 so a client can neither forge a position
/// nor reuse a cursor with other filters.
/// </summary>
public sealed class CursorCodec
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 8 + 16 + 8;
    private const int MacLength = 16;
    private readonly byte[] _key;

    public CursorCodec(IOptions<QueryOptions> query, IOptions<AuthOptions> auth)
    {
        if (!string.IsNullOrEmpty(query.Value.CursorKey))
        {
            _key = Encoding.UTF8.GetBytes(query.Value.CursorKey);
        }
        else if (!string.IsNullOrEmpty(auth.Value.SigningKey))
        {
            _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(auth.Value.SigningKey), 32,
                info: "cortex-cursor-v1"u8.ToArray());
        }
        else
        {
            throw new InvalidOperationException("Set Cortex:Query:CursorKey (at least 32 bytes) when tokens come from an OIDC authority.");
        }
    }

    public string Encode(EventPosition position, QueryFilter filter)
    {
        Span<byte> buffer = stackalloc byte[PayloadLength + MacLength];
        buffer[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(buffer[1..], position.TimestampMs);
        position.EventId.TryWriteBytes(buffer[9..], bigEndian: true, out _);
        filter.Hash().CopyTo(buffer[25..]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, buffer[..PayloadLength], mac);
        mac[..MacLength].CopyTo(buffer[PayloadLength..]);
        return WebEncoders.Base64UrlEncode(buffer.ToArray());
    }

    public CursorCheck TryDecode(string cursor, QueryFilter filter, out EventPosition position)
    {
        position = default;
        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(cursor);
        }
        catch (FormatException)
        {
            return CursorCheck.Invalid;
        }

        if (bytes.Length != PayloadLength + MacLength || bytes[0] != Version)
        {
            return CursorCheck.Invalid;
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, bytes.AsSpan(0, PayloadLength), mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], bytes.AsSpan(PayloadLength)))
        {
            return CursorCheck.Invalid;
        }

        if (!filter.Hash().SequenceEqual(bytes.AsSpan(25, 8)))
        {
            return CursorCheck.OtherQuery;
        }

        position = new EventPosition(
            BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1)),
            new Guid(bytes.AsSpan(9, 16), bigEndian: true));
        return CursorCheck.Valid;
    }
}

public enum CursorCheck
{
    Valid,
    Invalid,
    OtherQuery,
}

/// <summary>The filters a cursor is bound to.</summary>
public sealed record QueryFilter(string? Source, string? EventType, string? Severity, long? FromMs, long? ToMs)
{
    public byte[] Hash()
    {
        var text = $"{Source}\n{EventType}\n{Severity}\n{FromMs}\n{ToMs}";
        return SHA256.HashData(Encoding.UTF8.GetBytes(text))[..8];
    }
}
