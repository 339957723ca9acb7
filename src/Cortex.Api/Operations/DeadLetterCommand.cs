using System.CommandLine;
using System.Text.Json;
using Cortex.Api.Ports;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Operations;

/// <summary>
/// `dotnet run --project src/Cortex.Api -- dlq peek|replay|purge`: the operator endpoints as
/// commands, running the app's own configuration (mode, AWS endpoint, queue names).
/// </summary>
public static class DeadLetterCommand
{
    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == "dlq";

    public static async Task<int> RunAsync(string[] args, IServiceProvider services)
    {
        var queue = services.GetRequiredService<IDeadLetterQueue>();
        var json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var pretty = new JsonSerializerOptions(json) { WriteIndented = true };

        var limit = new Option<int>("--limit") { Description = "How many messages to show (1-100).", DefaultValueFactory = _ => 10 };
        var peek = new Command("peek", "List dead-lettered messages without consuming them.") { limit };
        peek.SetAction(async (parse, token) =>
        {
            var messages = await queue.PeekAsync(Math.Clamp(parse.GetValue(limit), 1, 100), token);
            var page = new DeadLetterPage(queue.Name, await queue.CountAsync(token), messages);
            Console.WriteLine(JsonSerializer.Serialize(page, pretty));
            return 0;
        });

        var maxMessages = new Option<int>("--max-messages") { Description = "The most messages to move.", DefaultValueFactory = _ => ReplayRequest.DefaultMaxMessages };
        var rate = new Option<int>("--rate") { Description = "The most messages per second.", DefaultValueFactory = _ => ReplayRequest.DefaultMaxPerSecond };
        var replay = new Command("replay", "Move dead-lettered messages back into the pipeline.") { maxMessages, rate };
        replay.SetAction(async (parse, token) =>
        {
            var result = await queue.ReplayAsync(Math.Max(1, parse.GetValue(maxMessages)), Math.Clamp(parse.GetValue(rate), 1, 1000), token);
            Console.WriteLine(JsonSerializer.Serialize(result, pretty));
            return result.Failed == 0 ? 0 : 1;
        });

        var confirm = new Option<string>("--confirm") { Description = "The queue name, to confirm that every message is to be deleted." };
        var purge = new Command("purge", "Delete every dead-lettered message.") { confirm };
        purge.SetAction(async (parse, token) =>
        {
            if (parse.GetValue(confirm) != queue.Name)
            {
                await Console.Error.WriteLineAsync($"Refused: purging deletes every dead letter for good. Repeat with --confirm {queue.Name}");
                return 2;
            }

            Console.WriteLine(JsonSerializer.Serialize(new PurgeResult(queue.Name, await queue.PurgeAsync(token)), pretty));
            return 0;
        });

        var root = new RootCommand("Inspect, replay and purge the dead-letter queue.") { peek, replay, purge };
        return await root.Parse(args[1..]).InvokeAsync();
    }
}
