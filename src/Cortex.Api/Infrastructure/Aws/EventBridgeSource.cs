using System.Security.Cryptography;
using System.Text;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// The EventBridge <c>source</c> of an event: the configured prefix plus the client's source made
/// safe. EventBridge sources are 1-256 characters, and the documented pattern allows only
/// <c>[A-Za-z0-9._/-]</c>, while a client source is up to 256 arbitrary code points. Other
/// characters become '_' and, when anything was replaced or cut, a hash of the original source
/// is appended so distinct sources stay distinct. The client's exact source travels in the detail.
/// </summary>
internal static class EventBridgeSource
{
    public const int MaxLength = 256;
    private const int HashLength = 8;

    public static string For(string prefix, string source)
    {
        var builder = new StringBuilder(prefix, prefix.Length + source.Length);
        var changed = false;
        foreach (var c in source)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/')
            {
                builder.Append(c);
            }
            else
            {
                // A surrogate pair becomes two underscores; the hash keeps it distinct anyway.
                builder.Append('_');
                changed = true;
            }
        }

        if (!changed && builder.Length <= MaxLength)
        {
            return builder.ToString();
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..HashLength];
        var keep = Math.Min(builder.Length, MaxLength - HashLength - 1);
        return string.Concat(builder.ToString(0, keep), "-", hash);
    }
}
