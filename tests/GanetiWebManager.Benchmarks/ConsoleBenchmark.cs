using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using GanetiWebManager.Web.Features.Console;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Benchmarks;

/// <summary>
/// Issue 6 §5, printed: the console relay's byte path against a raw loopback TCP copy and against Debian's
/// websockify (what GWM-era portals put in the same position), all in one run. Each path ends at the same TCP
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
    private const int ConsoleBytesPerTick = 25_000; // every 100 ms: 250 kB/s = 2 Mbit/s per console

    public static async Task<int> RunAsync(bool shortForm, Action<string, Dictionary<string, double>, string> add)
    {
        var payload = shortForm ? 64L << 20 : 256L << 20;
        var rounds = shortForm ? 500 : 3000;
        var consoles = 100;
        var window = TimeSpan.FromSeconds(shortForm ? 5 : 15);

        using var echo = new TcpServer(EchoAsync);
        using var source = new TcpServer(SourceAsync);
        // One relay process for every test, as one portal serves every console: what JIT-compiles during the
        // throughput test is warm for the CPU figure.
        await using var relayProcess = await ChildProcess.StartRelayAsync();
        var relayEcho = relayProcess.For(echo.Port);
        var relaySource = relayProcess.For(source.Port);
        await using var websockifyEcho = await ChildProcess.StartWebsockifyAsync(echo.Port);
        await using var websockifySource = await ChildProcess.StartWebsockifyAsync(source.Port);
        var websockifyEchoTarget = websockifyEcho.For(echo.Port);
        var websockifySourceTarget = websockifySource.For(source.Port);

        Console.WriteLine($"Console relay: {payload >> 20} MiB echoed per path, {rounds} round trips of {RttMessageBytes} bytes, {consoles} consoles at 2 Mbit/s for {window.TotalSeconds:0} s");

        // Throughput: one connection, the client writes while it reads the echo back; payload bytes per second.
        var (raw, _, rawClient) = await ThroughputAsync(() => TcpPath.ConnectAsync(echo.Port), payload, null);
        var (relay, relayCpuPerMiB, relayClient) = await ThroughputAsync(() => WebSocketPath.ConnectAsync(relayEcho.Url), payload, relayProcess);
        var (websockify, websockifyCpuPerMiB, websockifyClient) = await ThroughputAsync(() => WebSocketPath.ConnectAsync(websockifyEchoTarget.Url), payload, websockifyEcho);
        add("console: throughput (MiB/s, echoed both ways)", new()
        {
            ["raw loopback TCP"] = raw,
            ["portal relay"] = relay,
            ["websockify"] = websockify,
            ["relay / raw (%)"] = Math.Round(100 * relay / raw, 1),
            ["relay / websockify (x)"] = Math.Round(relay / websockify, 2),
            // Where the CPU goes (ms of CPU per MiB echoed): the relay's process, and this process (client, echo).
            ["relay process CPU ms/MiB"] = Math.Round(relayCpuPerMiB, 2),
            ["websockify process CPU ms/MiB"] = Math.Round(websockifyCpuPerMiB, 2),
            ["client+echo CPU ms/MiB: raw"] = Math.Round(rawClient, 2),
            ["client+echo CPU ms/MiB: relay"] = Math.Round(relayClient, 2),
            ["client+echo CPU ms/MiB: websockify"] = Math.Round(websockifyClient, 2),
        }, "relay ≥ 50% of raw and ≥ 3× websockify");

        var rawRtt = await RoundTripAsync(() => TcpPath.ConnectAsync(echo.Port), rounds);
        var relayRtt = await RoundTripAsync(() => WebSocketPath.ConnectAsync(relayEcho.Url), rounds);
        var websockifyRtt = await RoundTripAsync(() => WebSocketPath.ConnectAsync(websockifyEchoTarget.Url), rounds);
        add("console: round trip p50 (ms)", new()
        {
            ["raw loopback TCP"] = Math.Round(rawRtt, 3),
            ["portal relay"] = Math.Round(relayRtt, 3),
            ["websockify"] = Math.Round(websockifyRtt, 3),
            ["added by the relay"] = Math.Round(relayRtt - rawRtt, 3),
            ["added by websockify"] = Math.Round(websockifyRtt - rawRtt, 3),
        }, "relay adds ≤ 1 ms");

        var (relayCpu, relayRate) = await ConsolesCpuAsync(relaySource, consoles, window);
        var (websockifyCpu, websockifyRate) = await ConsolesCpuAsync(websockifySourceTarget, consoles, window);
        add($"console: CPU with {consoles} consoles at 2 Mbit/s (% of one core)", new()
        {
            ["portal relay"] = Math.Round(relayCpu, 1),
            ["websockify"] = Math.Round(websockifyCpu, 1),
            ["relay: delivered Mbit/s (all)"] = Math.Round(relayRate, 1),
            ["websockify: delivered Mbit/s (all)"] = Math.Round(websockifyRate, 1),
        }, "figures; 200 Mbit/s offered");

        // A relay that loses bytes fails the run (checked in the copies above); the rest are figures.
        var offered = consoles * 2.0;
        return relayRate < 0.9 * offered ? 1 : 0;
    }

    /// <summary>The child process: Kestrel on a free loopback port, a WebSocket endpoint relaying to the port in its path.</summary>
    public static async Task<int> ServeRelayAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
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
        Console.WriteLine(app.Urls.First().Replace("http://", "ws://", StringComparison.Ordinal) + "/relay");
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

    /// <summary>A relay under test in a process of its own: the portal's pump, or websockify.</summary>
    private sealed class ChildProcess(Process process, string url) : IAsyncDisposable
    {
        private readonly string _url = url;

        /// <summary>The process under test with the address that reaches <paramref name="target"/> through it.</summary>
        public (ChildProcess Process, string Url) For(int target) =>
            (this, _url.EndsWith("/relay", StringComparison.Ordinal) ? $"{_url}/{target}" : _url);

        public static async Task<ChildProcess> StartRelayAsync()
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
            var self = typeof(ConsoleBenchmark).Assembly.Location;
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            {
                start.ArgumentList.Add(self);
            }

            start.ArgumentList.Add("serve-relay");
            // As the portal runs: server GC (the web SDK's default).
            start.Environment["DOTNET_gcServer"] = "1";
            var process = Process.Start(start)!;
            var url = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The relay process did not start.");
            return new ChildProcess(process, url);
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
