using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GanetiWebManager.Rapi;

/// <summary>Creates RAPI clients for clusters whose connection details are data (one client per cluster).</summary>
public interface IGanetiRapiClientFactory
{
    /// <summary>Creates a client; the caller owns and disposes it.</summary>
    IGanetiRapiClient Create(RapiClientOptions options);
}

/// <summary>Creates <see cref="GanetiRapiClient"/> instances sharing a logger factory and a clock.</summary>
public sealed class GanetiRapiClientFactory(ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null) : IGanetiRapiClientFactory
{
    /// <inheritdoc />
    public IGanetiRapiClient Create(RapiClientOptions options) =>
        new GanetiRapiClient(
            options,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<GanetiRapiClient>(),
            timeProvider ?? TimeProvider.System);
}
