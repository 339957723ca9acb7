using System.Security.Claims;
using System.Text;
using Cortex.Api.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cortex.Tests;

/// <summary>
/// The request-validation and auth case tables of the API suite. Shared, not copied: the
/// integration tests link this file and run the same cases against Aws mode (Parity/).
/// </summary>
public static class ApiCases
{
    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "", "empty" },
        { "  \r\n\t ", "empty" },
        { """{"source":"{M}",""", "not valid JSON" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{}} x""", "not valid JSON" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{}}{}""", "not valid JSON" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},}""", "not valid JSON" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{}, /* note */ "region":"eu"}""", "not valid JSON" },
        { """{"source":"{M}","source":"other","event_type":"cpu_usage","data":{}}""", "duplicate key" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"a":1,"a":2}}""", "duplicate key" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"outer":[{"a":1,"a":2}]}}""", "duplicate key" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"tags":{"k":"a","k":"b"}}""", "duplicate key" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"unknown":{"k":1,"k":2}}""", "duplicate key" },
        { """[{"source":"{M}","event_type":"cpu_usage","data":{}}]""", "must be a JSON object, not an array" },
        { """{"source":"{M}\ud800","event_type":"cpu_usage","data":{}}""", "surrogate" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"\udc00":1}}""", "surrogate" },
        { "42", "not a number" },
        { "null", "not null" },
        { "\"{M}\"", "not a string" },
    };

    public static TheoryData<string, string> InvalidFields => new()
    {
        { """{"hostname":"{M}","event_type":"cpu_usage","data":{}}""", "source" },
        { """{"source":42,"hostname":"{M}","event_type":"cpu_usage","data":{}}""", "source" },
        { """{"source":null,"hostname":"{M}","event_type":"cpu_usage","data":{}}""", "source" },
        { """{"source":"","hostname":"{M}","event_type":"cpu_usage","data":{}}""", "source" },
        { $$$"""{"source":"{{{new string('s', 257)}}}","hostname":"{M}","event_type":"cpu_usage","data":{}}""", "source" },
        { """{"source":"{M}\u0001","event_type":"cpu_usage","data":{}}""", "source" },
        { """{"source":"{M}\n","event_type":"cpu_usage","data":{}}""", "source" },
        { """{"source":"{M}","data":{}}""", "event_type" },
        { """{"source":"{M}","event_type":"disk_full","data":{}}""", "event_type" },
        { """{"source":"{M}","event_type":"CPU_USAGE","data":{}}""", "event_type" },
        { """{"source":"{M}","event_type":7,"data":{}}""", "event_type" },
        { """{"source":"{M}","event_type":"cpu_usage","severity":"WARNING","data":{}}""", "severity" },
        { """{"source":"{M}","event_type":"cpu_usage","severity":"fatal","data":{}}""", "severity" },
        { """{"source":"{M}","event_type":"cpu_usage","severity":null,"data":{}}""", "severity" },
        { """{"source":"{M}","event_type":"cpu_usage"}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":null}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":[1,2]}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":"cpu=5"}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":5}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":""" + Nested(31) + "}", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":""" + Nested(1500) + "}", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"n":123456789012345678901234567890123456789}}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"n":1e126}}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"n":-1e126}}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"n":1e-131}}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{"deep":[{"n":1E+200}]}}""", "data" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"timestamp":""}""", "timestamp" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"timestamp":"2026-11-23T10:00:00"}""", "timestamp" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"timestamp":"2026-11-23 10:00:00Z"}""", "timestamp" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"timestamp":"yesterday"}""", "timestamp" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"timestamp":1795428000}""", "timestamp" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"timestamp":null}""", "timestamp" },
        { $$$"""{"source":"{M}","event_type":"cpu_usage","data":{},"hostname":"{{{new string('h', 257)}}}"}""", "hostname" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"hostname":5}""", "hostname" },
        { $$$"""{"source":"{M}","event_type":"cpu_usage","data":{},"region":"{{{new string('r', 65)}}}"}""", "region" },
        { $$$"""{"source":"{M}","event_type":"cpu_usage","data":{},"tags":{{{Tags(51, 1, 1)}}}}""", "tags" },
        { $$$"""{"source":"{M}","event_type":"cpu_usage","data":{},"tags":{{{Tags(1, 129, 1)}}}}""", "tags" },
        { $$$"""{"source":"{M}","event_type":"cpu_usage","data":{},"tags":{{{Tags(1, 1, 257)}}}}""", "tags" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"tags":{"env":"prod","k":5}}""", "tags.k" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"tags":["env"]}""", "tags" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"event_id":"not-a-uuid"}""", "event_id" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"event_id":"0192f0c18a3e7b6e9d2a5c4b3a291807"}""", "event_id" },
        { """{"source":"{M}","event_type":"cpu_usage","data":{},"event_id":42}""", "event_id" },
    };

    public static TheoryData<string, string> MalformedBatches => new()
    {
        { "{\"source\":\"{M}\",\"event_type\":\"cpu_usage\",\"data\":{}}", "must be a JSON array" },
        { "[{\"source\":\"{M}\",\"event_type\":\"cpu_usage\",\"data\":{}}", "not valid JSON" },
        { "[{\"source\":\"{M}\",\"event_type\":\"cpu_usage\",\"data\":{}}] []", "not valid JSON" },
        { "[{\"source\":\"{M}\",\"event_type\":\"cpu_usage\",\"data\":{\"a\":1,\"a\":1}}]", "duplicate key" },
        { "[{\"source\":\"{M}\",\"event_type\":\"cpu_usage\",\"data\":{\"t\":\"\\ud83d\"}}]", "surrogate" },
        { "", "empty" },
    };

    public static TheoryData<string, string> BadQueries => new()
    {
        { "colour=red", "query" },
        { "source=a&Source=b", "query" },
        { "source=a&source=b", "query" },
        { "limit=1&limit=2", "query" },
        { "limit=0", "limit" },
        { "limit=1001", "limit" },
        { "limit=abc", "limit" },
        { "limit=-1", "limit" },
        { "limit=1.5", "limit" },
        { "limit=", "limit" },
        { "event_type=CPU_USAGE", "event_type" },
        { "severity=fatal", "severity" },
        { "source=", "source" },
        { "from=2026-11-23T10:00:00", "from" },
        { "to=yesterday", "to" },
        { "from=2026-11-23T10:00:01Z&to=2026-11-23T10:00:00Z", "from" },
        { "cursor=not-a-cursor", "cursor" },
    };

    public static TheoryData<string> NonUuidEventIds => new()
    {
        "not-a-uuid",
        "0192f0c18a3e7b6e9d2a5c4b3a291807",
        "{0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807}",
    };

    public static TheoryData<string> BadTokens => new()
    {
        "expired",
        "wrong-key",
        "alg-none",
        "wrong-issuer",
        "wrong-audience",
        "no-exp",
        "not-yet-valid",
        "garbage",
    };

    /// <summary>A token of <paramref name="kind"/> (one of <see cref="BadTokens"/>) that an app signing with <paramref name="auth"/> must refuse.</summary>
    public static string BadToken(AuthOptions auth, string kind)
    {
        return kind switch
        {
            "expired" => TokenIssuer.Create(auth, "agent", Scopes.All, TimeSpan.FromMinutes(10), DateTimeOffset.UtcNow.AddHours(-1)),
            "not-yet-valid" => TokenIssuer.Create(auth, "agent", Scopes.All, TimeSpan.FromMinutes(10), DateTimeOffset.UtcNow.AddHours(1)),
            "wrong-key" => TokenIssuer.Create(
                new AuthOptions { SigningKey = "another-signing-key-that-is-long-enough-0123456789", Issuer = auth.Issuer, Audience = auth.Audience },
                "agent", Scopes.All, TimeSpan.FromMinutes(10)),
            "wrong-issuer" => TokenIssuer.Create(
                new AuthOptions { SigningKey = auth.SigningKey, Issuer = "someone-else", Audience = auth.Audience }, "agent", Scopes.All, TimeSpan.FromMinutes(10)),
            "wrong-audience" => TokenIssuer.Create(
                new AuthOptions { SigningKey = auth.SigningKey, Issuer = auth.Issuer, Audience = "another-api" }, "agent", Scopes.All, TimeSpan.FromMinutes(10)),
            "alg-none" => Unsigned(auth),
            "no-exp" => CreateToken(auth, withExpiry: false),
            "garbage" => "not.a.jwt",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>A token with the right claims and no signature at all ("alg":"none").</summary>
    private static string Unsigned(AuthOptions auth)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = """{"alg":"none","typ":"JWT"}""";
        var payload = $$"""{"sub":"agent","scope":"events:write events:read","iss":"{{auth.Issuer}}","aud":"{{auth.Audience}}","iat":{{now}},"nbf":{{now}},"exp":{{now + 600}}}""";
        return $"{Base64UrlEncoder.Encode(header)}.{Base64UrlEncoder.Encode(payload)}.";
    }

    /// <summary>An HS256 token built by hand, with or without the exp claim, with <paramref name="header"/> added to its JOSE header.</summary>
    public static string CreateToken(AuthOptions auth, bool withExpiry = true, IDictionary<string, object>? header = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = withExpiry ? now.AddMinutes(10) : null,
            Subject = new ClaimsIdentity([new Claim("sub", "agent"), new Claim("scope", "events:write events:read")]),
            AdditionalHeaderClaims = header,
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey!)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A tags object of <paramref name="count"/> entries with keys and values of the given lengths.</summary>
    public static string Tags(int count, int keyLength, int valueLength)
    {
        var entries = Enumerable.Range(0, count).Select(i =>
        {
            var key = $"k{i}".PadRight(keyLength, 'k');
            return $"\"{key}\":\"{new string('v', valueLength)}\"";
        });
        return "{" + string.Join(',', entries) + "}";
    }

    /// <summary>A data object nested <paramref name="levels"/> deep.</summary>
    public static string Nested(int levels)
    {
        var text = "{}";
        for (var i = 1; i < levels; i++)
        {
            text = $"{{\"a\":{text}}}";
        }

        return text;
    }
}
