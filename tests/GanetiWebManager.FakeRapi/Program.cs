using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.FakeRapi.Control;

// Standalone fake RAPI for out-of-process tests:
//   dotnet run --project tests/GanetiWebManager.FakeRapi -- --port 0 --instances 5000
// prints one JSON line (base URL, control URL, certificate SHA-256, users) and serves until SIGTERM or Ctrl+C.

FakeClusterOptions options;
try
{
    options = Arguments.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    await Console.Error.WriteLineAsync(Arguments.Usage);
    return 2;
}

await using var server = await FakeRapiServer.StartAsync(options);
await Console.Out.WriteLineAsync(JsonSerializer.Serialize(ControlApi.Describe(server)));
await Console.Out.FlushAsync();

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
await stop.Task;
return 0;

internal static class Arguments
{
    public const string Usage =
        "Options: --port N (0 = any) --control-port N --instances N --nodes N --groups N --networks N --seed N --domain NAME " +
        "--cluster-name NAME --user NAME --password PW --ro-user NAME --ro-password PW --job-step-ms N --job-queue-ms N " +
        "--wait-timeout-s N --hold-jobs --anonymous-reads --listen ADDRESS";

    public static FakeClusterOptions Parse(string[] args)
    {
        var options = new FakeClusterOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"{args[i - 1]} needs a number.");
            options = args[i] switch
            {
                "--port" => options with { Port = Int() },
                "--control-port" => options with { ControlPort = Int() },
                "--instances" => options with { Instances = Int() },
                "--nodes" => options with { Nodes = Int() },
                "--groups" => options with { Groups = Int() },
                "--networks" => options with { Networks = Int() },
                "--seed" => options with { Seed = Int() },
                "--domain" => options with { Domain = Next() },
                "--cluster-name" => options with { ClusterName = Next() },
                "--user" => options with { WriteUser = Next() },
                "--password" => options with { WritePassword = Next() },
                "--ro-user" => options with { ReadOnlyUser = Next() },
                "--ro-password" => options with { ReadOnlyPassword = Next() },
                "--job-step-ms" => options with { JobStepDelay = TimeSpan.FromMilliseconds(Int()) },
                "--job-queue-ms" => options with { JobQueueDelay = TimeSpan.FromMilliseconds(Int()) },
                "--wait-timeout-s" => options with { JobWaitTimeout = TimeSpan.FromSeconds(Int()) },
                "--hold-jobs" => options with { HoldJobs = true },
                "--anonymous-reads" => options with { RequireAuthentication = false },
                "--listen" => options with { ListenAddress = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        return options;
    }
}
