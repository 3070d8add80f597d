using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Testing;

/// <summary>
/// The whole portal, as Program.cs builds it, on a database of its own. With <c>kestrel: true</c> it
/// listens on a free loopback port so a real browser can reach it.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    public const string SuperuserName = "admin";
    public const string SuperuserPassword = "correct horse battery staple";

    private readonly Dictionary<string, string?> _settings;
    private readonly ILoggerProvider? _logging;

    public PortalFactory(TestDatabase database, bool kestrel = false, IDictionary<string, string?>? settings = null, ILoggerProvider? logging = null)
    {
        Database = database;
        _logging = logging;
        _settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Bootstrap:SuperuserName"] = SuperuserName,
            ["Bootstrap:SuperuserPassword"] = SuperuserPassword,
            // Off unless a test asks for it: a background sync would race tests that arrange clusters by hand.
            ["Sync:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        if (kestrel)
        {
            UseKestrel(0);
            StartServer();
        }
    }

    public TestDatabase Database { get; }

    /// <summary>Base address without a trailing slash, e.g. http://127.0.0.1:41235.</summary>
    public string BaseUrl => ClientOptions.BaseAddress.ToString().TrimEnd('/');

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_logging is not null)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(_logging));
        }
    }
}
