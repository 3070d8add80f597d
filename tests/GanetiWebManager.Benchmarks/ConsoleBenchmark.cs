using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using GanetiWebManager.Web.Features.Console;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Benchmarks;

/// <summary>
/// Issue 6 §5, printed: the console relay's byte path against a raw TCP copy in the same position (a plain
/// socket-to-socket copy in the relay's process; a direct loopback connection is printed for reference) and
/// against Debian's websockify (what GWM-era portals put in the same position), all in one run, every path warmed
/// up first, medians of several rounds and ratios within a round. Each path ends at the same TCP
/// server (echo for throughput and round trips; a 2 Mbit/s source per connection for the 100-console CPU
/// figure). The relay runs in a child process of its own (this program with <c>serve-relay</c>), exactly the
/// portal's <see cref="ConsoleRelayPump"/> behind Kestrel's WebSockets, so its CPU time is measured like
/// websockify's: from the process (and its children) alone. Tickets, permission checks and the RFB handshake
/// happen once per connect and are not part of the byte path measured here.
/// </summary>
internal static class ConsoleBenchmark
{
    private const int ChunkBytes = 64 * 1024;
    private const int RttMessageBytes = 32;
    private const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";
    private const int ConsoleBytesPerTick = 25_000; // every 100 ms: 250 kB/s = 2 Mbit/s per console

    public static async Task<int> RunAsync(bool shortForm, Action<string, Dictionary<string, double>, string> add)
    {
        var payload = shortForm ? 64L << 20 : 256L << 20;
        var rounds = shortForm ? 3 : 5;
        var rttRounds = shortForm ? 500 : 3000;
        var consoles = 100;
        var window = TimeSpan.FromSeconds(shortForm ? 5 : 15);

        using var echo = new TcpServer(EchoAsync);
        using var source = new TcpServer(SourceAsync);
        using var flood = new TcpServer(FloodAsync);
        // One relay process for every test, as one portal serves every console: what JIT-compiles during the
        // throughput test is warm for the CPU figure.
        await using var relayProcess = await ChildProcess.StartRelayAsync();
        var relayEcho = relayProcess.For(echo.Port);
        var relaySource = relayProcess.For(source.Port);
        // The same relay with the thread pool's spin-waiting off (DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0): a
        // site setting, not the runtime's default, so it is printed beside the default rather than instead of it.
        await using var quietProcess = await ChildProcess.StartRelayAsync(environment: new() { [SpinLimitVariable] = "0" });
        var quietEcho = quietProcess.For(echo.Port);
        await using var websockifyEcho = await ChildProcess.StartWebsockifyAsync(echo.Port);
        await using var websockifySource = await ChildProcess.StartWebsockifyAsync(source.Port);
        var websockifyEchoTarget = websockifyEcho.For(echo.Port);
        var websockifySourceTarget = websockifySource.For(source.Port);
        await using var websockifyFlood = await ChildProcess.StartWebsockifyAsync(flood.Port);

        Console.WriteLine($"Console relay: {rounds} rounds of {payload >> 20} MiB echoed per path, {rttRounds} round trips of {RttMessageBytes} bytes, {consoles} consoles at 2 Mbit/s for {window.TotalSeconds:0} s");

        // Throughput: one connection per path, the client writes while it reads the echo back; payload bytes per
        // second. Four paths to the same echo server: direct (no process in between, for reference); a plain TCP
        // copy in the relay's process (the raw baseline: a process in the same position doing the least a relay
        // can do); the portal's relay; websockify. Every path is warmed up first (JIT, TCP windows, pools), then
        // each round measures all four back to back in a rotating order, and the ratios are taken within a round.
        var paths = new (string Name, Func<Task<IPath>> Connect, ChildProcess? Middle)[]
        {
            ("direct", () => TcpPath.ConnectAsync(echo.Port), null),
            ("raw", () => TcpPath.ConnectViaAsync(relayProcess.ForwarderPort, echo.Port), relayProcess),
            ("relay", () => WebSocketPath.ConnectAsync(relayEcho.Url), relayProcess),
            ("relay, spinning off", () => WebSocketPath.ConnectAsync(quietEcho.Url), quietProcess),
            ("websockify", () => WebSocketPath.ConnectAsync(websockifyEchoTarget.Url), websockifyEcho),
        };
        foreach (var (_, connect, middle) in paths)
        {
            await ThroughputAsync(connect, Math.Min(payload, 64L << 20), middle);
        }

        var results = paths.ToDictionary(p => p.Name, _ => new List<(double Rate, double MiddleCpu, double OwnCpu)>());
        var relayToRaw = new List<double>();
        var relayToWebsockify = new List<double>();
        var rawToWebsockify = new List<double>();
        var quietToRaw = new List<double>();
        var quietToWebsockify = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < paths.Length; k++)
            {
                var (name, connect, middle) = paths[(k + round) % paths.Length];
                results[name].Add(await ThroughputAsync(connect, payload, middle));
            }

            relayToRaw.Add(100 * results["relay"][round].Rate / results["raw"][round].Rate);
            relayToWebsockify.Add(results["relay"][round].Rate / results["websockify"][round].Rate);
            rawToWebsockify.Add(results["raw"][round].Rate / results["websockify"][round].Rate);
            quietToRaw.Add(100 * results["relay, spinning off"][round].Rate / results["raw"][round].Rate);
            quietToWebsockify.Add(results["relay, spinning off"][round].Rate / results["websockify"][round].Rate);
        }

        double Median(string name, Func<(double Rate, double MiddleCpu, double OwnCpu), double> figure) =>
            Math.Round(Measure.Median(results[name].Select(figure).ToList()), 2);
        add("console: throughput (MiB/s, echoed both ways; medians of the rounds)", new()
        {
            ["direct loopback TCP (reference)"] = Median("direct", r => r.Rate),
            ["raw TCP copy in the middle"] = Median("raw", r => r.Rate),
            ["portal relay"] = Median("relay", r => r.Rate),
            ["portal relay, spinning off"] = Median("relay, spinning off", r => r.Rate),
            ["websockify"] = Median("websockify", r => r.Rate),
            ["relay / raw (%)"] = Math.Round(Measure.Median(relayToRaw), 1),
            ["relay / websockify (x)"] = Math.Round(Measure.Median(relayToWebsockify), 2),
            // No relay in this position can beat a plain copy: raw / websockify bounds relay / websockify.
            ["relay, spinning off / raw (%)"] = Math.Round(Measure.Median(quietToRaw), 1),
            ["relay, spinning off / websockify (x)"] = Math.Round(Measure.Median(quietToWebsockify), 2),
            ["raw / websockify (x, the ceiling)"] = Math.Round(Measure.Median(rawToWebsockify), 2),
            // Where the CPU goes (ms of CPU per MiB echoed): the process in the middle, and this one (client, echo).
            ["middle CPU ms/MiB: raw copy"] = Median("raw", r => r.MiddleCpu),
            ["middle CPU ms/MiB: relay"] = Median("relay", r => r.MiddleCpu),
            ["middle CPU ms/MiB: relay, spinning off"] = Median("relay, spinning off", r => r.MiddleCpu),
            ["middle CPU ms/MiB: websockify"] = Median("websockify", r => r.MiddleCpu),
            ["client+echo CPU ms/MiB: direct"] = Median("direct", r => r.OwnCpu),
            ["client+echo CPU ms/MiB: raw copy"] = Median("raw", r => r.OwnCpu),
            ["client+echo CPU ms/MiB: relay"] = Median("relay", r => r.OwnCpu),
            ["client+echo CPU ms/MiB: websockify"] = Median("websockify", r => r.OwnCpu),
        }, "relay ≥ 50% of raw and ≥ 3× websockify");

        // One way, server to browser: what a console carries (screen updates; the browser sends only input). The
        // server writes as fast as the path takes it; the client only reads.
        var oneWay = new (string Name, Func<Task<IPath>> Connect, ChildProcess? Middle)[]
        {
            ("raw", () => TcpPath.ConnectViaAsync(relayProcess.ForwarderPort, flood.Port), relayProcess),
            ("relay", () => WebSocketPath.ConnectAsync(relayProcess.For(flood.Port).Url), relayProcess),
            ("websockify", () => WebSocketPath.ConnectAsync(websockifyFlood.For(flood.Port).Url), websockifyFlood),
        };
        foreach (var (_, connect, middle) in oneWay)
        {
            await DownloadAsync(connect, Math.Min(payload, 64L << 20), middle);
        }

        var down = oneWay.ToDictionary(p => p.Name, _ => new List<(double Rate, double MiddleCpu, double OwnCpu)>());
        var downRelayToRaw = new List<double>();
        var downRelayToWebsockify = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < oneWay.Length; k++)
            {
                var (name, connect, middle) = oneWay[(k + round) % oneWay.Length];
                down[name].Add(await DownloadAsync(connect, payload, middle));
            }

            downRelayToRaw.Add(100 * down["relay"][round].Rate / down["raw"][round].Rate);
            downRelayToWebsockify.Add(down["relay"][round].Rate / down["websockify"][round].Rate);
        }

        double DownMedian(string name, Func<(double Rate, double MiddleCpu, double OwnCpu), double> figure) =>
            Math.Round(Measure.Median(down[name].Select(figure).ToList()), 2);
        add("console: one way, server to browser (MiB/s; medians of the rounds)", new()
        {
            ["raw TCP copy in the middle"] = DownMedian("raw", r => r.Rate),
            ["portal relay"] = DownMedian("relay", r => r.Rate),
            ["websockify"] = DownMedian("websockify", r => r.Rate),
            ["relay / raw (%)"] = Math.Round(Measure.Median(downRelayToRaw), 1),
            ["relay / websockify (x)"] = Math.Round(Measure.Median(downRelayToWebsockify), 2),
            ["middle CPU ms/MiB: raw copy"] = DownMedian("raw", r => r.MiddleCpu),
            ["middle CPU ms/MiB: relay"] = DownMedian("relay", r => r.MiddleCpu),
            ["middle CPU ms/MiB: websockify"] = DownMedian("websockify", r => r.MiddleCpu),
        }, "figures (the direction a console's screen takes)");

        var rawRtt = await RoundTripAsync(() => TcpPath.ConnectAsync(echo.Port), rttRounds);
        var relayRtt = await RoundTripAsync(() => WebSocketPath.ConnectAsync(relayEcho.Url), rttRounds);
        var quietRtt = await RoundTripAsync(() => WebSocketPath.ConnectAsync(quietEcho.Url), rttRounds);
        var websockifyRtt = await RoundTripAsync(() => WebSocketPath.ConnectAsync(websockifyEchoTarget.Url), rttRounds);
        add("console: round trip p50 (ms)", new()
        {
            ["raw loopback TCP"] = Math.Round(rawRtt, 3),
            ["portal relay"] = Math.Round(relayRtt, 3),
            ["websockify"] = Math.Round(websockifyRtt, 3),
            ["portal relay, spinning off"] = Math.Round(quietRtt, 3),
            ["added by the relay"] = Math.Round(relayRtt - rawRtt, 3),
            ["added by the relay, spinning off"] = Math.Round(quietRtt - rawRtt, 3),
            ["added by websockify"] = Math.Round(websockifyRtt - rawRtt, 3),
        }, "relay adds ≤ 1 ms");

        var (relayCpu, relayRate) = await ConsolesCpuAsync(relaySource, consoles, window);
        var (quietCpu, quietRate) = await ConsolesCpuAsync(quietProcess.For(source.Port), consoles, window);
        var (websockifyCpu, websockifyRate) = await ConsolesCpuAsync(websockifySourceTarget, consoles, window);
        add($"console: CPU with {consoles} consoles at 2 Mbit/s (% of one core)", new()
        {
            ["portal relay"] = Math.Round(relayCpu, 1),
            ["portal relay, spinning off"] = Math.Round(quietCpu, 1),
            ["websockify"] = Math.Round(websockifyCpu, 1),
            ["relay: delivered Mbit/s (all)"] = Math.Round(relayRate, 1),
            ["relay, spinning off: delivered Mbit/s"] = Math.Round(quietRate, 1),
            ["websockify: delivered Mbit/s (all)"] = Math.Round(websockifyRate, 1),
        }, "figures; 200 Mbit/s offered");

        // A relay that loses bytes fails the run (checked in the copies above); the rest are figures.
        var offered = consoles * 2.0;
        return relayRate < 0.9 * offered || quietRate < 0.9 * offered ? 1 : 0;
    }

    /// <summary>
    /// <c>--console-soak [direct|raw|relay|relay-64k|websockify] [MiB]</c>: echoes through one path only, printing
    /// the middle process's id first, so that a profiler (perf) can be attached to it for the whole copy;
    /// <c>--console-soak consoles|consoles-spinning-off|consoles-websockify [seconds]</c>: the 100-console CPU figure alone.
    /// </summary>
    public static async Task<int> SoakAsync(string[] args)
    {
        var rest = args.SkipWhile(a => a != "--console-soak").Skip(1).ToArray();
        var which = rest.Length > 0 ? rest[0] : "relay";
        var mib = rest.Length > 1 ? long.Parse(rest[1], CultureInfo.InvariantCulture) : 4096;
        if (which is "consoles" or "consoles-spinning-off" or "consoles-websockify")
        {
            using var source = new TcpServer(SourceAsync);
            await using var process = which switch
            {
                "consoles" => await ChildProcess.StartRelayAsync(),
                "consoles-spinning-off" => await ChildProcess.StartRelayAsync(environment: new() { [SpinLimitVariable] = "0" }),
                _ => await ChildProcess.StartWebsockifyAsync(source.Port),
            };
            Console.WriteLine($"middle pid {process.Id}");
            var (cpu, delivered) = await ConsolesCpuAsync(process.For(source.Port), 100, TimeSpan.FromSeconds(mib));
            Console.WriteLine($"{which}: {cpu:0.0} % of a core, {delivered:0.0} Mbit/s delivered");
            return 0;
        }

        using var echo = new TcpServer(EchoAsync);
        await using var middle = which == "websockify" ? await ChildProcess.StartWebsockifyAsync(echo.Port)
            : await ChildProcess.StartRelayAsync(which == "relay-64k" ? ["--large-blocks"] : []);
        Console.WriteLine($"middle pid {middle.Id}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Func<Task<IPath>> connect = which switch
        {
            "websockify" => () => WebSocketPath.ConnectAsync(middle.For(echo.Port).Url),
            "direct" => () => TcpPath.ConnectAsync(echo.Port),
            "raw" => () => TcpPath.ConnectViaAsync(middle.ForwarderPort, echo.Port),
            _ => () => WebSocketPath.ConnectAsync(middle.For(echo.Port).Url),
        };
        await ThroughputAsync(connect, 256L << 20, middle); // warm-up
        var (rate, middleCpu, ownCpu) = await ThroughputAsync(connect, mib << 20, middle);
        Console.WriteLine($"{which}: {rate} MiB/s, middle CPU {middleCpu:0.00} ms/MiB, client+echo CPU {ownCpu:0.00} ms/MiB");
        return 0;
    }

    /// <summary>The child process: Kestrel on a free loopback port, a WebSocket endpoint relaying to the port in its path.</summary>
    public static async Task<int> ServeRelayAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (args.Contains("--large-blocks"))
        {
            builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockPoolFactory>();
        }

        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/relay/{target:int}", async (HttpContext context, int target) =>
        {
            using var browser = await context.WebSockets.AcceptWebSocketAsync(ConsoleRelayEndpoint.SubProtocol);
            using var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await server.ConnectAsync(IPAddress.Loopback, target);
            await ConsoleRelayPump.RunAsync(browser, server, ConsoleRelayPump.DefaultBufferSize, () => (WebSocketCloseStatus.NormalClosure, ""), CancellationToken.None);
        });
        await app.StartAsync();
        using var forwarder = new TcpForwarder();
        Console.WriteLine(app.Urls.First().Replace("http://", "ws://", StringComparison.Ordinal) + "/relay");
        Console.WriteLine(forwarder.Port.ToString(CultureInfo.InvariantCulture));
        await Console.Out.FlushAsync();
        // Ends when the parent closes stdin.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }

    // MiB/s, and CPU milliseconds per MiB spent by the process in the middle (if any) and by this process.
    private static async Task<(double MiBPerSecond, double MiddleCpuMsPerMiB, double OwnCpuMsPerMiB)> ThroughputAsync(
        Func<Task<IPath>> connect, long payload, ChildProcess? middle)
    {
        await using var path = await connect();
        var middleBefore = middle?.CpuTime() ?? TimeSpan.Zero;
        var ownBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var chunk = new byte[ChunkBytes];
        Random.Shared.NextBytes(chunk);
        var watch = Stopwatch.StartNew();
        var writer = Task.Run(async () =>
        {
            for (long sent = 0; sent < payload; sent += chunk.Length)
            {
                await path.SendAsync(chunk);
            }
        });
        var buffer = new byte[ChunkBytes];
        long received = 0;
        while (received < payload)
        {
            var n = await path.ReceiveAsync(buffer);
            if (n == 0)
            {
                throw new InvalidOperationException($"The path closed after {received} of {payload} bytes.");
            }

            received += n;
        }

        await writer;
        var mib = payload / (double)(1 << 20);
        var middleCpu = (middle?.CpuTime() ?? TimeSpan.Zero) - middleBefore;
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownBefore;
        return (Math.Round(mib / watch.Elapsed.TotalSeconds, 1), middleCpu.TotalMilliseconds / mib, ownCpu.TotalMilliseconds / mib);
    }

    // One way: the client only reads until it has the payload, then closes; as ThroughputAsync otherwise.
    private static async Task<(double MiBPerSecond, double MiddleCpuMsPerMiB, double OwnCpuMsPerMiB)> DownloadAsync(
        Func<Task<IPath>> connect, long payload, ChildProcess? middle)
    {
        await using var path = await connect();
        var middleBefore = middle?.CpuTime() ?? TimeSpan.Zero;
        var ownBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var buffer = new byte[ChunkBytes];
        long received = 0;
        while (received < payload)
        {
            var n = await path.ReceiveAsync(buffer);
            if (n == 0)
            {
                throw new InvalidOperationException($"The path closed after {received} of {payload} bytes.");
            }

            received += n;
        }

        var elapsed = watch.Elapsed;
        var mib = payload / (double)(1 << 20);
        var middleCpu = (middle?.CpuTime() ?? TimeSpan.Zero) - middleBefore;
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownBefore;
        return (Math.Round(mib / elapsed.TotalSeconds, 1), middleCpu.TotalMilliseconds / mib, ownCpu.TotalMilliseconds / mib);
    }

    private static async Task<double> RoundTripAsync(Func<Task<IPath>> connect, int rounds)
    {
        await using var path = await connect();
        var message = new byte[RttMessageBytes];
        var buffer = new byte[RttMessageBytes];
        var times = new List<double>(rounds);
        for (var i = 0; i < rounds + 50; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await path.SendAsync(message);
            for (var got = 0; got < message.Length;)
            {
                got += await path.ReceiveAsync(buffer.AsMemory(got));
            }

            if (i >= 50)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        return Measure.Median(times);
    }

    // Each console receives 2 Mbit/s from the source server through the process under test; its CPU time (and
    // its children's: websockify forks per connection) over the window, as a share of one core.
    private static async Task<(double CpuPercent, double DeliveredMbit)> ConsolesCpuAsync((ChildProcess Process, string Url) target, int consoles, TimeSpan window)
    {
        var process = target.Process;
        var paths = new List<IPath>();
        for (var i = 0; i < consoles; i++)
        {
            paths.Add(await WebSocketPath.ConnectAsync(target.Url));
        }

        long received = 0;
        using var stop = new CancellationTokenSource();
        var readers = paths.Select(p => Task.Run(async () =>
        {
            var buffer = new byte[ChunkBytes];
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = await p.ReceiveAsync(buffer, stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    Interlocked.Add(ref received, n);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2)); // every console streaming
        var cpuBefore = process.CpuTime();
        var bytesBefore = Interlocked.Read(ref received);
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var cpu = process.CpuTime() - cpuBefore;
        var bytes = Interlocked.Read(ref received) - bytesBefore;
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        foreach (var p in paths)
        {
            await p.DisposeAsync();
        }

        await Task.WhenAll(readers);
        return (100 * cpu.TotalSeconds / elapsed.TotalSeconds, bytes * 8 / 1e6 / elapsed.TotalSeconds);
    }

    private static async Task EchoAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[ChunkBytes];
        int n;
        while ((n = await stream.ReadAsync(buffer, ct)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, n), ct);
        }
    }

    // As fast as the connection takes it, until the client goes away.
    private static async Task FloodAsync(NetworkStream stream, CancellationToken ct)
    {
        var chunk = new byte[ChunkBytes];
        Random.Shared.NextBytes(chunk);
        while (true)
        {
            await stream.WriteAsync(chunk, ct);
        }
    }

    private static async Task SourceAsync(NetworkStream stream, CancellationToken ct)
    {
        var chunk = new byte[ConsoleBytesPerTick];
        Random.Shared.NextBytes(chunk);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await timer.WaitForNextTickAsync(ct))
        {
            await stream.WriteAsync(chunk, ct);
        }
    }

    private interface IPath : IAsyncDisposable
    {
        Task SendAsync(ReadOnlyMemory<byte> data);

        Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct = default);
    }

    private sealed class TcpPath(TcpClient client) : IPath
    {
        private readonly NetworkStream _stream = client.GetStream();

        public static async Task<IPath> ConnectAsync(int port)
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, port);
            return new TcpPath(client);
        }

        /// <summary>Through a <see cref="TcpForwarder"/>: the first two bytes name the target port.</summary>
        public static async Task<IPath> ConnectViaAsync(int forwarderPort, int target)
        {
            var path = (TcpPath)await ConnectAsync(forwarderPort);
            await path._stream.WriteAsync(new[] { (byte)(target >> 8), (byte)target });
            return path;
        }

        public Task SendAsync(ReadOnlyMemory<byte> data) => _stream.WriteAsync(data).AsTask();

        public Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct = default) => _stream.ReadAsync(buffer, ct).AsTask();

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class WebSocketPath(ClientWebSocket socket) : IPath
    {
        public static async Task<IPath> ConnectAsync(string url)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("binary");
            await socket.ConnectAsync(new Uri(url), CancellationToken.None);
            return new WebSocketPath(socket);
        }

        public Task SendAsync(ReadOnlyMemory<byte> data) => socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None).AsTask();

        public async Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            return result.MessageType == WebSocketMessageType.Close ? 0 : result.Count;
        }

        public async ValueTask DisposeAsync()
        {
            if (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException)
                {
                }
            }

            socket.Dispose();
        }
    }

    private sealed class TcpServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public TcpServer(Func<NetworkStream, CancellationToken, Task> serve)
        {
            _listener.Start(512);
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                        return;
                    }

                    client.NoDelay = true;
                    _ = Task.Run(async () =>
                    {
                        using (client)
                        {
                            try
                            {
                                await serve(client.GetStream(), _stop.Token);
                            }
                            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                            {
                            }
                        }
                    });
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// The raw baseline in the relay's position: in the relay's own process, a plain TCP-to-TCP copy with the
    /// pump's buffer size and the same pipelining (read the next chunk while the previous one is written), so that
    /// the only difference to the relay is the WebSocket (Kestrel, framing, masking). The client names the target
    /// port in its first two bytes.
    /// </summary>
    private sealed class TcpForwarder : IDisposable
    {
        private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();

        public TcpForwarder()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(512);
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Socket client;
                    try
                    {
                        client = await _listener.AcceptAsync(_stop.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                        return;
                    }

                    _ = Task.Run(() => ServeAsync(client));
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        private static async Task ServeAsync(Socket client)
        {
            using (client)
            using (var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
            {
                try
                {
                    client.NoDelay = true;
                    var port = new byte[2];
                    for (var got = 0; got < 2;)
                    {
                        var n = await client.ReceiveAsync(port.AsMemory(got), SocketFlags.None);
                        if (n == 0)
                        {
                            return;
                        }

                        got += n;
                    }

                    await server.ConnectAsync(IPAddress.Loopback, (port[0] << 8) | port[1]);
                    await Task.WhenAll(CopyAsync(client, server), CopyAsync(server, client));
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
        }

        private static async Task CopyAsync(Socket from, Socket to)
        {
            var size = ConsoleRelayPump.DefaultBufferSize;
            var buffers = new[] { new byte[size], new byte[size] };
            var writing = Task.CompletedTask;
            try
            {
                for (var i = 0; ; i ^= 1)
                {
                    var read = await from.ReceiveAsync(buffers[i].AsMemory(), SocketFlags.None);
                    await writing;
                    if (read == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    writing = SendAllAsync(to, buffers[i].AsMemory(0, read));
                }
            }
            finally
            {
                try
                {
                    await writing;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
        }

        private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
        {
            while (!data.IsEmpty)
            {
                data = data[await socket.SendAsync(data, SocketFlags.None)..];
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>A relay under test in a process of its own: the portal's pump, or websockify.</summary>
    private sealed class ChildProcess(Process process, string url) : IAsyncDisposable
    {
        private readonly string _url = url;

        public int Id => process.Id;

        /// <summary>The relay process's plain TCP copy (see <see cref="TcpForwarder"/>); 0 for websockify.</summary>
        public int ForwarderPort { get; private init; }

        /// <summary>The process under test with the address that reaches <paramref name="target"/> through it.</summary>
        public (ChildProcess Process, string Url) For(int target) =>
            (this, _url.EndsWith("/relay", StringComparison.Ordinal) ? $"{_url}/{target}" : _url);

        public static async Task<ChildProcess> StartRelayAsync(string[]? extra = null, Dictionary<string, string>? environment = null)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
            var self = typeof(ConsoleBenchmark).Assembly.Location;
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            {
                start.ArgumentList.Add(self);
            }

            start.ArgumentList.Add("serve-relay");
            foreach (var argument in extra ?? [])
            {
                start.ArgumentList.Add(argument);
            }
            // As the portal runs: server GC (the web SDK's default).
            start.Environment["DOTNET_gcServer"] = "1";
            // Unless asked for, the runtime's default spinning, whatever this process was started with.
            start.Environment.Remove(SpinLimitVariable);
            foreach (var (name, value) in environment ?? [])
            {
                start.Environment[name] = value;
            }
            var process = Process.Start(start)!;
            var url = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The relay process did not start.");
            var forwarder = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The relay process did not start.");
            return new ChildProcess(process, url) { ForwarderPort = int.Parse(forwarder, CultureInfo.InvariantCulture) };
        }

        public static async Task<ChildProcess> StartWebsockifyAsync(int target)
        {
            var websockify = File.Exists("/usr/bin/websockify") ? "/usr/bin/websockify"
                : throw new InvalidOperationException("websockify is not installed (Debian: apt-get install python3-websockify; ./build.sh test installs it).");
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var start = new ProcessStartInfo(websockify) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "--heartbeat=0", $"127.0.0.1:{port}", $"127.0.0.1:{target}" })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return new ChildProcess(process, $"ws://127.0.0.1:{port}/");
                }
                catch (SocketException)
                {
                    await Task.Delay(100);
                }
            }

            throw new InvalidOperationException("websockify did not start listening.");
        }

        /// <summary>CPU time of the process and every descendant alive now.</summary>
        public TimeSpan CpuTime()
        {
            var total = TimeSpan.Zero;
            foreach (var pid in Descendants(process.Id).Prepend(process.Id))
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    total += p.TotalProcessorTime;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Exited meanwhile.
                }
            }

            return total;
        }

        private static IEnumerable<int> Descendants(int root)
        {
            var children = new Dictionary<int, List<int>>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                    (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                }
            }

            var queue = new Queue<int>([root]);
            while (queue.Count > 0)
            {
                foreach (var child in children.GetValueOrDefault(queue.Dequeue()) ?? [])
                {
                    yield return child;
                    queue.Enqueue(child);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (process.StartInfo.RedirectStandardInput)
                {
                    process.StandardInput.Close();
                }

                // Only this child (by its id) and its own descendants: websockify's per-connection workers.
                if (!process.WaitForExit(3000))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
