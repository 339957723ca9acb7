using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;

namespace Cortex.Api.Hosting;

/// <summary>
/// Remembers the tokens its inner handler has validated, keyed by the token's exact text, so an
/// agent that sends one token for hours pays for parsing, the signature and the claim checks once
/// per <see cref="MaxAge"/> instead of on every request (about a tenth of a single event's CPU).
/// Only valid tokens are remembered, each until its <c>exp</c> (never past it, whatever the clock
/// skew allows: after <c>exp</c> the inner handler decides again) and at most <see cref="MaxAge"/>,
/// so a signing key withdrawn from the authority stops being honoured within that time. A refused
/// token always goes through the inner handler. The cache holds at most <see cref="Capacity"/>
/// tokens; when full it drops what has expired, and everything if that is not enough.
/// </summary>
internal sealed class ValidatedTokenCache(TokenHandler inner, TimeProvider clock) : TokenHandler
{
    public const int Capacity = 10_000;

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Entry> _validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_validated.TryGetValue(token, out var entry))
        {
            if (entry.IsUsableAt(now, validationParameters.ClockSkew))
            {
                return entry.Result();
            }

            _validated.TryRemove(new KeyValuePair<string, Entry>(token, entry));
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, SecurityToken: { } validated, ClaimsIdentity: { } identity })
        {
            Remember(token, new Entry(validated, identity, result.Issuer, result.TokenType, now + MaxAge), now, validationParameters.ClockSkew);
        }

        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    /// <summary>How many tokens are remembered now.</summary>
    internal int Count => _validated.Count;

    private void Remember(string token, Entry entry, DateTime now, TimeSpan skew)
    {
        if (_validated.Count >= Capacity)
        {
            foreach (var (key, old) in _validated)
            {
                if (!old.IsUsableAt(now, skew))
                {
                    _validated.TryRemove(new KeyValuePair<string, Entry>(key, old));
                }
            }

            if (_validated.Count >= Capacity)
            {
                _validated.Clear();
            }
        }

        _validated[token] = entry;
    }

    private sealed class Entry(SecurityToken token, ClaimsIdentity identity, string? issuer, string? tokenType, DateTime rememberedUntil)
    {
        public bool IsUsableAt(DateTime now, TimeSpan skew) =>
            now < token.ValidTo && now < rememberedUntil && (token.ValidFrom == DateTime.MinValue || token.ValidFrom - skew <= now);

        /// <summary>A result of its own for each request: the identity is copied, since a request may add claims to it.</summary>
        public TokenValidationResult Result() => new()
        {
            IsValid = true,
            SecurityToken = token,
            ClaimsIdentity = identity.Clone(),
            Issuer = issuer,
            TokenType = tokenType,
        };
    }
}
