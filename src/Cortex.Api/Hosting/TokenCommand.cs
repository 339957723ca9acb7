using System.CommandLine;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Hosting;

/// <summary>
/// `dotnet run --project src/Cortex.Api -- token`: prints a token signed with this app's own
/// configured key, so whatever environment the app runs in, its tokens match.
/// </summary>
public static class TokenCommand
{
    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == "token";

    public static int Run(string[] args, IServiceProvider services)
    {
        var scopes = new Option<string[]>("--scope", "-s")
        {
            Description = "Scopes to grant (repeat or space-separate): events:write, events:read, events:admin.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [Scopes.Write, Scopes.Read],
        };
        var subject = new Option<string>("--subject")
        {
            Description = "The token's sub claim (the rate-limit key and submitted_by).",
            DefaultValueFactory = _ => "local-dev",
        };
        var lifetime = new Option<TimeSpan>("--lifetime")
        {
            Description = "How long the token is valid, as hh:mm:ss.",
            DefaultValueFactory = _ => TimeSpan.FromHours(8),
        };
        var command = new RootCommand("Mint a bearer token for this Cortex instance.") { scopes, subject, lifetime };
        command.SetAction(parse =>
        {
            var granted = parse.GetValue(scopes)!.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct().ToArray();
            var unknown = granted.Except(Scopes.All).ToArray();
            if (unknown.Length > 0)
            {
                Console.Error.WriteLine($"Unknown scope(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Scopes.All)}.");
                return 2;
            }

            var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
            Console.WriteLine(TokenIssuer.Create(auth, parse.GetValue(subject)!, granted, parse.GetValue(lifetime)));
            return 0;
        });
        return command.Parse(args[1..]).Invoke();
    }
}
