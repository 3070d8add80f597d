using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GanetiWebManager.Testing;

/// <summary>
/// The real portal as a separate operating-system process (<c>dotnet GanetiWebManager.Web.dll</c> from the build
/// output), on a database of its own, for tests that must kill it for real (SIGKILL) and start it again. Its
/// standard output is read line by line, so a test can wait for a line it prints.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(string Prefix, TaskCompletionSource<string> Seen)> _waiters = [];

    private PortalProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far (stdout and stderr), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.TakeLast(200));
            }
        }
    }

    /// <summary>The portal's build output next to this test's configuration (Debug or Release).</summary>
    public static string WebDllPath
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GanetiWebManager.sln")))
            {
                directory = directory.Parent;
            }

            if (directory is null)
            {
                throw new InvalidOperationException($"No GanetiWebManager.sln above {AppContext.BaseDirectory}.");
            }

            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var dll = Path.Combine(directory.FullName, "src", "GanetiWebManager.Web", "bin", configuration, "net10.0", "GanetiWebManager.Web.dll");
            return File.Exists(dll)
                ? dll
                : throw new InvalidOperationException($"{dll} does not exist: build the solution ({configuration}) first, e.g. `dotnet build -c {configuration}`.");
        }
    }

    /// <summary>Starts the portal and returns once it serves its sign-in page.</summary>
    public static async Task<PortalProcess> StartAsync(TestDatabase database, IDictionary<string, string?> settings, TimeSpan? startTimeout = null)
    {
        var dll = WebDllPath;
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            // The project directory is the content root, as under `dotnet run`: static web assets resolve from there.
            WorkingDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..")),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_URLS"] = baseUrl;
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Database__ConnectionString"] = database.ConnectionString;
        info.Environment["Bootstrap__SuperuserName"] = PortalFactory.SuperuserName;
        info.Environment["Bootstrap__SuperuserPassword"] = PortalFactory.SuperuserPassword;
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var portal = new PortalProcess(process, baseUrl);
        process.OutputDataReceived += (_, e) => portal.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => portal.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The portal exited with {process.ExitCode} while starting:\n{portal.Output}");
            }

            try
            {
                if ((await http.GetAsync(baseUrl + "/account/login")).StatusCode == HttpStatusCode.OK)
                {
                    return portal;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            if (clock.Elapsed > (startTimeout ?? TimeSpan.FromSeconds(60)))
            {
                portal.Kill();
                throw new TimeoutException($"The portal did not start within {clock.Elapsed.TotalSeconds:0} s:\n{portal.Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/> (also one printed earlier) and returns it.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        TaskCompletionSource<string> seen;
        lock (_lines)
        {
            if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((prefix, seen));
        }

        var finished = await Task.WhenAny(seen.Task, Task.Delay(timeout));
        return finished == seen.Task
            ? await seen.Task
            : throw new TimeoutException($"The portal did not print '{prefix}' within {timeout.TotalSeconds:0} s:\n{Output}");
    }

    /// <summary>SIGKILL: the process ends at once, without running any of its shutdown code.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            // On Linux, Process.Kill sends SIGKILL (not SIGTERM): no finally block, no hosted-service StopAsync runs.
            _process.Kill(entireProcessTree: true);
        }
    }

    public async Task KillAndWaitAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAndWaitAsync();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => line.StartsWith(w.Prefix, StringComparison.Ordinal)).ToList())
            {
                waiter.Seen.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Parses <c>key=value</c> words of a line (e.g. <c>job=12 marker=gwm-12-...</c>).</summary>
    public static IReadOnlyDictionary<string, string> Words(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);

    /// <summary>Text for assertion messages.</summary>
    public override string ToString() => new StringBuilder().Append("portal pid ").Append(_process.Id).Append(" at ").Append(BaseUrl).ToString();
}
